import { createLogger } from '../../src/logger';
import { createWorkerMetrics } from '../../workers/metrics';
import { apnsNotification as buildNotification, classifyApnsAnswer } from '../../src/push/apns';
import { classifyFcmAnswer, fcmMessage as buildFcmMessage } from '../../src/push/fcm';
import { parseServiceAccount } from '../../src/push/fcmAuth';
import { platformOf } from '../../src/push';
import { finalRecord, usableToken } from '../../workers/delivery/deliver';
import { DeliveryMetrics } from '../../workers/delivery/metrics';

/** Distinct TTLs, so that a test tells which one a push got. */
const ttl = { messageS: 2_419_200, textS: 86_400 };
const messageId = '65f0c0ffee0123456789abcd';
const fcmMessage = (token: string, content: Parameters<typeof buildFcmMessage>[1], t = ttl) =>
  buildFcmMessage(token, content, t) as {
    message: { token: string; data: Record<string, string>; android: Record<string, unknown> };
  };

describe('FCM payloads (../shared/CONTRACT.md §4)', () => {
  it('when a message is due then the data is {receiver_reg_id: token} only, high priority, the message TTL, collapsed', () => {
    expect(fcmMessage('tok', { kind: 'message', label: 'ignored on Android', messageId })).toEqual({
      message: {
        token: 'tok',
        data: { receiver_reg_id: 'tok' },
        android: { priority: 'high', ttl: '2419200s', collapse_key: 'pictever_messages' },
      },
    });
  });

  it('when two messages are due then they share one collapse key: an offline phone gets only the last', () => {
    const a = fcmMessage('tok', { kind: 'message', label: 'a', messageId });
    const b = fcmMessage('tok', { kind: 'message', label: 'b', messageId: '65f0c0ffee0123456789abce' });
    expect(a.message.android.collapse_key).toBe(b.message.android.collapse_key);
  });

  it('when a teaser or a "joined" push is sent then the text goes in silent_push or little_push, text TTL, not collapsed', () => {
    const teaser = fcmMessage('t', { kind: 'teaser', text: 'Ann a envoyé' });
    expect(teaser).toEqual({
      message: {
        token: 't',
        data: { silent_push: 'Ann a envoyé' },
        android: { priority: 'high', ttl: '86400s' },
      },
    });
    const joined = fcmMessage('t', { kind: 'joined', text: 'Bob joined Pictever!' });
    expect(joined.message.data).toEqual({ little_push: 'Bob joined Pictever!' });
    expect(joined.message.android).toEqual({ priority: 'high', ttl: '86400s' });
  });

  it('when a TTL is 0 then android.ttl is "0s" (now or never)', () => {
    expect(
      fcmMessage('t', { kind: 'message', label: 'l', messageId }, { messageS: 0, textS: 5 }).message.android
        .ttl,
    ).toBe('0s');
  });
});

describe('FCM answers', () => {
  const err = (status: number, extra: object) => JSON.stringify({ error: { code: status, ...extra } });

  it('when FCM accepts then the message name is the provider id', () => {
    expect(classifyFcmAnswer(200, '{"name":"projects/p/messages/1"}')).toEqual({
      outcome: 'sent',
      providerId: 'projects/p/messages/1',
    });
  });

  it('when a 404 does not say UNREGISTERED then the token is not deleted', () => {
    expect(
      classifyFcmAnswer(404, err(404, { status: 'NOT_FOUND', message: 'no such project' })).outcome,
    ).toBe('permanent');
  });

  it('when a 400 names the registration token then the token is dead, else it is our payload', () => {
    expect(
      classifyFcmAnswer(
        400,
        err(400, { message: 'The registration token is not a valid FCM registration token' }),
      ).outcome,
    ).toBe('dead_token');
    expect(classifyFcmAnswer(400, err(400, { message: 'Invalid JSON payload' })).outcome).toBe('permanent');
  });

  it('when FCM says SENDER_ID_MISMATCH then it is a configuration error: not retried, the token kept', () => {
    const body = err(403, { status: 'PERMISSION_DENIED', details: [{ errorCode: 'SENDER_ID_MISMATCH' }] });
    expect(classifyFcmAnswer(403, body)).toMatchObject({
      outcome: 'config_error',
      code: 'SENDER_ID_MISMATCH',
    });
  });

  it('when FCM answers another 403 then it stays temporary (a permission may be granted meanwhile)', () => {
    expect(classifyFcmAnswer(403, err(403, { status: 'PERMISSION_DENIED' })).outcome).toBe('temporary');
  });

  it('when FCM is overloaded or down then the result is temporary with its Retry-After', () => {
    expect(classifyFcmAnswer(429, '', '10')).toMatchObject({ outcome: 'temporary', retryAfterMs: 10_000 });
    expect(classifyFcmAnswer(500, 'not json').outcome).toBe('temporary');
    expect(classifyFcmAnswer(401, '').outcome).toBe('temporary');
  });
});

