/**
 * The fuzz run of the hardening pass (npm run fuzz, test/integration/fuzz.test.ts):
 * malformed requests generated with fast-check for every route of src/openapi/, logged
 * in and not, sent over real HTTP to a listening app; then checks on the answers (no 5xx,
 * every 4xx with a reason) and on the database (nothing half-stored).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { answerClientError } from '../../src/http/errors';
import { loadConfig } from '../../src/config';
import { openapiDocument } from '../../src/openapi';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS' | 'HEAD' | 'PROPFIND';

export interface Endpoint {
  method: 'GET' | 'POST';
  path: string;
  /** Form fields (POST) or query parameters (GET). */
  fields: string[];
  required: string[];
}

/** Every route of the OpenAPI description, with its form fields or query parameters. */
export function endpointsFromOpenapi(): Endpoint[] {
  const out: Endpoint[] = [];
  // Only the fields matter here, not the configured limits.
  const { paths } = openapiDocument(loadConfig({ NODE_ENV: 'test' }));
  for (const [path, item] of Object.entries(paths as Record<string, Record<string, unknown>>)) {
    for (const [method, op] of Object.entries(item)) {
      const o = op as {
        requestBody?: { content?: Record<string, { schema?: { required?: string[]; properties?: object } }> };
        parameters?: { name: string; required?: boolean }[];
      };
      const schema = o.requestBody?.content?.['application/x-www-form-urlencoded']?.schema;
      const params = o.parameters ?? [];
      out.push({
        method: method.toUpperCase() as 'GET' | 'POST',
        path,
        fields: schema ? Object.keys(schema.properties ?? {}) : params.map((p) => p.name),
        required: schema ? (schema.required ?? []) : params.filter((p) => p.required).map((p) => p.name),
      });
    }
  }
  return out;
}

/** Users, messages and ids the generated requests refer to. */
export interface FuzzWorld {
  users: { id: string; phone: string; cookie: string; email: string; password: string }[];
  /** Messages received by users[0] (its own) and by the others (not its own). */
  ownMessageIds: string[];
  otherMessageIds: string[];
  sendChoiceKeys: string[];
}

export type BodySpec =
  | { kind: 'form'; pairs: [string, string][]; encoding: 'android' | 'ios' }
  | { kind: 'bytes'; bytes: number[] }
  | { kind: 'huge'; size: number; shape: 'junk' | 'address_book' | 'nested' }
  | { kind: 'none' };

export interface FuzzCase {
  method: Method;
  path: string;
  query: string;
  contentType?: string;
  body: BodySpec;
  /** Index into world.users of the session used, or -1 for none. */
  as: number;
  /** For /send: the unique message text, when the message field was kept. */
  marker?: string;
  /** For /send: the receivers as generated, when receiver_ids was kept well-formed. */
  receivers?: string[];
  /** For /send: receiver_ids included one unknown id (must be a 400). */
  unknownReceiver?: boolean;
  /** What the mutation did, for the report. */
  label: string;
}

const hex24 = fc.stringMatching(/^[0-9a-f]{24}$/);
const HUGE = 5.5 * 1024 * 1024;

/** `$`-operator objects that must never act as query operators. */
export const OPERATOR_VALUES: unknown[] = [
  { $ne: null },
  [{ $ne: null }],
  { $gt: '' },
  [{ $gt: '' }],
  { $where: 'sleep(1000)' },
  [{ $regex: '.*' }],
  { $in: [] },
  ['id' + '0'.repeat(24), { $ne: null }],
  [{ tel: { $ne: null }, name: { $gt: '' } }],
  { type: { $ne: null }, parameters: { $gt: 0 } },
  { $or: [{}] },
];

const weirdStrings = fc.constantFrom(
  '',
  ' ',
  '(null)',
  'null',
  'undefined',
  '%',
  '%zz',
  '%E9',
  '%C3%28',
  '%ED%A0%80',
  '%00',
  '\u0000',
  '\ud800',
  '💣',
  'é',
  '[',
  '{',
  '"',
  '[]',
  '{}',
  '[{}]',
  '[[]]',
  'NaN',
  'Infinity',
  '-1',
  '1e999',
  '0x10',
  'true',
  '__proto__',
  'constructor',
  '{"__proto__":{"polluted":1}}',
  'a'.repeat(70_000),
);

