/**
 * The operator commands' argument values, checked with zod as the console's forms are
 * (src/routes/console.ts): a wrong one is a usage error naming the argument.
 */
import { z } from 'zod';
import { MAX_EMAIL_LENGTH } from '../../../src/domain/email';
import { isObjectIdHex } from '../../../src/domain/objectId';
import { MAX_REASON_LENGTH } from '../../../src/services/ops/failures';
import { UsageError } from './command';

/** A failure's reason as recorded (trimmed, as the console's filter trims it). */
export const reasonArg = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_REASON_LENGTH, `must be at most ${MAX_REASON_LENGTH} characters`);

/** A push id or a message id: 24 hex digits (push ids are listed in lower case). */
export const idArg = z
  .string()
  .refine(isObjectIdHex, 'must be 24 hex digits')
  .transform((v) => v.toLowerCase());

/** How many failures to list: one read and one page of output. */
export const MAX_FAILURES_LISTED = 1_000;
export const limitArg = z
  .string()
  .regex(/^\d{1,9}$/, 'must be a whole number')
  .transform(Number)
  .refine((n) => n >= 1 && n <= MAX_FAILURES_LISTED, `must be from 1 to ${MAX_FAILURES_LISTED}`);

/** An account by its id or its email (any text with an `@`: legacy addresses included). */
export const accountArg = z
  .string()
  .trim()
  .refine(
    (v) => (v.includes('@') && v.length <= MAX_EMAIL_LENGTH) || isObjectIdHex(v),
    'must be an email or a user id (24 hex digits)',
  );

/** `value` through `schema`, or a UsageError `<name> <reason>`. */
export function checked<S extends z.ZodType>(schema: S, value: unknown, name: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${name} ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  return parsed.data;
}
