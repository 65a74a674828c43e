/**
 * What every route reads from a request before a service runs: the form (or query) checked
 * with zod, the logged-in user's id, and the client address the rate limits count.
 */
import type { Request } from 'express';
import { Types } from 'mongoose';
import type { z } from 'zod';
import { addressGroup } from '../domain/clientAddress';
import { isObjectIdHex } from '../domain/objectId';
import { AppError } from './errors';

/** Parses the form (or query) with a zod schema; 400 with a short reason when it does not fit. */
export function parseFields<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || 'form';
  const given = (input ?? {}) as Record<string, unknown>;
  const missing = issue?.path.length === 1 && given[String(issue.path[0])] === undefined;
  throw AppError.badRequest(
    missing ? `missing field ${field}` : `invalid field ${field}: ${issue?.message ?? ''}`,
  );
}

/**
 * Parses with a schema whose issue messages are whole reasons (the messages routes': their
 * texts, older than parseFields' "invalid field …", are what clients and tests know): 400
 * with the first issue's message as it is.
 */
export function parseWithReasons<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  throw AppError.badRequest(parsed.error.issues[0]?.message ?? 'invalid form');
}

/** The logged-in user's id (behind requireLogin); a session holding anything else is no session. */
export function sessionUserId(req: Request): Types.ObjectId {
  const id = req.user?.id;
  if (!isObjectIdHex(id)) throw AppError.unauthorized();
  return new Types.ObjectId(id);
}

/**
 * The client address as the rate limits count it: as Express sees it (TRUST_PROXY_HOPS
 * decides whether proxies count), an IPv6 client as its /64 (domain/clientAddress).
 */
export function clientAddress(req: Request): string {
  return addressGroup(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}