/** Wrong values for a JSON-carrying field: wrong JSON types, operators, deep nesting, big lists. */
const jsonJunk = fc.oneof(
  fc.constantFrom(...OPERATOR_VALUES).map((v) => JSON.stringify(v)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.integer({ min: 1, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 1, max: 5_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
  fc.integer({ min: 1, max: 30_000 }).map((n) => JSON.stringify(Array.from({ length: n }, (_, i) => i))),
  fc.constantFrom('[1,2', '{"type":', '[{"tel":"0033', '["id', '"', "['x']", '[1,]'),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v, null, 2).replace(/\//g, '\\/')),
);

function phone(n: number): string {
  return `00336${String(10_000_000 + n).slice(-8)}`;
}

/** A well-formed value for each field name, for the given world. */
function validValue(field: string, w: FuzzWorld, me: number): fc.Arbitrary<string> {
  const other = w.users[(Math.max(me, 0) + 1) % w.users.length]!;
  switch (field) {
    case 'email':
      return fc.constantFrom(...w.users.map((u) => u.email), 'nobody@example.com', 'a b@example.com', 'x@y');
    case 'password':
    case 'new_password':
      return fc.oneof(fc.constantFrom(w.users[0]!.password), fc.stringMatching(/^[0-9a-f]{64}$/));
    case 'os':
      return fc.constantFrom('android', 'ios', '');
    case 'reg_id':
      return fc.constantFrom('', '(null)', 'fuzz-reg-token');
    case 'app_version':
      return fc.constantFrom('1.1', '2.2', '');
    case 'country_code':
      return fc.constantFrom('FR', 'us', '(null)', '');
    case 'phone_number':
      return fc.oneof(fc.integer({ min: 0, max: 99_999_999 }).map(phone), fc.constant(other.phone));
    case 'message_id':
      return fc.oneof(fc.constantFrom(...w.ownMessageIds, ...w.otherMessageIds), hex24);
    case 'contacts_to_block':
      return fc.constantFrom(JSON.stringify([`id${other.id}`]), JSON.stringify([other.id]), '[]');
    case 'contacts':
      return fc.constantFrom(JSON.stringify(w.users.map((u) => u.phone)), JSON.stringify([phone(1)]));
    case 'address_book':
      return fc.constantFrom(
        JSON.stringify(w.users.map((u, i) => ({ tel: u.phone, name: `Friend ${i}` }))),
        '[{"tel":"0033611111111","name":"Trunc',
      );
    case 'delivery_option':
      return fc.oneof(
        fc
          .constantFrom(...w.sendChoiceKeys)
          .map((k) => JSON.stringify({ type: k, parameters: '', timezone: 'UTC' })),
        fc.constant(JSON.stringify({ type: 'calendar', parameters: 'now' })),
        fc
          .integer({ min: 0, max: 4_000_000_000 })
          .map((t) => JSON.stringify({ type: 'calendar', parameters: String(t) })),
        fc.constant(JSON.stringify({ type: 'resend' })),
      );
    case 'verification_code':
      return fc.stringMatching(/^[A-Z0-9]{4}$/);
    case 'ts':
      return fc.constantFrom('1412932000', '1418000000.123456', '1.418000000123E9', '0');
    case 'photo_id':
    case 'video_id':
    case 'sound_id':
      return fc.constantFrom('', 'photos/a.jpg');
    default:
      return fc.string({ maxLength: 20 });
  }
}

/** Receivers of a send: known users, their phones, bottles, and sometimes unknown ids. */
function receiverList(w: FuzzWorld) {
  return fc
    .array(
      fc.oneof(
        fc.constantFrom(...w.users.map((u) => `id${u.id}`), ...w.users.map((u) => `num${u.phone}`)),
        fc.integer({ min: 0, max: 99_999_999 }).map((n) => `num${phone(n)}`),
        hex24.map((h) => ({ unknown: `id${h}` })),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((items) => ({
      list: items.map((i) => (typeof i === 'string' ? i : i.unknown)),
      unknown: items.some((i) => typeof i !== 'string'),
    }));
}

const CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=UTF-8',
  'application/x-www-form-urlencoded; charset=latin1',
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'a/b/c;;;=',
  '',
  undefined,
];

const mutationArb = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), field: fc.nat(20) }),
  fc.record({
    op: fc.constant('junk' as const),
    field: fc.nat(20),
    value: fc.oneof(weirdStrings, jsonJunk, fc.string({ unit: 'binary', maxLength: 40 })),
  }),
  fc.record({
    op: fc.constant('extra' as const),
    key: fc.oneof(
      fc.constantFrom('a[b]', '$where', '__proto__', 'constructor', '', '%zz'),
      fc.string({ maxLength: 8 }),
    ),
    value: fc.oneof(weirdStrings, jsonJunk),
  }),
  fc.record({ op: fc.constant('dup' as const), field: fc.nat(20), value: weirdStrings }),
);

