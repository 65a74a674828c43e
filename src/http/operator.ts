/**
 * Operator access: metrics, readiness and queue counts are never public. They answer 404
 * when no OPERATOR_TOKEN is configured (as if absent) and 401 without the right bearer
 * token, compared in constant time.
 */
import type { RequestHandler } from 'express';
import type { Connection } from 'mongoose';
import { pingDatabase } from '../db/mongo';
import { constantTimeEqual } from '../domain/password';
import { AppError } from './errors';

export function requireOperator(token: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (!token) return next(AppError.notFound('no such route'));
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    next(
      given !== '' && constantTimeEqual(given, token)
        ? undefined
        : AppError.unauthorized('operator token required'),
    );
  };
}

/** /readyz of the web and the worker: 200 "ready" when the database answers a ping. */
export function readinessHandler(connection: Connection): RequestHandler {
  return async (_req, res) => {
    const ok = await pingDatabase(connection);
    res
      .status(ok ? 200 : 503)
      .type('text/plain')
      .send(ok ? 'ready' : 'database unavailable');
  };
}
