import request from 'supertest';
import { PushJob } from '../../src/models/pushJob';
import { Types } from 'mongoose';
import { buildTestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';

useTestDatabase();
const TOKEN = 'operator-token-for-tests';

describe('operator routes', () => {
  it('when no OPERATOR_TOKEN is configured then metrics and readiness answer 404', async () => {
    const { app } = buildTestApp();
    await request(app).get('/metrics').expect(404);
    await request(app).get('/readyz').set('authorization', 'Bearer anything').expect(404);
  });

  it('when the token is missing or wrong then 401, and the token is never echoed', async () => {
    const { app, logLines } = buildTestApp({ OPERATOR_TOKEN: TOKEN });
    await request(app).get('/metrics').expect(401);
    const res = await request(app).get('/readyz').set('authorization', `Bearer ${TOKEN}x`).expect(401);
    expect(res.text).toBe('operator token required');
    await request(app).get('/waiting').set('authorization', TOKEN).expect(401);
    expect(logLines.join('')).not.toContain(TOKEN);
  });

  it('when the token is right then /readyz answers ready with the database up', async () => {
    const { app } = buildTestApp({ OPERATOR_TOKEN: TOKEN });
    const res = await request(app).get('/readyz').set('authorization', `Bearer ${TOKEN}`).expect(200);
    expect(res.text).toBe('ready');
  });

  it('when requests were served then /metrics counts them by route pattern and status', async () => {
    const { app } = buildTestApp({ OPERATOR_TOKEN: TOKEN });
    await request(app).get('/hello').expect(200);
    await request(app).get('/no/such/thing').expect(404);
    const res = await request(app).get('/metrics').set('authorization', `Bearer ${TOKEN}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/pictever_http_requests_total\{route="\/hello",method="GET",status="200"\} 1/);
    expect(res.text).toMatch(/pictever_http_requests_total\{route="unmatched",method="GET",status="404"\} 1/);
    expect(res.text).toContain('pictever_http_request_duration_seconds_bucket');
  });

  it('when pushes are due then /waiting counts only those due now', async () => {
    const now = new Date();
    const { app } = buildTestApp({ OPERATOR_TOKEN: TOKEN }, { now: () => now });
    const base = { kind: 'teaser', user_id: new Types.ObjectId(), text: 't' };
    await PushJob.insertMany([
      { ...base, due_at: new Date(now.getTime() - 1000) },
      { ...base, due_at: new Date(now.getTime() - 5) },
      { ...base, due_at: new Date(now.getTime() + 60_000) },
    ]);
    const res = await request(app).get('/waiting').set('authorization', `Bearer ${TOKEN}`).expect(200);
    expect(res.text).toBe('2');
  });
});
