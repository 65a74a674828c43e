/**
 * POST bodies are read as bytes and parsed as a Werkzeug-style flat form, whatever their
 * Content-Type (../shared/CONTRACT.md §1). Query strings use the same rules.
 *
 * A body is read only by the route that needs it, after its session check, with a limit
 * fitting what that route can take: an unknown path, a refused session or a GET never costs
 * more than discarding the bytes as they arrive (Node drops the unread rest of a request
 * once it is answered, and the connection stays usable). Compressed bodies are refused
 * before anything is read: the apps never compress, and inflating is where a few KB cost
 * seconds.
 */
import express, { type RequestHandler } from 'express';
import type { Config } from '../config';
import { parseForm } from '../domain/form';
import { AppError } from './errors';

/** Every form of the apps but the uploads and /send fits in a few hundred bytes. */
export const FORM_LIMIT_BYTES = 64 * 1024;

/** Address books and contact lists arrive as one form field; 5 MB must pass, with headroom. */
export const UPLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

/**
 * The largest /send the settings allow, Android-encoded: a UTF-16 unit of text is at most
 * 3 UTF-8 bytes, 9 once percent-encoded; a receiver id with its quotes and comma stays
 * under 48 bytes encoded (iOS pretty-printing included); each media id 1,024 bytes, 3,072
 * encoded. The rest (delivery option, field names) fits in the base 64 KB.
 */
export function sendLimitBytes(config: Pick<Config, 'MESSAGE_MAX_CHARS' | 'MAX_RECEIVERS'>): number {
  return FORM_LIMIT_BYTES + 9 * config.MESSAGE_MAX_CHARS + 48 * config.MAX_RECEIVERS + 3 * 3 * 1024;
}

/** 415 for any Content-Encoding but identity: such a body is never inflated. */
function encodingRefusal(header: string | undefined): AppError | undefined {
  const encoding = (header ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return undefined;
  return AppError.unsupportedMediaType(
    'compressed request bodies are not accepted: send it without Content-Encoding',
  );
}

/** Reads the body (at most `limitBytes`, else 413) and parses it as a flat form. */
export function formBody(limitBytes: number = FORM_LIMIT_BYTES): RequestHandler {
  const readRaw = express.raw({ type: () => true, limit: limitBytes, inflate: false });
  return (req, res, next) => {
    const refused = encodingRefusal(req.headers['content-encoding']);
    if (refused) {
      next(refused);
      return;
    }
    readRaw(req, res, (err?: unknown) => {
      if (err) {
        next(err);
        return;
      }
      const raw: unknown = req.body;
      req.body = parseForm(Buffer.isBuffer(raw) ? raw : Buffer.alloc(0));
      next();
    });
  };
}

/**
 * Express query parser with the same rules: first value wins, no nesting. Node reads the
 * request line as latin1, so the original bytes are recovered before decoding as UTF-8.
 */
export function parseQuery(query: string | null | undefined): Record<string, string> {
  if (!query) return {};
  // eslint-disable-next-line no-control-regex
  const bytes = /^[\u0000-\u00ff]*$/.test(query) ? Buffer.from(query, 'latin1') : Buffer.from(query);
  return { ...parseForm(bytes) };
}
