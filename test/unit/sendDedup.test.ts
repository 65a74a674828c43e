import type { SendContent } from '../../src/domain/sendDedup';
import { dedupExpiry, dedupKeys, sendFingerprint } from '../../src/domain/sendDedup';

const base: SendContent = {
  senderId: 'a'.repeat(24),
  receivers: [
    { kind: 'id', id: 'b'.repeat(24) },
    { kind: 'num', phone: '0033612345678' },
  ],
  message: 'hello',
  photoId: '',
  videoId: '',
  soundId: '',
  option: { kind: 'choice', key: 'c'.repeat(24) },
};

describe('sendFingerprint', () => {
  it('when the same send comes again, receivers in another order, then the fingerprint is equal', () => {
    expect(sendFingerprint({ ...base, receivers: [...base.receivers].reverse() })).toBe(
      sendFingerprint(base),
    );
  });

  it.each([
    ['sender', { senderId: 'd'.repeat(24) }],
    ['message', { message: 'hello!' }],
    ['photo', { photoId: 'p.jpg' }],
    ['video', { videoId: 'v' }],
    ['sound', { soundId: 's' }],
    ['option', { option: { kind: 'now' } }],
    ['receivers', { receivers: [base.receivers[0]!] }],
  ] as const)('when the %s differs then the fingerprint differs', (_name, change) => {
    expect(sendFingerprint({ ...base, ...change })).not.toBe(sendFingerprint(base));
  });

  it('when texts could be shifted between fields then the fingerprints still differ', () => {
    expect(sendFingerprint({ ...base, message: 'ab', photoId: '' })).not.toBe(
      sendFingerprint({ ...base, message: 'a', photoId: 'b' }),
    );
  });
});

describe('dedupKeys', () => {
  const W = 120;
  const shared = (t1: number, t2: number) => {
    const a = dedupKeys('f', new Date(t1 * 1000), W);
    const b = dedupKeys('f', new Date(t2 * 1000), W);
    return a.some((k) => b.includes(k));
  };

  it('when two sends are less than the window apart then they always share a key', () => {
    for (let t = 0; t < 1000; t += 7) expect(shared(1_000_000 + t, 1_000_000 + t + 119.999)).toBe(true);
  });

  it('when two sends are twice the window apart or more then they never share a key', () => {
    for (let t = 0; t < 1000; t += 7) expect(shared(1_000_000 + t, 1_000_000 + t + 240)).toBe(false);
  });

  it('when keys are made then the current bucket comes first, then the next', () => {
    expect(dedupKeys('f', new Date(240_000), W)).toEqual(['f:2', 'f:3']);
  });

  it('when a claim expires then it is after the end of the later bucket', () => {
    expect(dedupExpiry(new Date(250_000), W).getTime()).toBe(480_000);
  });
});
