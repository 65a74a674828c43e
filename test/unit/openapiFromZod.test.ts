/**
 * The request side of the description is read from the routes' zod schemas; what zod
 * cannot say about a trimmed field must come as a pattern, and descriptions cannot outlive
 * their fields.
 */
import { z } from 'zod';
import { describedForm, fromZod, queryParameters } from '../../src/openapi/fromZod';

describe('fromZod', () => {
  it('when a field is trimmed then its lengths are dropped for the pattern its meta gives', () => {
    const form = z.object({
      a: z.string().trim().min(1).max(5).meta({ pattern: '^x$' }),
      b: z.string().max(3),
    });
    expect(fromZod(form)).toEqual({
      type: 'object',
      properties: { a: { type: 'string', pattern: '^x$' }, b: { type: 'string', maxLength: 3 } },
      required: ['a', 'b'],
    });
  });

  it('when a trimmed field gives no pattern then the description cannot be built', () => {
    const form = z.object({
      a: z
        .string()
        .trim()
        .max(5)
        .transform((s) => s.length),
    });
    expect(() => fromZod(form)).toThrow(/field a is trimmed/);
  });

  it('when a field is optional or has a default then it is not required; a transform describes its input', () => {
    const form = z.object({
      a: z.string().optional(),
      b: z.string().default(''),
      c: z.string().transform(Number),
    });
    expect(fromZod(form).required).toEqual(['c']);
    expect((fromZod(form).properties as Record<string, object>).c).toEqual({ type: 'string' });
  });

  it('when a description names a field the schema lacks then it throws', () => {
    const form = z.object({ a: z.string() });
    expect(() => describedForm(form, { b: 'gone' })).toThrow(/b is not in/);
    expect(() => queryParameters(form, { b: 'gone' })).toThrow(/b is not in/);
    expect(queryParameters(form, { a: 'the a' })).toEqual([
      { name: 'a', in: 'query', required: true, description: 'the a', schema: { type: 'string' } },
    ]);
  });
});
