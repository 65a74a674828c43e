import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LOCAL_ONLY_SETTINGS, describeSettings, loadConfig } from '../../src/config';

const root = path.resolve(__dirname, '../..');

describe('loadConfig', () => {
  it('when nothing is set then development defaults apply', () => {
    const c = loadConfig({});
    expect(c.NODE_ENV).toBe('development');
    expect(c.PORT).toBe(5000);
    expect(c.PUBLIC_URL).toBe('http://localhost:5000/');
    expect(c.COOKIE_SECURE).toBe(false);
    expect(c.FORCE_UPDATE).toBe('false');
    expect(c.FACEBOOK_LOGIN).toBe('off');
    expect(c.FCM_API_URL).toBe('https://fcm.googleapis.com');
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('when PORT is set and PUBLIC_URL is not then web_app_url follows the port', () => {
    expect(loadConfig({ PORT: '8080' }).PUBLIC_URL).toBe('http://localhost:8080/');
  });

  it('when production lacks MONGODB_URI, SESSION_SECRET, DATA_KEYS and PUBLIC_URL then all are reported at once', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /MONGODB_URI: required in production[\s\S]*SESSION_SECRET: required in production[\s\S]*DATA_KEYS: required in production[\s\S]*PUBLIC_URL: required in production/,
    );
  });

  it('when WRITE_SETTLE_MS does not exceed CLOCK_SKEW_ALLOWANCE_MS then start-up refuses it', () => {
    expect(() => loadConfig({ CLOCK_SKEW_ALLOWANCE_MS: '6000' })).toThrow(
      /WRITE_SETTLE_MS: must be greater than CLOCK_SKEW_ALLOWANCE_MS/,
    );
    expect(loadConfig({ CLOCK_SKEW_ALLOWANCE_MS: '5999' }).WRITE_SETTLE_MS).toBe(6000);
  });

  it('when DATA_KEYS is set then it is parsed into a keyring whose first key encrypts', () => {
    const keys = `new:${'A'.repeat(43)}=,old:${'B'.repeat(43)}=`;
    const c = loadConfig({ DATA_KEYS: keys });
    expect(c.DATA_KEYS?.ids).toEqual(['new', 'old']);
    expect(c.DATA_KEYS?.current.id).toBe('new');
    expect(loadConfig({}).DATA_KEYS).toBeUndefined();
  });

  it('when DATA_KEYS is malformed then start-up names DATA_KEYS and the entry, never the key', () => {
    const short = 'C'.repeat(20);
    let message = '';
    try {
      loadConfig({ DATA_KEYS: `k1:${short}`, PORT: 'x' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/DATA_KEYS: entry 1 \(k1\): the key must be 32 bytes in base64/);
    expect(message).toMatch(/PORT/);
    expect(message).not.toContain(short);
  });

  it.each([
    ['http://instant-pictever.herokuapp.com/', true],
    ['https://pictever.example.com/api/', true],
    ['http://127.0.0.1:5000/', true],
    ['http://instant-pictever.herokuapp.com', false],
    ['instant-pictever.herokuapp.com/', false],
    ['/relative/', false],
    ['ftp://pictever.example.com/', false],
    ['HTTP://PICTEVER.EXAMPLE.COM/', false],
    ['http:///', false],
    ['http://pictever.example.com/?x=1/', false],
    ['http://pictever example.com/', false],
  ])('when PUBLIC_URL is %s then it is accepted: %s', (url, ok) => {
    const load = () => loadConfig({ PUBLIC_URL: url });
    if (ok) expect(load().PUBLIC_URL).toBe(url);
    else expect(load).toThrow(/PUBLIC_URL: must be an absolute http\(s\) URL ending with '\/'/);
  });

  const production = {
    NODE_ENV: 'production',
    MONGODB_URI: 'mongodb://db.example/pictever',
    SESSION_SECRET: 's'.repeat(32),
    DATA_KEYS: `k1:${'A'.repeat(43)}=`,
    PUBLIC_URL: 'http://instant-pictever.herokuapp.com/',
  };

  it('when production has every required value then it loads', () => {
    expect(loadConfig(production).SESSION_SECRET_GENERATED).toBe(false);
  });

  it('when production secrets are short or bcrypt is cheap then each is named', () => {
    let message = '';
    try {
      loadConfig({
        ...production,
        SESSION_SECRET: 's'.repeat(31),
        OPERATOR_TOKEN: 'short',
        BCRYPT_COST: '9',
      });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('SESSION_SECRET: at least 32 characters in production');
    expect(message).toContain('OPERATOR_TOKEN: at least 32 characters in production');
    expect(message).toContain('BCRYPT_COST: at least 10 in production');
    expect(() => loadConfig({ SESSION_SECRET: 'short', BCRYPT_COST: '4' })).not.toThrow();
  });

  it('when SESSION_SECRET is unset outside production then a random one is drawn per load, and flagged', () => {
    const a = loadConfig({});
    const b = loadConfig({});
    expect(a.SESSION_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(a.SESSION_SECRET).not.toBe(b.SESSION_SECRET);
    expect(a.SESSION_SECRET_GENERATED).toBe(true);
    expect(loadConfig({ SESSION_SECRET: 'given' })).toMatchObject({
      SESSION_SECRET: 'given',
      SESSION_SECRET_GENERATED: false,
    });
  });

  it.each([
    ['61 * * * *', 'a minute out of range'],
    ['* * * *', 'four fields'],
    ['*/5 * * * * * *', 'seven fields'],
    ['every minute', 'words'],
  ])("when a worker cron pattern is %p (%s) then it is refused by node-cron's own check", (pattern) => {
    expect(() => loadConfig({ WORKER_CLEANUP_CRON: pattern })).toThrow(
      /WORKER_CLEANUP_CRON: must be a cron pattern node-cron accepts/,
    );
  });

  it('when the worker cron patterns are unset or valid then they load, seconds first with 6 fields', () => {
    expect(loadConfig({}).WORKER_PROMOTE_CRON).toBe('*/5 * * * * *');
    expect(loadConfig({ WORKER_SWEEP_CRON: '0 0 1 1 *' }).WORKER_SWEEP_CRON).toBe('0 0 1 1 *');
  });

  it("when SHUTDOWN_TIMEOUT_MS would let the worker's forced exit pass Heroku's 30 s then it is refused", () => {
    expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '12000' }).SHUTDOWN_TIMEOUT_MS).toBe(12_000);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT_MS: '12001' })).toThrow(/SHUTDOWN_TIMEOUT_MS/);
  });

  it('when FCM_API_URL is plain http to another host then it is refused; loopback is allowed', () => {
    expect(() => loadConfig({ FCM_API_URL: 'http://fcm.example.com' })).toThrow(/FCM_API_URL: must be https/);
    expect(loadConfig({ FCM_API_URL: 'http://127.0.0.1:9000' }).FCM_API_URL).toBe('http://127.0.0.1:9000');
  });

  it('when the push TTLs are unset then a message push keeps 28 days and a text push a day, at most 4 weeks', () => {
    expect(loadConfig({})).toMatchObject({ PUSH_MESSAGE_TTL_S: 2_419_200, PUSH_TEXT_TTL_S: 86_400 });
    expect(loadConfig({ PUSH_MESSAGE_TTL_S: '0', PUSH_TEXT_TTL_S: '2419200' })).toMatchObject({
      PUSH_MESSAGE_TTL_S: 0,
      PUSH_TEXT_TTL_S: 2_419_200,
    });
    // FCM refuses an android.ttl beyond 4 weeks: the push would fail, not merely expire sooner.
    expect(() => loadConfig({ PUSH_MESSAGE_TTL_S: '2419201' })).toThrow(/PUSH_MESSAGE_TTL_S/);
    expect(() => loadConfig({ PUSH_TEXT_TTL_S: '-1' })).toThrow(/PUSH_TEXT_TTL_S/);
    expect(() => loadConfig({ PUSH_TEXT_TTL_S: '1.5' })).toThrow(/PUSH_TEXT_TTL_S/);
  });

  it('when SMTP_URL is not an smtp URL then it is refused', () => {
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example.com' })).toThrow(/SMTP_URL/);
    expect(loadConfig({ SMTP_URL: 'smtps://u:p@mail.example.com' }).SMTP_URL).toBe(
      'smtps://u:p@mail.example.com',
    );
  });

  it('when several values are malformed then every problem is listed', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'abc', PUBLIC_URL: 'http://x', COOKIE_SECURE: 'maybe', APNS_ENV: 'dev' });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const key of ['PORT', 'PUBLIC_URL', 'COOKIE_SECURE', 'APNS_ENV']) {
      expect(message).toContain(`${key}:`);
    }
  });

  const aws = {
    AWS_ACCOUNT_ID: '123456789012',
    AMAZON_APP_ID: 'app',
    COGNITO_POOL_ID: 'eu-west-1:pool',
    COGNITO_ROLE_UNAUTH: 'arn:aws:iam::123456789012:role/unauth',
    COGNITO_ROLE_AUTH: 'arn:aws:iam::123456789012:role/auth',
    S3_BUCKET_NAME: 'pictever-media',
    CLOUDFRONT_URL: 'https://d111111abcdef8.cloudfront.net/',
  };

  it('when every AWS value is set then they are kept', () => {
    expect(loadConfig(aws).CLOUDFRONT_URL).toBe(aws.CLOUDFRONT_URL);
  });

  it.each(Object.keys(aws))('when only %s is missing from the AWS values then it is named', (key) => {
    const env: Record<string, string> = { ...aws, [key]: '' };
    expect(() => loadConfig(env)).toThrow(new RegExp(`${key}: required when any AWS value is set`));
  });

  it('when only CLOUDFRONT_URL is set then every other AWS value is named', () => {
    let message = '';
    try {
      loadConfig({ CLOUDFRONT_URL: aws.CLOUDFRONT_URL });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const key of Object.keys(aws).filter((k) => k !== 'CLOUDFRONT_URL')) {
      expect(message).toContain(`${key}: required when any AWS value is set`);
    }
  });

  it('when CLOUDFRONT_URL does not end with / then it is rejected', () => {
    expect(() => loadConfig({ ...aws, CLOUDFRONT_URL: 'https://d111111abcdef8.cloudfront.net' })).toThrow(
      /CLOUDFRONT_URL: must end with '\/'/,
    );
  });

  it.each(['one', '1.3.1', '1,3', '', '.5', '1.', ' 1.0', '1e3', '-1'])(
    'when ANDROID_VERSION_NEEDED is %p then it is rejected (Java Float.parseFloat would crash or misread it)',
    (v) => {
      expect(() => loadConfig({ ANDROID_VERSION_NEEDED: v })).toThrow(/ANDROID_VERSION_NEEDED/);
    },
  );

  it.each(['1', '1.0', '1.1', '12.34'])('when ANDROID_VERSION_NEEDED is %p then it is kept', (v) => {
    expect(loadConfig({ ANDROID_VERSION_NEEDED: v }).ANDROID_VERSION_NEEDED).toBe(v);
  });

  it('when FOUNDER_PHONES is a comma list then it becomes trimmed numbers', () => {
    expect(loadConfig({ FOUNDER_PHONES: '0033611, 0044722 ,' }).FOUNDER_PHONES).toEqual([
      '0033611',
      '0044722',
    ]);
  });

  it("when FOUNDER_PHONES are written as people write numbers then they are read like the apps' numbers", () => {
    expect(loadConfig({ FOUNDER_PHONES: '+33 6 12 34 56 78,00336.12.34.56.79' }).FOUNDER_PHONES).toEqual([
      '0033612345678',
      '0033612345679',
    ]);
    expect(() => loadConfig({ FOUNDER_PHONES: '0033612345678,call me' })).toThrow(
      /FOUNDER_PHONES: not a phone number: call me/,
    );
  });

  it('when PHONE_CHANGES_PER_30_DAYS is unset then it is 2; 0 is allowed and a negative is rejected', () => {
    expect(loadConfig({}).PHONE_CHANGES_PER_30_DAYS).toBe(2);
    expect(loadConfig({ PHONE_CHANGES_PER_30_DAYS: '0' }).PHONE_CHANGES_PER_30_DAYS).toBe(0);
    expect(() => loadConfig({ PHONE_CHANGES_PER_30_DAYS: '-1' })).toThrow(/PHONE_CHANGES_PER_30_DAYS/);
  });

  it('when a key is given inline or as a missing file then inline passes and the path fails', () => {
    expect(loadConfig({ FCM_CREDENTIALS: '{"project_id":"p"}' }).FCM_CREDENTIALS).toContain('project_id');
    expect(() => loadConfig({ APNS_KEY: '/nonexistent/key.p8' })).toThrow(/APNS_KEY: cannot read file/);
  });

  it('when WORKER_METRICS_PORT is unset or empty then there is no port; a bad one is rejected', () => {
    expect(loadConfig({}).WORKER_METRICS_PORT).toBeUndefined();
    expect(loadConfig({ WORKER_METRICS_PORT: '' }).WORKER_METRICS_PORT).toBeUndefined();
    expect(loadConfig({ WORKER_METRICS_PORT: '9091' }).WORKER_METRICS_PORT).toBe(9091);
    expect(() => loadConfig({ WORKER_METRICS_PORT: '70000' })).toThrow(/WORKER_METRICS_PORT/);
  });

  it('when an optional value is empty then it counts as unset', () => {
    expect(loadConfig({ SMTP_URL: '' }).SMTP_URL).toBeUndefined();
  });
});

