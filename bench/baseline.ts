/**
 * The baseline the bench compares our web process with: a bare node:http server on the
 * raw MongoDB driver that does, for /login, /send and /receive_all, the same reads and
 * writes as ours for the same inputs, and nothing else: no framework, no session store
 * (a cookie -> user id map in memory), no validation, no logging, no metrics.
 *
 * Same data work as ours, deliberately: the login rate-limit hits and counts, bcrypt at
 * the stored hash's cost, the user update; the send's receivers read, teaser-name read,
 * retry claim (two keys), message and push-job inserts and expired-claim cleanup; the
 * receive window read and its senders read. Where ours needs two round trips for one
 * write, this does it in one (login: one user update); the report shows both counts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import bcrypt from 'bcrypt';
import { ObjectId, type Db } from 'mongodb';

interface Choice {
  time_delay: number;
  time_absolute: boolean;
  time_random: boolean;
  random_min?: number;
  random_max?: number;
}

interface Label {
  inf: number;
  sup: number;
  label: string;
  label_fr: string;
}

interface Ctx {
  db: Db;
  choices: Map<string, Choice>;
  labels: Label[];
  sessions: Map<string, ObjectId>;
}

const LOGIN_WINDOW_MS = 15 * 60_000;
const RETRY_WINDOW_MS = 120_000;
const COLORS = ['ffdc1a', '6bb690', 'f6591e', 'f36f4d'];

const hashKey = (scope: string, v: string) =>
  `${scope}:${createHash('sha256').update(v).digest('hex').slice(0, 32)}`;
const secondsText = (d: Date) => {
  const s = String(d.getTime() / 1000);
  return s.includes('.') ? s : `${s}.0`;
};

async function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function end(res: ServerResponse, status: number, body = '', type = 'text/plain') {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function login(ctx: Ctx, req: IncomingMessage, res: ServerResponse) {
  const form = await readBody(req);
  const email = (form.get('email') ?? '').trim().toLowerCase();
  const now = new Date();
  const keys = [hashKey('login:addr', req.socket.remoteAddress ?? ''), hashKey('login:acct', email)];
  const hits = ctx.db.collection('rate_hits');
  await hits.insertMany(keys.map((key) => ({ key, at: now })));
  const since = new Date(now.getTime() - LOGIN_WINDOW_MS);
  await hits
    .aggregate([
      { $match: { key: { $in: keys }, at: { $gt: since } } },
      { $group: { _id: '$key', n: { $sum: 1 } } },
    ])
    .toArray();
  const user = await ctx.db
    .collection('users')
    .findOne({ email }, { projection: { password: 1, 'device.phone': 1 } });
  const ok = await bcrypt.compare(form.get('password') ?? '', String(user?.password ?? '$2b$10$invalid'));
  if (!user || !ok) return end(res, 401);
  const set: Record<string, unknown> = { last_login: now };
  if ((user.device as { phone?: string } | undefined)?.phone) {
    Object.assign(set, {
      'device.os': form.get('os') ?? '',
      'device.reg_id': form.get('reg_id') ?? '',
      'device.app_version': form.get('app_version') ?? '',
    });
  }
  await ctx.db.collection('users').updateOne({ _id: user._id }, { $set: set });
  const sid = randomBytes(16).toString('hex');
  ctx.sessions.set(sid, user._id);
  const answer = {
    user_id: user._id.toHexString(),
    web_app_url: 'http://localhost/',
    ios_version_needed: '2.0',
    android_version_needed: '1.0',
    force_update: 'false',
    ...Object.fromEntries(
      ['amazon_app_id', 'aws_account_id', 'cognito_pool_id', 'cognito_role_unauth', 'cognito_role_auth'].map(
        (k) => [k, ''],
      ),
    ),
    bucket_name: '',
    cloudfront: '',
    android_update_link: '',
    ios_update_link: '',
  };
  res.setHeader('set-cookie', `sid=${sid}; Path=/; HttpOnly`);
  end(res, 200, JSON.stringify(answer), 'application/json');
}

async function receiveAll(ctx: Ctx, me: ObjectId, url: URL, res: ServerResponse) {
  const now = new Date();
  const from = new Date(Number(url.searchParams.get('ts')) * 1000);
  const messages = await ctx.db
    .collection('messages')
    .find(
      { receiver_id: me, blocked: false, delivery_time: { $gte: from, $lte: now } },
      { projection: { push: 0, state: 0 }, batchSize: 1_000_000 },
    )
    .sort({ delivery_time: 1 })
    .toArray();
  const senderIds = [...new Set(messages.map((m) => (m.sender_id as ObjectId).toHexString()))];
  const senders = await ctx.db
    .collection('users')
    .find(
      { _id: { $in: senderIds.map((id) => new ObjectId(id)) } },
      { projection: { email: 1, facebook_id: 1, facebook_name: 1, 'device.phone': 1 } },
    )
    .toArray();
  const byId = new Map(senders.map((s) => [s._id.toHexString(), s]));
  const items = messages.map((m) => {
    const s = byId.get((m.sender_id as ObjectId).toHexString());
    const email = String(s?.email ?? '');
    return {
      message_id: m._id.toHexString(),
      received_at: secondsText(m.delivery_time as Date),
      created_at: secondsText(m.created_at as Date),
      from_id: (m.sender_id as ObjectId).toHexString(),
      from_email: email,
      from_numero: (s?.device as { phone?: string } | undefined)?.phone || email,
      from_facebook_id: String(s?.facebook_id ?? ''),
      from_facebook_name: String(s?.facebook_name ?? ''),
      message: String(m.message ?? ''),
      photo_id: String(m.photo_id ?? ''),
      video_id: String(m.video_id ?? ''),
      sound_id: String(m.sound_id ?? ''),
      receive_label: String(m.receive_label ?? ''),
      receive_color: String(m.receive_color ?? ''),
      version: String(m.version ?? '1.0'),
    };
  });
  const body = `{"ts": ${now.getTime() / 1000}, "new_messages": ${JSON.stringify(items)}}`;
  end(res, 200, body, 'application/json');
}

function deliveryOf(ctx: Ctx, option: { type?: string; parameters?: unknown } | undefined, now: Date): Date {
  const choice = option?.type ? ctx.choices.get(option.type) : undefined;
  if (!choice) {
    const at = Number(option?.parameters);
    return option?.type === 'calendar' && Number.isFinite(at) ? new Date(at * 1000) : now;
  }
  if (choice.time_absolute) return new Date(choice.time_delay * 1000);
  const min = choice.random_min ?? 5_000_000;
  const max = choice.random_max ?? 20_000_000;
  const delay = choice.time_random ? min + Math.random() * (max - min) : choice.time_delay;
  return new Date(now.getTime() + delay * 1000);
}

async function send(ctx: Ctx, me: ObjectId, req: IncomingMessage, res: ServerResponse) {
  const form = await readBody(req);
  const now = new Date();
  const text = form.get('message') ?? '';
  const ids = (JSON.parse(form.get('receiver_ids') ?? '[]') as string[]).map((r) => new ObjectId(r.slice(2)));
  const option = form.get('delivery_option');
  const delivery = deliveryOf(ctx, option ? (JSON.parse(option) as { type?: string }) : undefined, now);
  const delay = (delivery.getTime() - now.getTime()) / 1000;
  const users = await ctx.db
    .collection('users')
    .find({ _id: { $in: [me, ...ids] } }, { projection: { country_code: 1, 'device.phone': 1 } })
    .toArray();
  const byId = new Map(users.map((u) => [u._id.toHexString(), u]));
  const senderPhone = (byId.get(me.toHexString())?.device as { phone?: string } | undefined)?.phone;
  if (senderPhone && delay > 200) {
    await ctx.db
      .collection('address_book_entries')
      .find({ _id: { $in: ids.map((id) => `${id.toHexString()}:${senderPhone}`) } } as never)
      .toArray();
  }
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([me.toHexString(), form.get('receiver_ids'), text, option]))
    .digest('hex');
  const bucket = Math.floor(now.getTime() / RETRY_WINDOW_MS);
  const expires_at = new Date((bucket + 2) * RETRY_WINDOW_MS);
  const dedup = ctx.db.collection('send_dedup');
  try {
    await dedup.insertMany(
      [bucket, bucket + 1].map((b) => ({ _id: `${fingerprint}:${b}`, sender_id: me, expires_at })) as never[],
      { ordered: true },
    );
  } catch {
    return end(res, 200);
  }
  const messages = ids.map((id) => {
    const fr = byId.get(id.toHexString())?.country_code === 'fr';
    const label = ctx.labels.find((l) => l.inf <= delay && delay <= l.sup);
    return {
      _id: new ObjectId(),
      sender_id: me,
      receiver_id: id,
      receiver_phone: '',
      message: text,
      photo_id: form.get('photo_id') ?? '',
      video_id: form.get('video_id') ?? '',
      sound_id: form.get('sound_id') ?? '',
      created_at: now,
      delivery_time: delivery,
      receive_label: (fr ? label?.label_fr : label?.label) ?? '',
      receive_color: COLORS[Math.floor(Math.random() * COLORS.length)],
      version: '1.0',
      send_now: delivery.getTime() <= now.getTime(),
      state: 'pending',
      blocked: false,
    };
  });
  await ctx.db.collection('messages').insertMany(messages);
  const jobs = messages.map((m) => ({
    kind: 'message',
    user_id: m.receiver_id,
    message_id: m._id,
    due_at: delivery,
    created_at: now,
  }));
  await Promise.all([
    ctx.db.collection('push_jobs').insertMany(jobs),
    dedup.deleteMany({ sender_id: me, expires_at: { $lt: now } }),
  ]);
  end(res, 200);
}

async function route(ctx: Ctx, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/hello') return end(res, 200, 'hello');
  if (url.pathname === '/login' && req.method === 'POST') return login(ctx, req, res);
  const sid = /(?:^|;\s*)sid=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1];
  const me = sid ? ctx.sessions.get(sid) : undefined;
  if (!me) return end(res, 401);
  if (url.pathname === '/receive_all') return receiveAll(ctx, me, url, res);
  if (url.pathname === '/send' && req.method === 'POST') return send(ctx, me, req, res);
  end(res, 404);
}

/** The baseline server on `db` (not listening yet); the catalog is read once here. */
export async function createBaseline(db: Db): Promise<Server> {
  const [choices, labels] = await Promise.all([
    db.collection('send_choices').find({}).toArray(),
    db.collection('receive_labels').find({}).sort({ inf: 1 }).toArray(),
  ]);
  const ctx: Ctx = {
    db,
    choices: new Map(choices.map((c) => [String(c._id), c as unknown as Choice])),
    labels: labels as unknown as Label[],
    sessions: new Map(),
  };
  return createServer((req, res) => {
    route(ctx, req, res).catch(() => {
      if (!res.headersSent) end(res, 500);
      else res.destroy();
    });
  });
}