/** One generated request; `n` makes the /send marker unique. */
export function fuzzCaseArb(
  w: FuzzWorld,
  endpoints: Endpoint[],
): fc.Arbitrary<Omit<FuzzCase, 'marker'> & { marker?: boolean }> {
  const endpoint = fc.constantFrom(...endpoints);
  return fc
    .tuple(
      endpoint,
      fc.integer({ min: -1, max: w.users.length - 1 }),
      fc.array(mutationArb, { minLength: 0, maxLength: 3 }),
      fc.constantFrom<'android' | 'ios'>('android', 'ios'),
      fc.constantFrom(...CONTENT_TYPES),
      fc.nat(99),
      receiverList(w),
      fc.uint8Array({ minLength: 0, maxLength: 200 }),
    )
    .chain(([ep, as, mutations, encoding, contentType, dice, receivers, bytes]) => {
      const valueArbs = ep.fields.map((f) => validValue(f, w, as));
      return fc.tuple(fc.tuple(...valueArbs), fc.constant(ep)).map(([values, e]) => {
        let pairs: [string, string][] = e.fields.map((f, i) => [f, values[i]!]);
        // Leave out optional fields half of the time.
        pairs = pairs.filter(([f], i) => e.required.includes(f) || (dice + i) % 2 === 0);
        let receiversKept: string[] | undefined;
        let unknownReceiver = false;
        if (e.path === '/send') {
          pairs = pairs.filter(([f]) => f !== 'receiver_ids' && f !== 'message');
          pairs.unshift(['receiver_ids', JSON.stringify(receivers.list)], ['message', 'MARKER']);
          receiversKept = receivers.list;
          unknownReceiver = receivers.unknown;
        }
        const labels: string[] = [];
        for (const m of mutations) {
          if (pairs.length === 0 && m.op !== 'extra') continue;
          const i = m.op === 'extra' ? -1 : m.field % pairs.length;
          const name = i >= 0 ? pairs[i]![0] : m.op === 'extra' ? m.key : '';
          if (name === 'receiver_ids') receiversKept = undefined;
          if (m.op === 'drop') pairs.splice(i, 1);
          else if (m.op === 'junk') pairs[i] = [name, m.value];
          else if (m.op === 'dup') pairs.splice(i, 0, [name, m.value]);
          else pairs.push([m.key, m.value]);
          labels.push(`${m.op}:${name}`);
        }
        // The first value of a repeated key wins (Werkzeug): the marker counts only if first.
        const marker = pairs.find(([k]) => k === 'message')?.[1] === 'MARKER';
        const firstReceivers = pairs.find(([k]) => k === 'receiver_ids')?.[1];
        if (firstReceivers !== JSON.stringify(receivers.list)) receiversKept = undefined;
        const c: Omit<FuzzCase, 'marker'> & { marker?: boolean } = {
          method: e.method,
          path: e.path,
          query: '',
          contentType: e.method === 'POST' ? contentType : undefined,
          body: { kind: 'none' },
          // A logout, or a login (which regenerates the session), would end the world's
          // session it carries and leave the rest of the run logged out.
          as: e.path === '/logout' || e.path === '/login' ? -1 : as,
          label: labels.join(',') || 'valid-ish',
        };
        // Shapes of the request itself, by a roll of the dice.
        if (dice < 4)
          c.method = (['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND'] as const)[dice % 6]!;
        else if (dice < 6) c.method = e.method === 'GET' ? 'POST' : 'GET';
        if (dice === 6) c.path = `${e.path}/`;
        else if (dice === 7) c.path = `${e.path}%`;
        else if (dice === 8) c.path = `${e.path}%E9%zz`;
        else if (dice === 9) c.path = `/${e.path.slice(1).toUpperCase()}`;
        else if (dice === 10) c.path = `//${e.path.slice(1)}`;
        if (e.method === 'GET' && c.method === 'GET') {
          c.query = encodeForm(pairs, encoding);
          if (dice === 11) c.query = '%C3%28=%zz&ts=%ff%fe';
        } else if (c.method === 'POST' || c.method === 'PUT' || c.method === 'PATCH') {
          c.body = { kind: 'form', pairs, encoding };
          if (dice === 12 || dice === 13) c.body = { kind: 'bytes', bytes: [...bytes] };
          if (dice === 14) c.body = { kind: 'huge', size: HUGE, shape: 'junk' };
          if (dice === 15 && (e.path === '/upload_address_book' || e.path === '/upload_contacts'))
            c.body = { kind: 'huge', size: HUGE, shape: 'address_book' };
          if (dice === 16) c.body = { kind: 'huge', size: 7 * 1024 * 1024, shape: 'junk' };
          if (dice === 17) c.body = { kind: 'huge', size: 1024 * 1024, shape: 'nested' };
        }
        const sendsForm = c.method === 'POST' && c.body.kind === 'form' && e.path === '/send';
        if (sendsForm && c.path === e.path) {
          if (marker) c.marker = true;
          if (receiversKept) c.receivers = receiversKept;
          c.unknownReceiver = unknownReceiver && receiversKept !== undefined;
        }
        return c;
      });
    });
}