/** node-apn's typings omit the wire methods its provider calls. */
const apnsNotification = (...args: Parameters<typeof buildNotification>) =>
  buildNotification(...args) as unknown as { compile(): string; headers(): Record<string, unknown> };

describe('APNs payloads and answers', () => {
  const now = Date.parse('2025-03-01T12:00:00.750Z');
  const nowS = Math.floor(now / 1000);

  it('when a message is due then the alert is the receive label with ache.caf and badge 1', () => {
    const note = apnsNotification(
      { kind: 'message', label: 'Envoyé il y a 2 mois', messageId },
      'com.x',
      ttl,
      now,
    );
    expect(JSON.parse(note.compile())).toEqual({
      aps: { alert: 'Envoyé il y a 2 mois', sound: 'ache.caf', badge: 1 },
    });
    expect(note.headers()).toMatchObject({ 'apns-topic': 'com.x', 'apns-push-type': 'alert' });
  });

  it('when a message is due then it is collapsed by its message id and expires after the message TTL', () => {
    const headers = apnsNotification({ kind: 'message', label: 'l', messageId }, 'com.x', ttl, now).headers();
    expect(headers['apns-collapse-id']).toBe(messageId);
    expect(headers['apns-expiration']).toBe(nowS + 2_419_200);
    // The same message later (a retry, a takeover): the same collapse id, a new expiration.
    const again = apnsNotification(
      { kind: 'message', label: 'l', messageId },
      'com.x',
      ttl,
      now + 60_000,
    ).headers();
    expect(again['apns-collapse-id']).toBe(messageId);
    expect(again['apns-expiration']).toBe(nowS + 60 + 2_419_200);
  });

  it('when a teaser or "joined" push is sent then the payload is the alert text only, the text TTL, no collapse id', () => {
    for (const kind of ['teaser', 'joined'] as const) {
      const note = apnsNotification({ kind, text: 'hi' }, 't', ttl, now);
      expect(JSON.parse(note.compile())).toEqual({ aps: { alert: 'hi' } });
      expect(note.headers()['apns-expiration']).toBe(nowS + 86_400);
      expect(note.headers()).not.toHaveProperty('apns-collapse-id');
    }
  });

  it('when a TTL is 0 then apns-expiration is 0, APNs\'s "deliver now or never"', () => {
    const note = apnsNotification({ kind: 'joined', text: 'x' }, 't', { messageS: 60, textS: 0 }, now);
    expect(note.headers()['apns-expiration']).toBe(0);
  });

  it('when APNs answers then 410 and BadDeviceToken are dead tokens, other 4xx permanent, no status temporary', () => {
    const failed = (status: number | undefined, reason?: string) => ({
      sent: [],
      failed: [
        {
          device: 'd',
          status,
          response: reason ? { reason } : undefined,
          error: reason ? undefined : new Error('x'),
        },
      ],
    });
    expect(classifyApnsAnswer({ sent: [{ device: 'd', 'apns-id': 'id-1' } as never], failed: [] })).toEqual({
      outcome: 'sent',
      providerId: 'id-1',
    });
    expect(classifyApnsAnswer(failed(410, 'Unregistered')).outcome).toBe('dead_token');
    expect(classifyApnsAnswer(failed(400, 'BadDeviceToken')).outcome).toBe('dead_token');
    expect(classifyApnsAnswer(failed(400, 'DeviceTokenNotForTopic')).outcome).toBe('permanent');
    expect(classifyApnsAnswer(failed(undefined)).outcome).toBe('temporary');
    expect(classifyApnsAnswer(failed(500, 'InternalServerError')).outcome).toBe('temporary');
  });

  it('when APNs refuses the topic or our provider token twice in a row then it is a configuration error', () => {
    const failed = (status: number, reason: string) => ({
      sent: [],
      failed: [{ device: 'd', status, response: { reason } }],
    });
    expect(classifyApnsAnswer(failed(400, 'BadTopic'))).toMatchObject({
      outcome: 'config_error',
      code: 'BadTopic',
    });
    expect(classifyApnsAnswer(failed(400, 'TopicDisallowed'))).toMatchObject({
      outcome: 'config_error',
      code: 'TopicDisallowed',
    });
    expect(classifyApnsAnswer(failed(403, 'InvalidProviderToken')).outcome).toBe('temporary');
    expect(classifyApnsAnswer(failed(403, 'InvalidProviderToken'), true)).toMatchObject({
      outcome: 'config_error',
      code: 'InvalidProviderToken',
    });
    expect(classifyApnsAnswer(failed(403, 'ExpiredProviderToken'), true).outcome).toBe('temporary');
  });
});

