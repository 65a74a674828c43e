/**
 * The request side of the description comes from the routes' own zod schemas, read as
 * their input (what a client sends, before transforms). Each schema carries the JSON
 * Schema keywords zod cannot derive (a pattern for what a transform accepts) in `.meta()`.
 */
import { z } from 'zod';

export type Schema = Record<string, unknown>;

/** zod's representation of a schema node, enough to see its checks. */
interface Inspectable {
  _zod: { def: { type: string; checks?: { _zod: { def: { check: string } } }[] } };
}

/** A trimmed (or otherwise rewritten) string: its length checks apply after the rewrite. */
function isRewrittenString(schema: unknown): boolean {
  const def = (schema as Inspectable)._zod.def;
  return def.type === 'string' && (def.checks ?? []).some((c) => c._zod.def.check === 'overwrite');
}

function hasPattern(json: Schema): boolean {
  if (typeof json.pattern === 'string') return true;
  const branches = json.anyOf;
  return Array.isArray(branches) && branches.length > 0 && branches.every((b) => hasPattern(b as Schema));
}

/**
 * JSON Schema 2020-12 (OpenAPI 3.1's own dialect, so the per-schema `$schema` is dropped) of
 * what a schema accepts. A rewritten string loses its min/maxLength, which would count the
 * text as sent; its `.meta()` must give a pattern that says the whole rule instead.
 */
export function fromZod(schema: z.ZodType): Schema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    override: (ctx) => {
      if (!isRewrittenString(ctx.zodSchema)) return;
      delete ctx.jsonSchema.minLength;
      delete ctx.jsonSchema.maxLength;
    },
  });
  assertPatterns(schema, json);
  return json;
}

/** Every property of a form or query made of rewritten strings says its rule in a pattern. */
function assertPatterns(schema: z.ZodType, json: Schema): void {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  const props = (json.properties ?? {}) as Record<string, Schema>;
  for (const [name, field] of Object.entries(props)) {
    if (usesRewrittenString(shape?.[name]) && !hasPattern(field)) {
      throw new Error(`openapi: field ${name} is trimmed but its schema gives no pattern (.meta)`);
    }
  }
}

/** Looks through optional, default and pipe (transform) wrappers for a rewritten string. */
function usesRewrittenString(schema: unknown, depth = 0): boolean {
  if (!schema || depth > 8) return false;
  if (isRewrittenString(schema)) return true;
  const def = (schema as { _zod: { def: { innerType?: unknown; in?: unknown } } })._zod.def;
  return usesRewrittenString(def.innerType ?? def.in, depth + 1);
}

/** The query parameters of a GET route, from its query schema. */
export function queryParameters(schema: z.ZodObject, descriptions: Record<string, string> = {}): Schema[] {
  const json = fromZod(schema);
  const required = new Set((json.required as string[] | undefined) ?? []);
  const props = (json.properties ?? {}) as Record<string, Schema>;
  checkDescribed(descriptions, props);
  return Object.entries(props).map(([name, fieldSchema]) => ({
    name,
    in: 'query',
    required: required.has(name),
    ...(descriptions[name] ? { description: descriptions[name] } : {}),
    schema: fieldSchema,
  }));
}

/** The form's JSON Schema with a description added to some of its fields. */
export function describedForm(schema: z.ZodType, descriptions: Record<string, string> = {}): Schema {
  const json = fromZod(schema);
  const props = (json.properties ?? {}) as Record<string, Schema>;
  checkDescribed(descriptions, props);
  for (const [name, description] of Object.entries(descriptions))
    props[name] = { description, ...props[name] };
  return json;
}

/** A description for a field the schema does not have is a description gone stale. */
function checkDescribed(descriptions: Record<string, string>, props: Record<string, Schema>): void {
  for (const name of Object.keys(descriptions)) {
    if (!(name in props)) throw new Error(`openapi: described field ${name} is not in the route's schema`);
  }
}
