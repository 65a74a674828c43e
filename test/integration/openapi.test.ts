/**
 * The description at /openapi.json against the app: the same routes, the running limits,
 * and the 405 answer (with `Allow`) of a known path asked with another method.
 */
import type { Express } from 'express';
import request from 'supertest';
import { routeTable } from '../../src/http/methods';
import { openapiDocument } from '../../src/openapi';
import { buildTestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';

useTestDatabase();

/** "METHOD /path" of every operation the description has. */
function describedRoutes(paths: Record<string, object>): string[] {
  return Object.entries(paths)
    .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
    .sort();
}

/** "METHOD /path" of every route the app serves, HEAD left out (Express serves it with GET). */
function servedRoutes(app: Express): string[] {
  const router = (app as unknown as { router: Parameters<typeof routeTable>[0] }).router;
  return routeTable(router)
    .flatMap((r) => r.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${r.path}`))
    .sort();
}

describe('the OpenAPI description', () => {
  it('when served then it is public OpenAPI 3.1 JSON built with the running limits', async () => {
    const { app } = buildTestApp({ MESSAGE_MAX_CHARS: '123', MAX_RECEIVERS: '7' });
    const res = await request(app).get('/openapi.json').expect(200);
    expect(res.body.openapi).toBe('3.1.0');
    const send = res.body.paths['/send'].post.requestBody.content['application/x-www-form-urlencoded'].schema;
    expect(send.properties.message.maxLength).toBe(123);
    expect(send.properties.receiver_ids.allOf[0].pattern).toContain('{1,7}');
    expect(send.required).toEqual(['message', 'receiver_ids']);
  });

  it('describes exactly the routes the app serves, and the reverse', () => {
    const { app, config } = buildTestApp();
    const served = servedRoutes(app);
    expect(served).toContain('POST /send');
    expect(served).toEqual(describedRoutes(openapiDocument(config).paths));
  });

  it("when a 429 is over a named limit then its headers match the description's", async () => {
    const { app, config } = buildTestApp({ SIGNUP_LIMIT_PER_ADDRESS: '1' });
    const signup = (email: string) =>
      request(app)
        .post('/signup')
        .type('form')
        .send({ email, password: 'a'.repeat(64) });
    await signup('first@example.com').expect(200);
    const res = await signup('second@example.com').expect(429);
    const headers = openapiDocument(config).paths['/signup'].post.responses[429].headers;
    for (const name of ['RateLimit-Policy', 'RateLimit'] as const) {
      const value = String(res.headers[name.toLowerCase()]);
      expect([name, new RegExp(headers[name].schema.pattern, 'u').test(value)]).toEqual([name, true]);
    }
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(headers['Retry-After'].schema.minimum);
  });

  it('describes every trimmed form field with a pattern instead of lengths counted before trimming', () => {
    const { config } = buildTestApp();
    const login = openapiDocument(config).paths['/login'].post.requestBody.content[
      'application/x-www-form-urlencoded'
    ].schema as { properties: Record<string, Record<string, unknown>> };
    expect(login.properties.os).not.toHaveProperty('maxLength');
    expect(new RegExp(String(login.properties.os!.pattern), 'u').test(`  ${'a'.repeat(50)}  `)).toBe(true);
    expect(new RegExp(String(login.properties.os!.pattern), 'u').test('a'.repeat(51))).toBe(false);
  });
});

describe('a known path asked with another method', () => {
  it('when a GET path is posted to then 405 with Allow: GET, HEAD, without a session', async () => {
    const { app } = buildTestApp();
    const res = await request(app).post('/receive_all').send('ts=0').expect(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.text).toMatch(/not allowed/);
  });

  it.each(['get', 'put', 'delete', 'patch', 'trace'] as const)(
    'when /send is asked with %s then 405 with Allow: POST',
    async (method) => {
      const { app } = buildTestApp();
      const res = await request(app)[method]('/send').expect(405);
      expect(res.headers.allow).toBe('POST');
    },
  );

  it('when the path differs in case or ends with a slash then it is still that path (as Express routes it)', async () => {
    const { app } = buildTestApp();
    expect((await request(app).get('/SEND').expect(405)).headers.allow).toBe('POST');
    expect((await request(app).put('/hello/').expect(405)).headers.allow).toBe('GET, HEAD');
  });

  it('when HEAD is sent then a GET path answers as GET without a body, and a POST path 405', async () => {
    const { app } = buildTestApp();
    const hello = await request(app).head('/hello').expect(200);
    expect(hello.text).toBeUndefined();
    expect((await request(app).head('/send').expect(405)).headers.allow).toBe('POST');
  });

  it('when OPTIONS is sent then a known path answers 200 with Allow, an unknown one 404', async () => {
    const { app } = buildTestApp();
    const res = await request(app).options('/send').expect(200);
    expect(res.headers.allow).toBe('POST');
    expect((await request(app).options('/get_my_status').expect(200)).headers.allow).toBe('GET, HEAD');
    await request(app).options('/no_such_path').expect(404);
  });

  it('when the wrong method carries a body over every limit then 405: the body is not read', async () => {
    const { app } = buildTestApp();
    const res = await request(app)
      .put('/upload_address_book')
      .type('form')
      .send(`address_book=${'x'.repeat(7 * 1024 * 1024)}`);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });

  it('when the path is unknown then 404 whatever the method, without Allow', async () => {
    const { app } = buildTestApp();
    const res = await request(app).put('/no_such_path').expect(404);
    expect(res.headers.allow).toBeUndefined();
    await request(app).get('/no_such_path').expect(404);
  });

  it('when the method is right then the route answers as before (401 without a session)', async () => {
    const { app } = buildTestApp();
    await request(app).post('/send').expect(401);
    await request(app).get('/get_my_status').expect(401);
  });
});