describe('devices and records', () => {
  it('when os is iOS in any case then APNs is used; anything else goes to FCM', () => {
    expect(platformOf('iOS')).toBe('ios');
    expect(platformOf(' ios ')).toBe('ios');
    expect(platformOf('android')).toBe('android');
    expect(platformOf('')).toBe('android');
    expect(platformOf(undefined)).toBe('android');
  });

  it('when reg_id is "", "(null)" or missing then there is no token', () => {
    expect(usableToken('')).toBeUndefined();
    expect(usableToken('(null)')).toBeUndefined();
    expect(usableToken(undefined)).toBeUndefined();
    expect(usableToken(' abc ')).toBe('abc');
  });

  it('when a provider answers finally then the outcome names the provider and the reason, never a retry', () => {
    expect(finalRecord({ outcome: 'sent', providerId: 'p1' }, 1, 'fcm')).toEqual({
      outcome: 'sent',
      provider: 'fcm',
      provider_id: 'p1',
      attempts: 1,
    });
    expect(finalRecord({ outcome: 'temporary', reason: 'fcm 503' }, 3, 'fcm')).toEqual({
      outcome: 'failed',
      provider: 'fcm',
      reason: 'gave up after 3 attempts: fcm 503',
      attempts: 3,
    });
    expect(
      finalRecord({ outcome: 'config_error', reason: 'BadTopic', code: 'BadTopic' }, 1, 'apns'),
    ).toMatchObject({
      outcome: 'failed',
      reason: 'configuration error: BadTopic',
    });
    expect(finalRecord({ outcome: 'dead_token', reason: 'Unregistered' }, 2, 'apns')).toMatchObject({
      outcome: 'dead_token',
      reason: 'Unregistered',
    });
  });

  it('when FCM_CREDENTIALS lacks fields then the error names them, never the key', () => {
    expect(() => parseServiceAccount('{"private_key":"SECRET"}')).toThrow(
      'FCM_CREDENTIALS lacks project_id, client_email',
    );
    expect(() => parseServiceAccount('nope')).toThrow('not valid JSON');
    expect(parseServiceAccount('{"project_id":"p","client_email":"e","private_key":"k"}').token_uri).toBe(
      'https://oauth2.googleapis.com/token',
    );
  });
});

describe('delivery metrics', () => {
  it('when configuration errors are counted then only the first of each provider and code says so', () => {
    const m = new DeliveryMetrics();
    expect(m.configError('fcm', 'SENDER_ID_MISMATCH')).toBe(true);
    expect(m.configError('fcm', 'SENDER_ID_MISMATCH')).toBe(false);
    expect(m.configError('apns', 'BadTopic')).toBe(true);
    expect([...m.configErrors]).toEqual([
      ['fcm:SENDER_ID_MISMATCH', 2],
      ['apns:BadTopic', 1],
    ]);
  });

  it('when the worker metrics are scraped then configuration errors appear by provider and code', async () => {
    const m = createWorkerMetrics(createLogger('silent'), Date.now);
    m.configError('fcm', 'SENDER_ID_MISMATCH');
    m.configError('fcm', 'SENDER_ID_MISMATCH');
    const text = await m.registry.getSingleMetricAsString('pictever_worker_push_config_errors_total');
    expect(text).toContain(
      'pictever_worker_push_config_errors_total{provider="fcm",code="SENDER_ID_MISMATCH"} 2',
    );
  });

  it('when lags are observed then the histogram is cumulative and quantiles are read from samples', () => {
    const m = new DeliveryMetrics();
    for (const v of [10, 20, 30, 400, 2000]) m.observeLag(v);
    m.count('sent');
    const s = m.snapshot();
    expect(s.deliveries.sent).toBe(1);
    expect(s.lag.count).toBe(5);
    expect(s.lag.buckets.find((b) => b.le === 50)!.count).toBe(3);
    expect(s.lag.buckets.at(-1)!.count).toBe(5);
    expect(s.lag.p50).toBe(30);
    expect(s.lag.p99).toBe(2000);
  });
});
