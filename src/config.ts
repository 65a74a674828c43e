/**
 * Every setting of the web and worker processes, parsed once from the environment.
 * Nothing else in src/ or workers/ reads process.env. Each key carries a description,
 * which the README's configuration table and .env.example are checked against.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { normalisePhone } from './domain/phone';

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

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

export const schema = z.object({
  // Process
  NODE_ENV: z
    .enum(['development', 'production', 'test'])
    .default('development')
    .describe('development, production or test; production requires MONGODB_URI and SESSION_SECRET'),
  PORT: int(5000, 0).describe('HTTP port of the web process (0 picks a free one)'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level'),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 100).describe(
    'how long SIGTERM waits for in-flight requests and pushes before exiting',
  ),

  // Database and sessions
  MONGODB_URI: optional().describe(
    'MongoDB connection string; unset in development starts the embedded FerretDB',
  ),
  DEVDB_DIR: z
    .string()
    .default('.devdb/data')
    .describe('folder of the embedded database files (used only when MONGODB_URI is unset)'),
  DB_QUERY_LOG_DIR: optional().describe(
    'record the shape of every database query to this folder (for npm run check:indexes)',
  ),
  SESSION_SECRET: optional().describe('secret signing the session cookie; required in production'),
  COOKIE_SECURE: bool(false).describe('mark the session cookie Secure (the apps use plain HTTP)'),
  SESSION_MAX_AGE_DAYS: int(30, 1).describe('lifetime of a session cookie and its stored session'),
  PUBLIC_URL: optional()
    .describe("public base URL of this server, given to the apps as web_app_url; ends with '/'")
    .refine((v) => v === undefined || /^https?:\/\/.+\/$/.test(v), {
      message: "must be an http(s) URL ending with '/'",
    }),
  BCRYPT_COST: int(10, 4).describe('bcrypt cost factor for password hashes'),

  // Values handed to the apps at login (all strings on the wire)
  IOS_VERSION_NEEDED: z.string().default('2.0').describe('minimum iOS app version'),
  ANDROID_VERSION_NEEDED: z
    .string()
    .default('1.0')
    .refine((v) => Number.isFinite(Number.parseFloat(v)), { message: 'must parse as a float' })
    .describe('minimum Android app version (must parse as a float)'),
  FORCE_UPDATE: z.enum(['true', 'false']).default('false').describe('ask the apps to force an update'),
  AMAZON_APP_ID: z.string().default('').describe('AWS app id handed to the apps'),
  AWS_ACCOUNT_ID: z.string().default('').describe('AWS account id; when set, every AWS key must be set'),
  COGNITO_POOL_ID: z.string().default('').describe('Cognito identity pool id'),
  COGNITO_ROLE_UNAUTH: z.string().default('').describe('Cognito unauthenticated role ARN'),
  COGNITO_ROLE_AUTH: z.string().default('').describe('Cognito authenticated role ARN'),
  S3_BUCKET_NAME: z.string().default('').describe('S3 bucket holding the media'),
  CLOUDFRONT_URL: z.string().default('').describe('CloudFront URL serving the media'),
  ANDROID_UPDATE_LINK: z.string().default('').describe('store link for Android updates'),
  IOS_UPDATE_LINK: z.string().default('').describe('store link for iOS updates'),

  // Push providers
  FCM_CREDENTIALS: inlineOrFile((v) => v.trimStart().startsWith('{')).describe(
    'FCM service-account JSON, as text or a path to the file; unset logs Android pushes instead',
  ),
  FCM_API_URL: z
    .url()
    .default('https://fcm.googleapis.com')
    .describe('FCM HTTP v1 base URL (tests point it at a fake)'),
  APNS_KEY: inlineOrFile((v) => v.includes('-----BEGIN')).describe(
    'APNs token-auth key (.p8 PEM) as text or a path; unset logs iOS pushes instead',
  ),
  APNS_KEY_ID: optional().describe('APNs key id'),
  APNS_TEAM_ID: optional().describe('Apple developer team id'),
  APNS_TOPIC: optional().describe('APNs topic (the iOS bundle id)'),
  APNS_ENV: z.enum(['production', 'sandbox']).default('production').describe('APNs environment'),
  APNS_HOST: optional().describe('override of the APNs host (tests)'),
  APNS_PORT: z.coerce.number().int().min(1).max(65535).optional().describe('override of the APNs port'),

  // Mail
  SMTP_URL: optional().describe('SMTP URL (smtp://user:pass@host:port); unset logs emails instead'),
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
    "bearer token for the operator routes (the web's /metrics, /readyz, /waiting; the worker's metrics port); unset hides them",
  ),

  // -- accounts settings --
  TRUST_PROXY_HOPS: int(0, 0).describe(
    'reverse proxies in front of the web process whose X-Forwarded-For gives the client address for rate limits (1 on Heroku)',
  ),
  LOGIN_LIMIT_PER_ADDRESS: int(600, 0).describe(
    'logins allowed per client address per login window (0: no limit); carrier NAT puts many phones behind one address',
  ),
  LOGIN_LIMIT_PER_ACCOUNT: int(30, 0).describe(
    'logins allowed per account (email) per login window (0: no limit); the apps log in at every launch',
  ),
  LOGIN_LIMIT_WINDOW_MINUTES: int(15, 1).describe('length of the login rate-limit window'),
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
    .default(4)
    .describe('characters (A-Z, 0-9) of an emailed password-reset code'),
  RESET_CODE_TTL_MINUTES: int(60, 1).describe('how long a password-reset code stays valid'),
  RESET_CODE_MAX_ATTEMPTS: int(5, 1).describe('attempts after which a password-reset code is invalid'),
  PHONE_CHANGES_PER_30_DAYS: int(2, 0).describe(
    'times an account may replace its phone number by another in any 30 days (0: never; defining the first number and redefining the same one do not count); over it 429',
  ),
  ADDRESS_BOOK_MAX_ENTRIES: int(20_000, 1).describe(
    'distinct numbers kept from one uploaded address book (the rest is ignored)',
  ),

  // -- messages settings --
  CATALOG_CACHE_SECONDS: int(30, 0).describe(
    'how long a web process keeps the send choices, receive labels and status tiers before re-reading them (0: every request)',
  ),
  SEND_RETRY_WINDOW_SECONDS: int(120, 1).describe(
    'identical sends by one user closer than this are one send (app retries); never merged beyond twice this',
  ),

  // -- worker settings --
  WORKER_POLL_MS: int(500, 10).describe(
    'longest sleep of the notification worker between two looks at the push queue (it wakes earlier for a known due time)',
  ),
  WORKER_CONCURRENCY: int(16, 1).describe(
    'pushes one worker process sends at once; also the most jobs it claims in one batch',
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
  WORKER_SWEEP_CRON: z
    .string()
    .regex(/^\s*\S+(\s+\S+){4,5}\s*$/, 'must be a cron pattern of 5 or 6 fields')
    .default('* * * * *')
    .describe('cron pattern of the sweep that re-queues due pending messages that lost their push job'),
  WORKER_REMINDER_CRON: z
    .string()
    .regex(/^\s*\S+(\s+\S+){4,5}\s*$/, 'must be a cron pattern of 5 or 6 fields')
    .default('*/15 * * * *')
    .describe('cron pattern of the no-phone reminder emails (24 to 64 h after signup)'),
  WORKER_CLEANUP_CRON: z
    .string()
    .regex(/^\s*\S+(\s+\S+){4,5}\s*$/, 'must be a cron pattern of 5 or 6 fields')
    .default('17 * * * *')
    .describe('cron pattern of the cleanup of expired sessions, stale claims and old periodic-run keys'),
});

export type Config = Readonly<z.infer<typeof schema> & { PUBLIC_URL: string }>;

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
    }
    const aws = [c.AMAZON_APP_ID, c.COGNITO_POOL_ID, c.COGNITO_ROLE_UNAUTH, c.COGNITO_ROLE_AUTH];
    if (c.AWS_ACCOUNT_ID !== '' && aws.some((v) => v === '')) {
      problems.push('AWS_ACCOUNT_ID: when set, AMAZON_APP_ID and the COGNITO_* values must be set');
    }
  }
  if (problems.length > 0 || !parsed.success) {
    throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const c = parsed.data;
  return Object.freeze({ ...c, PUBLIC_URL: c.PUBLIC_URL ?? `http://localhost:${c.PORT}/` });
}

/** Names and descriptions of every setting, for the README and .env.example checks. */
export function describeSettings(): { name: string; description: string }[] {
  return Object.entries(schema.shape).map(([name, s]) => ({
    name,
    description: s.description ?? '',
  }));
}