describe('documentation of the settings', () => {
  const settings = describeSettings();

  it('every setting has a description', () => {
    expect(settings.filter((s) => s.description.length < 5)).toEqual([]);
  });

  it('.env.example lists exactly the settings of src/config.ts', () => {
    const example = readFileSync(path.join(root, '.env.example'), 'utf8');
    const names = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect([...new Set(names)].sort()).toEqual(settings.map((s) => s.name).sort());
  });

  it('the README configuration table lists exactly the settings of src/config.ts', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const names = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect([...new Set(names)].sort()).toEqual(settings.map((s) => s.name).sort());
  });

  it('app.json requires PUBLIC_URL and trusts the Heroku router (TRUST_PROXY_HOPS=1)', () => {
    const appJson = JSON.parse(readFileSync(path.join(root, 'app.json'), 'utf8')) as {
      env: Record<string, { required: boolean; value?: string }>;
    };
    expect(appJson.env.PUBLIC_URL?.required).toBe(true);
    expect(appJson.env.TRUST_PROXY_HOPS?.value).toBe('1');
  });

  it("app.json's env lists every setting but PORT (Heroku sets it) and the local ones; it generates both secrets", () => {
    const appJson = JSON.parse(readFileSync(path.join(root, 'app.json'), 'utf8')) as {
      env: Record<string, { generator?: string }>;
    };
    const expected = settings
      .map((s) => s.name)
      .filter((n) => n !== 'PORT' && !LOCAL_ONLY_SETTINGS.includes(n));
    expect(Object.keys(appJson.env).sort()).toEqual(expected.sort());
    expect(Object.keys(appJson.env)).not.toContain('FCM_API_URL');
    expect(appJson.env.SESSION_SECRET?.generator).toBe('secret');
    expect(appJson.env.OPERATOR_TOKEN?.generator).toBe('secret');
  });
});