/** encodeURIComponent on the UTF-8 bytes (a lone surrogate becomes U+FFFD instead of throwing). */
function percentEncode(v: string): string {
  let out = '';
  for (const b of Buffer.from(v, 'utf8')) {
    const ch = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.!~*'()]/.test(ch) ? ch : `%${b.toString(16).padStart(2, '0').toUpperCase()}`;
  }
  return out;
}

export function encodeForm(pairs: [string, string][], encoding: 'android' | 'ios'): string {
  return pairs
    .map(([k, v]) => (encoding === 'ios' ? `${k}=${v}` : `${percentEncode(k)}=${percentEncode(v)}`))
    .join('&');
}

const hugeCache = new Map<string, Buffer>();

function hugeBody(size: number, shape: 'junk' | 'address_book' | 'nested'): Buffer {
  const key = `${shape}:${size}`;
  const hit = hugeCache.get(key);
  if (hit) return hit;
  let body: Buffer;
  if (shape === 'address_book') {
    const entries: string[] = [];
    let length = 'address_book=['.length;
    for (let i = 0; length < size; i++) {
      const e = `{"tel":"0033${String(600_000_000 + (i % 30_000))}","name":"Contact ${i} é"}`;
      entries.push(e);
      length += e.length + 1;
    }
    body = Buffer.from(
      `address_book=[${entries.join(',')}]&contacts=${encodeURIComponent('["0033611111111"]')}`,
    );
  } else if (shape === 'nested') {
    const n = Math.floor(size / 2);
    body = Buffer.from(
      `receiver_ids=${'['.repeat(n)}${']'.repeat(n)}&message=x&contacts_to_block=${'['.repeat(1000)}`,
    );
  } else {
    body = Buffer.alloc(size, 'a');
    body.write('zzz=', 0);
  }
  hugeCache.set(key, body);
  return body;
}

