/**
 * Form bodies parsed exactly as the original Flask/Werkzeug server did, whatever the
 * Content-Type: iOS concatenates raw values without percent-encoding, Android encodes.
 *  - pairs split on '&', key and value on the first '='; a pair without '=' is a key with ""
 *  - '+' is a space, %XX is decoded, an invalid escape is kept as-is
 *  - the bytes are then read as UTF-8, invalid sequences replaced (U+FFFD), and so is
 *    U+0000 (domain/requestText)
 *  - no nesting ('a[b]' is a plain key) and no arrays: the first value of a key wins
 *  - only the first MAX_FORM_PAIRS '&'-separated pieces are read; the rest is ignored
 */
import { withoutNul } from './requestText';

export type Form = Readonly<Record<string, string>>;

const PLUS = 0x2b;
const PERCENT = 0x25;
const SPACE = 0x20;
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * No app form has more than ten fields. The bound keeps a body of `a&a&a…` from costing a
 * decode per piece (3 million of them in 6 MB). Ignoring the rest, rather than refusing the
 * form, keeps iOS working: its unencoded values split at every `&` they contain (an address
 * book full of "Tom & Jerry" names), and the field that matters comes first.
 */
export const MAX_FORM_PAIRS = 1000;

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** Decodes one key or value: '+' to space, %XX to its byte, bad escapes kept. */
export function unquotePlus(bytes: Uint8Array): string {
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === PLUS) {
      out[n++] = SPACE;
    } else if (b === PERCENT && i + 2 < bytes.length) {
      const hi = hexValue(bytes[i + 1]!);
      const lo = hexValue(bytes[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
      } else {
        out[n++] = b;
      }
    } else {
      out[n++] = b;
    }
  }
  return withoutNul(decoder.decode(out.subarray(0, n)));
}

export function parseForm(body: Uint8Array | string): Form {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const form: Record<string, string> = Object.create(null) as Record<string, string>;
  let start = 0;
  for (let pieces = 0; start <= bytes.length && pieces < MAX_FORM_PAIRS; pieces++) {
    let end = bytes.indexOf(0x26, start); // '&'
    if (end === -1) end = bytes.length;
    if (end > start) {
      const pair = bytes.subarray(start, end);
      const eq = pair.indexOf(0x3d); // '='
      const key = unquotePlus(eq === -1 ? pair : pair.subarray(0, eq));
      const value = eq === -1 ? '' : unquotePlus(pair.subarray(eq + 1));
      if (!(key in form)) form[key] = value;
    }
    start = end + 1;
  }
  return form;
}
