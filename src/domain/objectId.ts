/**
 * ObjectIds as text: exactly 24 hex digits, either case. The driver would also take 12
 * characters as raw bytes, which no id the apps hold ever is.
 */
const OBJECT_ID_HEX = /^[0-9a-fA-F]{24}$/;

export function isObjectIdHex(v: unknown): v is string {
  return typeof v === 'string' && OBJECT_ID_HEX.test(v);
}