export function bodyBytes(spec: BodySpec, marker?: string): Buffer | undefined {
  switch (spec.kind) {
    case 'none':
      return undefined;
    case 'bytes':
      return Buffer.from(spec.bytes);
    case 'huge':
      return hugeBody(spec.size, spec.shape);
    case 'form': {
      const pairs = spec.pairs.map(([k, v]): [string, string] => [
        k,
        k === 'message' && v === 'MARKER' && marker ? marker : v,
      ]);
      return Buffer.from(encodeForm(pairs, spec.encoding));
    }
  }
}

export interface Answer {
  status: number;
  body: string;
  ms: number;
  /** Set when the request itself failed (connection reset, timeout): a crash or a hang. */
  error?: string;
}

/** A query as a client would put it on the request line: bytes outside printable ASCII escaped, `%` kept. */
function rawQuery(q: string): string {
  let out = '';
  for (const b of Buffer.from(q, 'utf8')) {
    out +=
      b > 0x20 && b < 0x7f && b !== 0x23
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, '0').toUpperCase()}`;
  }
  return out;
}

const agent = new http.Agent({ keepAlive: false, maxSockets: 64 });

/** Sends one case over HTTP to 127.0.0.1:port. */
export function send(
  port: number,
  c: FuzzCase,
  cookie: string | undefined,
  timeoutMs = 60_000,
): Promise<Answer> {
  const started = Date.now();
  const body = bodyBytes(c.body, c.marker);
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = cookie;
  if (c.contentType !== undefined && body) headers['content-type'] = c.contentType;
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: c.method,
        path: c.path + (c.query ? `?${rawQuery(c.query)}` : ''),
        headers,
        agent,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: Date.now() - started,
          }),
        );
        res.on('error', (err) =>
          resolve({ status: 0, body: '', ms: Date.now() - started, error: err.message }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: 0, body: '', ms: Date.now() - started, error: err.message }));
    req.end(body);
  });
}

/** Listens as src/server.ts does, with the same answers to requests Node's parser refuses. */
export function listen(app: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(app);
  server.on('clientError', answerClientError);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })),
  );
}

export function closeServer(server: http.Server): Promise<void> {
  agent.destroy();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface Sample {
  c: FuzzCase;
  a: Answer;
}

/** Generates `count` cases with a fixed seed and sends them `concurrency` at a time. */
export async function runFuzz(opts: {
  port: number;
  world: FuzzWorld;
  count: number;
  seed: number;
  concurrency: number;
  onProgress?: (done: number) => void;
}): Promise<Sample[]> {
  const endpoints = endpointsFromOpenapi();
  const raw = fc.sample(fuzzCaseArb(opts.world, endpoints), { numRuns: opts.count, seed: opts.seed });
  const cases: FuzzCase[] = raw.map((c, i) => ({
    ...c,
    marker: c.marker ? `fz-${opts.seed}-${i}` : undefined,
  }));
  const samples: Sample[] = new Array<Sample>(cases.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= cases.length) return;
      const c = cases[i]!;
      const cookie = c.as >= 0 ? opts.world.users[c.as]!.cookie : undefined;
      samples[i] = { c, a: await send(opts.port, c, cookie) };
      done += 1;
      if (done % 1000 === 0) opts.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return samples;
}

/** Problems with the answers themselves: 5xx, no answer, 4xx without a reason. */
export function answerProblems(samples: Sample[]): string[] {
  const problems: string[] = [];
  for (const { c, a } of samples) {
    const size = c.body.kind === 'huge' ? ` body ${c.body.size} bytes` : '';
    const what = `${c.method} ${c.path} [${c.label}] as=${c.as}${size}`;
    if (a.error) problems.push(`${what}: no answer (${a.error})`);
    else if (a.status >= 500) problems.push(`${what}: ${a.status} ${a.body.slice(0, 120)}`);
    else if (a.status >= 400 && c.method !== 'HEAD' && a.body.trim() === '')
      problems.push(`${what}: ${a.status} with an empty body`);
  }
  return problems;
}

export function statusCounts(samples: Sample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { a } of samples) {
    const k = a.error ? 'no answer' : String(a.status);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}
