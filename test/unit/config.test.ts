import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describeSettings, loadConfig } from '../../src/config';

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

  it('when production lacks MONGODB_URI and SESSION_SECRET then both are reported at once', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /MONGODB_URI: required in production[\s\S]*SESSION_SECRET: required in production/,
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

  it('when AWS_ACCOUNT_ID is set without the other AWS keys then it is rejected', () => {
    expect(() => loadConfig({ AWS_ACCOUNT_ID: '123' })).toThrow(/AWS_ACCOUNT_ID/);
  });

  it('when ANDROID_VERSION_NEEDED is not a float then it is rejected', () => {
    expect(() => loadConfig({ ANDROID_VERSION_NEEDED: 'one' })).toThrow(/ANDROID_VERSION_NEEDED/);
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

  it("app.json's env lists every setting but PORT (Heroku sets it)", () => {
    const appJson = JSON.parse(readFileSync(path.join(root, 'app.json'), 'utf8')) as { env: object };
    const expected = settings.map((s) => s.name).filter((n) => n !== 'PORT');
    expect(Object.keys(appJson.env).sort()).toEqual(expected.sort());
  });
});
