/**
 * Every POST body is read as bytes and parsed as a Werkzeug-style flat form, whatever
 * its Content-Type (CONTRACT.md §1). Query strings use the same rules.
 */
import express, { type RequestHandler } from 'express';
import { parseForm } from '../domain/form';

/** Address books arrive as one form field; 5 MB must pass, so allow some headroom. */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;

const readRaw = express.raw({ type: () => true, limit: MAX_BODY_BYTES });

export const formBody: RequestHandler = (req, res, next) => {
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
