/**
 * A local HTTP/2 TLS server speaking APNs, so that the worker's real APNs client runs in
 * the tests: POST /3/device/:token with an ES256 provider token (checked with the public
 * key of a throwaway P-256 key, its kid and iss) and an apns-topic. Answers 200 with an
 * apns-id, or what a script says for the token (410 Unregistered, 400 BadDeviceToken,
 * 503…). Counts HTTP/2 sessions, to show that one connection is reused.
 */
import { generateKeyPairSync, randomBytes, randomUUID, verify } from 'node:crypto';
import {
  createSecureServer,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TestTls } from './workerTls';

export interface ApnsRequest {
  token: string;
  headers: IncomingHttpHeaders;
  payload: { aps: Record<string, unknown> };
  at: number;
}

export interface ApnsAnswer {
  status: number;
  reason?: string;
  delayMs?: number;
}

export interface FakeApns {
  host: string;
  port: number;
  /** Worker settings APNS_KEY, APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC, APNS_HOST, APNS_PORT. */
  env: Record<string, string>;
  requests: ApnsRequest[];
  sessions: number;
  script(token: string, answers: ApnsAnswer[]): void;
  /** Delay of every answer that has none scripted (as FakeFcm's), e.g. a provider's latency. */
  setDelay(ms: number): void;
  forToken(token: string): ApnsRequest[];
  close(): Promise<void>;
}

export const APNS_TOPIC = 'com.pictever.test';

function checkJwt(
  authorization: string | undefined,
  publicKey: ReturnType<typeof generateKeyPairSync>['publicKey'],
  keyId: string,
  teamId: string,
) {
  const jwt = /^bearer (.+)$/i.exec(authorization ?? '')?.[1];
  const [h, p, s] = jwt?.split('.') ?? [];
  if (!h || !p || !s) return 'MissingProviderToken';
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string; kid?: string };
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { iss?: string; iat?: number };
  const ok = verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(s, 'base64url'),
  );
  if (!ok || header.alg !== 'ES256' || header.kid !== keyId || claims.iss !== teamId)
    return 'InvalidProviderToken';
  if (typeof claims.iat !== 'number' || claims.iat < Date.now() / 1000 - 3600) return 'ExpiredProviderToken';
  return undefined;
}

export async function startFakeApns(tls: TestTls): Promise<FakeApns> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyId = randomBytes(5).toString('hex').toUpperCase();
  const teamId = randomBytes(5).toString('hex').toUpperCase();
  const scripts = new Map<string, ApnsAnswer[]>();
  const fake = { requests: [] as ApnsRequest[], sessions: 0 };
  let delayMs = 0;

  const answer = (stream: ServerHttp2Stream, status: number, reason?: string) => {
    const headers = { ':status': status, 'apns-id': randomUUID() };
    if (stream.destroyed) return;
    if (!reason) {
      stream.respond(headers, { endStream: true });
      return;
    }
    stream.respond({ ...headers, 'content-type': 'application/json' });
    stream.end(JSON.stringify(status === 410 ? { reason, timestamp: Date.now() } : { reason }));
  };

  const server = createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: false });
  const open = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    fake.sessions += 1;
    open.add(session);
    session.on('close', () => open.delete(session));
  });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const match = /^\/3\/device\/([0-9a-fA-F]+)$/.exec(String(headers[':path']));
      if (headers[':method'] !== 'POST' || !match) return answer(stream, 404, 'BadPath');
      const refused = checkJwt(headers.authorization, publicKey, keyId, teamId);
      if (refused) return answer(stream, 403, refused);
      if (headers['apns-topic'] !== APNS_TOPIC) return answer(stream, 400, 'BadTopic');
      const token = match[1]!;
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ApnsRequest['payload'];
      fake.requests.push({ token, headers, payload, at: Date.now() });
      const scripted = scripts.get(token)?.shift();
      const send = () => answer(stream, scripted?.status ?? 200, scripted?.reason);
      const wait = scripted?.delayMs ?? delayMs;
      if (wait > 0) setTimeout(send, wait);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(fake, {
    host: '127.0.0.1',
    port,
    env: {
      APNS_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      APNS_KEY_ID: keyId,
      APNS_TEAM_ID: teamId,
      APNS_TOPIC,
      APNS_HOST: '127.0.0.1',
      APNS_PORT: String(port),
    },
    script: (token: string, answers: ApnsAnswer[]) => scripts.set(token, [...answers]),
    setDelay: (ms: number) => {
      delayMs = ms;
    },
    forToken: (token: string) => fake.requests.filter((r) => r.token === token),
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of open) session.destroy();
        server.close(() => resolve());
      }),
  });
}
