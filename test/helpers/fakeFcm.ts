/**
 * A local FCM HTTP v1 server and Google OAuth2 token endpoint, so that the worker's real
 * FCM client runs in the tests. Two listeners, as Google has two hosts:
 *
 *   https (HTTP/2, HTTP/1.1 accepted and recorded as such), signed by the test CA:
 *   POST /v1/projects/:project/messages:send     needs a Bearer token issued below;
 *        records the request (HTTP version, headers, body, which connection carried it)
 *        and answers 200 {name}, or what a script says for the token.
 *   http on loopback (the token_uri of the credentials):
 *   POST /token                                  JWT-bearer grant: the assertion's RS256
 *        signature is checked with the service account's public key, and its iss, scope
 *        and aud (= the token_uri) are checked; answers an access token.
 *
 * Processes trust the CA through NODE_EXTRA_CA_CERTS (`caFile`); in-process senders take
 * it as `ca`. Pass the fake APNs's TestTls so that one CA file covers both fakes.
 */
import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { makeTestTls, type TestTls } from './workerTls';

export interface FcmAndroidConfig {
  priority?: string;
  ttl?: string;
  collapse_key?: string;
}

export interface FcmRequest {
  token: string;
  data: Record<string, string>;
  body: { message: { token: string; data: Record<string, string>; android?: FcmAndroidConfig } };
  /** '2.0' or '1.1', as the client negotiated it. */
  httpVersion: string;
  /** The request headers (the authorization header included: kept in memory, never printed). */
  headers: IncomingHttpHeaders;
  /** Number of the connection (HTTP/2 session or HTTP/1.1 socket) that carried it. */
  connection: number;
  /** When the request was complete, and when its answer was sent (after any delay). */
  at: number;
  answeredAt?: number;
}

export interface ScriptedAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

export const FCM_ANSWERS = {
  unregistered: {
    status: 404,
    body: {
      error: {
        code: 404,
        message: 'Requested entity was not found.',
        status: 'NOT_FOUND',
        details: [
          { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' },
        ],
      },
    },
  },
  invalidToken: {
    status: 400,
    body: {
      error: {
        code: 400,
        message: 'The registration token is not a valid FCM registration token',
        status: 'INVALID_ARGUMENT',
        details: [
          { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'INVALID_ARGUMENT' },
          {
            '@type': 'type.googleapis.com/google.rpc.BadRequest',
            fieldViolations: [{ field: 'message.token', description: 'The registration token is not valid' }],
          },
        ],
      },
    },
  },
  badPayload: {
    status: 400,
    body: {
      error: {
        code: 400,
        message: "Invalid value at 'message.data[0].value' (TYPE_STRING), 12",
        status: 'INVALID_ARGUMENT',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.BadRequest',
            fieldViolations: [{ field: 'message.data[0].value', description: 'Invalid value' }],
          },
        ],
      },
    },
  },
  senderIdMismatch: {
    status: 403,
    body: {
      error: {
        code: 403,
        message: 'SenderId mismatch',
        status: 'PERMISSION_DENIED',
        details: [
          { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'SENDER_ID_MISMATCH' },
        ],
      },
    },
  },
  unavailable: { status: 503, body: { error: { code: 503, message: 'unavailable', status: 'UNAVAILABLE' } } },
} satisfies Record<string, ScriptedAnswer>;

export interface FakeFcm {
  /** FCM_API_URL for the worker: https on 127.0.0.1. */
  url: string;
  /** The CA of the https listener: NODE_EXTRA_CA_CERTS for worker processes. */
  caFile: string;
  ca: string;
  projectId: string;
  /** FCM_CREDENTIALS for the worker (its token_uri points here). */
  credentials: string;
  requests: FcmRequest[];
  tokenRequests: number;
  /** Answers the next requests for `token` in order (then 200s). */
  script(token: string, answers: ScriptedAnswer[]): void;
  /** Delay of every answer that has none scripted. */
  setDelay(ms: number): void;
  /** Requests seen for a token. */
  forToken(token: string): FcmRequest[];
  close(): Promise<void>;
}

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

async function readBody(req: Req): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: Res, status: number, body: unknown, headers: Record<string, string> = {}) {
  // The client may have given up (send timeout): its stream or socket is gone.
  const gone = 'stream' in res ? res.stream.destroyed : res.destroyed;
  if (gone || res.writableEnded) return;
  // One call per type: @types/node 22 gives the two writeHead overload sets no common signature.
  const head = { 'content-type': 'application/json', ...headers };
  if ('stream' in res) res.writeHead(status, head);
  else res.writeHead(status, head);
  res.end(JSON.stringify(body));
}

