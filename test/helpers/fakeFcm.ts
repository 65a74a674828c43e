/**
 * A local HTTP server speaking FCM HTTP v1 and Google's OAuth2 token endpoint, so that
 * the worker's real FCM client runs in the tests.
 *
 *   POST /token                                  JWT-bearer grant: the assertion's RS256
 *        signature is checked with the service account's public key, and its iss, scope
 *        and aud (= the token_uri) are checked; answers an access token.
 *   POST /v1/projects/:project/messages:send     needs a Bearer token issued above;
 *        records the request and answers 200 {name}, or what a script says for the token.
 */
import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FcmRequest {
  token: string;
  data: Record<string, string>;
  body: { message: { token: string; data: Record<string, string>; android?: unknown } };
  at: number;
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
  /** FCM_API_URL for the worker. */
  url: string;
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

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
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

export async function startFakeFcm(projectId = 'pictever-test'): Promise<FakeFcm> {
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

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    if (req.method === 'POST' && req.url === '/token') {
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
    }
    if (req.method !== 'POST' || req.url !== `/v1/projects/${projectId}/messages:send`) {
      return reply(res, 404, { error: { code: 404, message: 'no such route', status: 'NOT_FOUND' } });
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !issued.has(bearer)) {
      return reply(res, 401, { error: { code: 401, message: 'bad token', status: 'UNAUTHENTICATED' } });
    }
    const parsed = JSON.parse(body) as FcmRequest['body'];
    const token = parsed.message.token;
    fake.requests.push({ token, data: parsed.message.data, body: parsed, at: Date.now() });
    const answer = scripts.get(token)?.shift();
    const wait = answer?.delayMs ?? delayMs;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (answer) return reply(res, answer.status, answer.body ?? {}, answer.headers);
    messageNo += 1;
    return reply(res, 200, { name: `projects/${projectId}/messages/${messageNo}` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => reply(res, 500, { error: { code: 500, message: 'fake failed' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tokenUri = `${url}/token`;
  const credentials = JSON.stringify({
    type: 'service_account',
    project_id: projectId,
    private_key_id: randomBytes(8).toString('hex'),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    client_email: email,
    token_uri: tokenUri,
  });
  return Object.assign(fake, {
    url,
    projectId,
    credentials,
    script: (token: string, answers: ScriptedAnswer[]) => scripts.set(token, [...answers]),
    setDelay: (ms: number) => {
      delayMs = ms;
    },
    forToken: (token: string) => fake.requests.filter((r) => r.token === token),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
