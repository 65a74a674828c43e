import { createHash } from 'node:crypto';
import type { SendContent } from '../../src/domain/sendDedup';
import { dedupExpiry, dedupKeys, sendFingerprint as fingerprintWith } from '../../src/domain/sendDedup';

const SECRET = Buffer.alloc(32, 7);
const sendFingerprint = (send: SendContent) => fingerprintWith(send, SECRET);

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

  it('when the secret differs then the fingerprint differs', () => {
    expect(fingerprintWith(base, Buffer.alloc(32, 8))).not.toBe(sendFingerprint(base));
  });

  it('when the send is stored then no plain hash of its parts can be checked against a guess', () => {
    const parts = [
      base.senderId,
      `id${'b'.repeat(24)},num0033612345678`,
      'hello',
      '',
      '',
      '',
      'choice:' + 'c'.repeat(24),
    ];
    const guesses = [JSON.stringify(parts), 'hello'].map((t) => createHash('sha256').update(t).digest('hex'));
    expect(guesses).not.toContain(sendFingerprint(base));
    expect(sendFingerprint(base)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('dedupKeys', () => {
  const W = 120;
  const shared = (t1: number, t2: number) => {
    const a = dedupKeys(['f'], new Date(t1 * 1000), W);
    const b = dedupKeys(['f'], new Date(t2 * 1000), W);
    return a.some((k) => b.includes(k));
  };

  it('when two sends are less than the window apart then they always share a key', () => {
    for (let t = 0; t < 1000; t += 7) expect(shared(1_000_000 + t, 1_000_000 + t + 119.999)).toBe(true);
  });

  it('when two sends are twice the window apart or more then they never share a key', () => {
    for (let t = 0; t < 1000; t += 7) expect(shared(1_000_000 + t, 1_000_000 + t + 240)).toBe(false);
  });

  it('when keys are made then the current bucket comes first, then the next', () => {
    expect(dedupKeys(['f'], new Date(240_000), W)).toEqual(['f:2', 'f:3']);
  });

  it('when there are several fingerprints then each bucket lists them sorted, whatever their order', () => {
    const keys = ['f:2', 'g:2', 'f:3', 'g:3'];
    expect(dedupKeys(['g', 'f'], new Date(240_000), W)).toEqual(keys);
    expect(dedupKeys(['f', 'g', 'f'], new Date(240_000), W)).toEqual(keys);
  });

  it('when a process holds the old key only and another holds the new one too then their sends share keys', () => {
    const before = dedupKeys(['old'], new Date(1_000_000), W);
    const after = dedupKeys(['new', 'old'], new Date(1_000_050), W);
    expect(before.filter((k) => after.includes(k))).toEqual(before);
  });

  it('when a claim expires then it is after the end of the later bucket', () => {
    expect(dedupExpiry(new Date(250_000), W).getTime()).toBe(480_000);
  });
});
