import { parseReceiver, parseReceiverIds, parseUserIdList } from '../../src/domain/receivers';

const MAX_RECEIVERS = 2000;

const A = '5f0000000000000000000001';
const B = '5f0000000000000000000002';

describe('parseReceiverIds', () => {
  it('when iOS pretty-prints the list then ids and numbers are read', () => {
    const text = `[\n  "id${A}",\n  "num0033612345678"\n]`;
    expect(parseReceiverIds(text, MAX_RECEIVERS)).toEqual({
      ok: true,
      value: [
        { kind: 'id', id: A },
        { kind: 'num', phone: '0033612345678' },
      ],
    });
  });

  it('when a receiver is listed twice then it is kept once', () => {
    const parsed = parseReceiverIds(
      JSON.stringify([`id${A}`, `id${A.toUpperCase()}`, `id${B}`, 'num0011', 'num0011']),
      MAX_RECEIVERS,
    );
    expect(parsed.ok && parsed.value).toHaveLength(3);
  });

  it.each([
    [undefined, /required/],
    ['', /required/],
    ['nope', /not JSON/],
    ['{"a":1}', /list of strings/],
    ['[1,2]', /list of strings/],
    ['[]', /empty/],
    [`["${A}"]`, /malformed/],
    ['["id123"]', /malformed/],
    ['["num"]', /no receiver with a usable phone number/],
    ['["num...", "num(null)"]', /no receiver with a usable phone number/],
    [`["num12", "x${A}"]`, /malformed/],
  ])('when given %p then it is refused', (text, reason) => {
    const parsed = parseReceiverIds(text, MAX_RECEIVERS);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('when a send lists more receivers than anyone picks then it is refused', () => {
    const many = Array.from({ length: MAX_RECEIVERS + 1 }, (_, i) => `num00336${String(i).padStart(8, '0')}`);
    expect(parseReceiverIds(JSON.stringify(many), MAX_RECEIVERS)).toEqual({
      ok: false,
      reason: 'too many receivers: at most 2000',
    });
    expect(parseReceiverIds(JSON.stringify(many.slice(1)), MAX_RECEIVERS).ok).toBe(true);
  });

  it('when numbers come as the apps write them then they are read in 00 form and merged', () => {
    const text = JSON.stringify([
      'num00336.12.34.56.78',
      'num0033612345678',
      'num\u202a+33 6 12 34 56 78\u202c',
      'num(+44) 7700/900.001#',
    ]);
    expect(parseReceiverIds(text, MAX_RECEIVERS)).toEqual({
      ok: true,
      value: [
        { kind: 'num', phone: '0033612345678' },
        { kind: 'num', phone: '00447700900001' },
      ],
    });
  });

  it('when a num entry has no usable digits then it is skipped and the others stay', () => {
    const text = JSON.stringify([
      `id${A}`,
      'num...',
      'num12',
      `num${'9'.repeat(30)}`,
      'num00336.12.34.56.78',
    ]);
    expect(parseReceiverIds(text, MAX_RECEIVERS)).toEqual({
      ok: true,
      value: [
        { kind: 'id', id: A },
        { kind: 'num', phone: '0033612345678' },
      ],
    });
    expect(parseReceiver('num(null)')).toEqual({ kind: 'unusable' });
  });

  it('when a receiver has surrounding spaces then they are ignored', () => {
    expect(parseReceiver(` id${A} `)).toEqual({ kind: 'id', id: A });
  });
});

describe('parseUserIdList', () => {
  it('when ids come with or without the id prefix then both are read, once each', () => {
    expect(parseUserIdList(JSON.stringify([`id${A}`, A, B]), 'f', 10)).toEqual({ ok: true, value: [A, B] });
  });

  it('when the list is empty then it is valid and empty', () => {
    expect(parseUserIdList('[]', 'f', 10)).toEqual({ ok: true, value: [] });
  });

  it.each(['', 'x', '["abc"]', '[5]', `["id${A}x"]`])('when given %p then it is refused', (text) => {
    expect(parseUserIdList(text, 'contacts_to_block', 10).ok).toBe(false);
  });

  it('when more ids are listed than the bound then the list is refused before any id is read', () => {
    expect(parseUserIdList(JSON.stringify([A, B, A]), 'contacts_to_block', 2)).toEqual({
      ok: false,
      reason: 'too many ids in contacts_to_block: at most 2',
    });
  });
});