/** Checks a JWT-bearer assertion; returns why it is refused, or undefined. */
function checkAssertion(
  jwt: string,
  publicKey: KeyObject,
  email: string,
  tokenUri: string,
): string | undefined {
  const [h, p, s] = jwt.split('.');
  if (!h || !p || !s) return 'malformed';
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  if (header.alg !== 'RS256') return 'alg';
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url')))
    return 'signature';
  if (claims.aud !== tokenUri) return 'aud';
  if (claims.iss !== email) return 'iss';
  if (claims.scope !== 'https://www.googleapis.com/auth/firebase.messaging') return 'scope';
  const now = Date.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp < now || typeof claims.iat !== 'number') return 'exp';
  return undefined;
}

const listen = (server: { listen(port: number, host: string, cb: () => void): unknown }) =>
  new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

export async function startFakeFcm(
  tls: TestTls = makeTestTls(),
  projectId = 'pictever-test',
): Promise<FakeFcm> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const email = `worker@${projectId}.iam.gserviceaccount.com`;
  const issued = new Set<string>();
  const scripts = new Map<string, ScriptedAnswer[]>();
  let delayMs = 0;
  let tokenUri = '';
  let messageNo = 0;

  const fake = {
    requests: [] as FcmRequest[],
    tokenRequests: 0,
  };

  // One number per HTTP/2 session or HTTP/1.1 socket, to tell which requests shared one.
  const connections = new WeakMap<object, number>();
  let connectionCount = 0;
  const connectionOf = (req: Req): number => {
    const key: object = 'stream' in req ? (req.stream.session ?? req.stream) : req.socket;
    if (!connections.has(key)) connections.set(key, (connectionCount += 1));
    return connections.get(key)!;
  };

  const handleToken = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    if (req.method !== 'POST' || req.url !== '/token') return reply(res, 404, { error: 'not_found' });
    fake.tokenRequests += 1;
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      return reply(res, 400, { error: 'unsupported_grant_type' });
    }
    const refused = checkAssertion(form.get('assertion') ?? '', publicKey, email, tokenUri);
    if (refused) return reply(res, 400, { error: 'invalid_grant', error_description: refused });
    const token = `ya29.${randomBytes(12).toString('hex')}`;
    issued.add(token);
    return reply(res, 200, { access_token: token, expires_in: 3600, token_type: 'Bearer' });
  };

  const handleSend = async (req: Req, res: Res) => {
    const body = await readBody(req);
    if (req.method !== 'POST' || req.url !== `/v1/projects/${projectId}/messages:send`) {
      return reply(res, 404, { error: { code: 404, message: 'no such route', status: 'NOT_FOUND' } });
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !issued.has(bearer)) {
      return reply(res, 401, { error: { code: 401, message: 'bad token', status: 'UNAUTHENTICATED' } });
    }
    const parsed = JSON.parse(body) as FcmRequest['body'];
    const token = parsed.message.token;
    const record: FcmRequest = {
      token,
      data: parsed.message.data,
      body: parsed,
      httpVersion: req.httpVersion,
      headers: { ...req.headers },
      connection: connectionOf(req),
      at: Date.now(),
    };
    fake.requests.push(record);
    const answer = scripts.get(token)?.shift();
    const wait = answer?.delayMs ?? delayMs;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    record.answeredAt = Date.now();
    if (answer) return reply(res, answer.status, answer.body ?? {}, answer.headers);
    messageNo += 1;
    return reply(res, 200, { name: `projects/${projectId}/messages/${messageNo}` });
  };

  const failed = (res: Res) => () => reply(res, 500, { error: { code: 500, message: 'fake failed' } });
  const tokenServer = createServer((req, res) => {
    handleToken(req, res).catch(failed(res));
  });
  // HTTP/1.1 is accepted so that a client falling back to it is recorded, not refused.
  const server = createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: true }, (req, res) => {
    handleSend(req, res).catch(failed(res));
  });
  const sockets = new Set<Socket>();
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await Promise.all([listen(tokenServer), listen(server)]);
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tokenUri = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
  const credentials = JSON.stringify({
    type: 'service_account',
    project_id: projectId,
    private_key_id: randomBytes(8).toString('hex'),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    client_email: email,
    token_uri: tokenUri,
  });
  const closed = (s: { close(cb: () => void): unknown }) => new Promise<void>((resolve) => s.close(resolve));
  return Object.assign(fake, {
    url,
    caFile: tls.caFile,
    ca: tls.ca,
    projectId,
    credentials,
    script: (token: string, answers: ScriptedAnswer[]) => scripts.set(token, [...answers]),
    setDelay: (ms: number) => {
      delayMs = ms;
    },
    forToken: (token: string) => fake.requests.filter((r) => r.token === token),
    close: async () => {
      tokenServer.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await Promise.all([closed(tokenServer), closed(server)]);
    },
  });
}
