import { MAX_FORM_PAIRS, parseForm, unquotePlus } from '../../src/domain/form';
import { parseRequestJson } from '../../src/domain/requestText';

const enc = (s: string) => new TextEncoder().encode(s);

describe('parseForm (Werkzeug rules)', () => {
  it('when a value has + then it becomes a space', () => {
    expect(parseForm('email=a+b@x.com')).toEqual({ email: 'a b@x.com' });
  });

  it('when a value is percent-encoded then it is decoded, %2B to +', () => {
    expect(parseForm('email=a%2Bb%40x.com&n=%C3%A9t%C3%A9')).toEqual({ email: 'a+b@x.com', n: 'été' });
  });

  it('when an escape is invalid or cut then it is kept as-is', () => {
    expect(parseForm('a=100%&b=%zz&c=%4&d=%%41')).toEqual({ a: '100%', b: '%zz', c: '%4', d: '%A' });
  });

  it('when raw UTF-8 arrives unencoded (iOS) then it is read as UTF-8', () => {
    expect(parseForm(enc('name=Zoë Ünal&msg=日本'))).toEqual({ name: 'Zoë Ünal', msg: '日本' });
  });

  it('when bytes are not valid UTF-8 then they become U+FFFD and nothing throws', () => {
    expect(parseForm(new Uint8Array([0x61, 0x3d, 0xff, 0xfe]))).toEqual({ a: '\uFFFD\uFFFD' });
    expect(parseForm('a=%FF')).toEqual({ a: '\uFFFD' });
  });

  it('when a key or value holds U+0000, raw or as %00, then it becomes U+FFFD', () => {
    expect(parseForm(new Uint8Array([0x61, 0x00, 0x3d, 0x62, 0x00]))).toEqual({ 'a\uFFFD': 'b\uFFFD' });
    expect(parseForm('a=x%00y%00')).toEqual({ a: 'x\uFFFDy\uFFFD' });
  });

  it('when a key repeats then the first value wins', () => {
    expect(parseForm('a=1&a=2&b=3')).toEqual({ a: '1', b: '3' });
  });

  it('when keys have brackets then they stay flat keys', () => {
    const f = parseForm('a[b]=c&d[]=1&d[]=2');
    expect(f).toEqual({ 'a[b]': 'c', 'd[]': '1' });
  });

  it('when a pair has no = then the key has an empty value; empty pairs are skipped', () => {
    expect(parseForm('flag&&x=&=v')).toEqual({ flag: '', x: '', '': 'v' });
  });

  it('when a value holds = then only the first = splits', () => {
    expect(parseForm('a=b=c')).toEqual({ a: 'b=c' });
  });

  it('when iOS sends pretty JSON unencoded then the JSON survives intact', () => {
    const json = '[\n  "id5",\n  "num0033612345678"\n]';
    expect(JSON.parse(parseForm(`receiver_ids=${json}&message=hi`).receiver_ids!)).toEqual([
      'id5',
      'num0033612345678',
    ]);
  });

  it('when the body is 5 MB then it parses', () => {
    const value = 'x'.repeat(5 * 1024 * 1024);
    expect(parseForm(`address_book=${value}`).address_book).toHaveLength(value.length);
  });

  it('when the body is empty then the form is empty', () => {
    expect(parseForm('')).toEqual({});
  });

  it('when a key is __proto__ then it is a plain key, not a prototype', () => {
    const f = parseForm('__proto__=x&constructor=y');
    expect(f.__proto__).toBe('x');
    expect(Object.getPrototypeOf(f)).toBeNull();
  });

  it('unquotePlus decodes mixed input', () => {
    expect(unquotePlus(enc('a+%20b%2'))).toBe('a  b%2');
  });

  it('when a body has more pieces than MAX_FORM_PAIRS then the first ones are read and the rest ignored', () => {
    const pairs = Array.from({ length: MAX_FORM_PAIRS + 5 }, (_, i) => `k${i}=${i}`);
    const f = parseForm(pairs.join('&'));
    expect(Object.keys(f)).toHaveLength(MAX_FORM_PAIRS);
    expect(f.k0).toBe('0');
    expect(f[`k${MAX_FORM_PAIRS - 1}`]).toBe(String(MAX_FORM_PAIRS - 1));
    expect(f[`k${MAX_FORM_PAIRS}`]).toBeUndefined();
  });

  it('when empty pieces pad a body then they count as pieces: nothing after the bound is read', () => {
    const f = parseForm(`a=1${'&'.repeat(MAX_FORM_PAIRS)}b=2`);
    expect(f).toEqual({ a: '1' });
  });

  it('when an iOS address book splits at the & of names then its field, first, is still read', () => {
    const book = JSON.stringify(
      Array.from({ length: 3_000 }, (_, i) => ({ tel: `0033${i}`, name: `A & B ${i}` })),
    );
    const f = parseForm(`address_book=${book}`);
    expect(f.address_book).toBe(book.slice(0, book.indexOf('&')));
  });
});

describe('parseRequestJson', () => {
  it('when a string holds a \\u0000 escape, at any depth, then it becomes U+FFFD', () => {
    expect(parseRequestJson('[{"name":"a\\u0000b","n":[ "\\u0000" ]}, 1]')).toEqual([
      { name: 'a\uFFFDb', n: ['\uFFFD'] },
      1,
    ]);
  });

  it('when the text has no such escape then it parses as JSON.parse does, errors included', () => {
    expect(parseRequestJson('{"a":"\\u0001","b":null}')).toEqual({ a: '\u0001', b: null });
    expect(() => parseRequestJson('[1,')).toThrow(SyntaxError);
  });
});
