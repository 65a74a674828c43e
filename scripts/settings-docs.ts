/**
 * Writes the configuration documentation from the descriptions in src/config.ts: the
 * README's configuration table (between its markers), .env.example and app.json's env. A unit test fails
 * when either file and src/config.ts disagree; `npm run docs:config` brings them back.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeSettings, schema } from '../src/config';

const root = path.resolve(__dirname, '..');
const BEGIN = '<!-- config-table:begin -->';
const END = '<!-- config-table:end -->';

function defaultOf(name: string): string {
  const parsed = schema.shape[name as keyof typeof schema.shape].safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return '';
  const v = parsed.data as unknown;
  return Array.isArray(v) ? v.join(',') : String(v);
}

const settings = describeSettings().map((s) => ({ ...s, def: defaultOf(s.name) }));

const table = [
  '| name | default | description |',
  '| --- | --- | --- |',
  ...settings.map((s) => `| \`${s.name}\` | ${s.def === '' ? '' : `\`${s.def}\``} | ${s.description} |`),
].join('\n');
const readmePath = path.join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const start = readme.indexOf(BEGIN);
const end = readme.indexOf(END);
if (start < 0 || end < start) throw new Error(`README.md lacks the ${BEGIN} … ${END} markers`);
writeFileSync(readmePath, `${readme.slice(0, start + BEGIN.length)}\n${table}\n${readme.slice(end)}`);

const env = [
  '# Pictever server settings: set them in the environment (Heroku config vars) or a .env for your shell.',
  '# Generated from src/config.ts by `npm run docs:config`.',
  '',
  ...settings.map((s) => `# ${s.description}\n${s.def === '' ? '# ' : ''}${s.name}=${s.def}`),
  '',
].join('\n');
writeFileSync(path.join(root, '.env.example'), env);
// Heroku's app.json: the same settings as config vars; production needs these three.
const appJsonPath = path.join(root, 'app.json');
const appJson = JSON.parse(readFileSync(appJsonPath, 'utf8')) as { env?: unknown };
const required = new Set(['MONGODB_URI', 'SESSION_SECRET', 'PUBLIC_URL']);
// Values that differ from the defaults on Heroku: production, and the router in front of
// every dyno (without TRUST_PROXY_HOPS=1 all clients share its address and its rate limits).
const herokuValues: Record<string, string> = { NODE_ENV: 'production', TRUST_PROXY_HOPS: '1' };
// Heroku assigns PORT itself, so it is not a config var.
appJson.env = Object.fromEntries(
  settings
    .filter((s) => s.name !== 'PORT')
    .map((s) => {
      const value = herokuValues[s.name] ?? s.def;
      const entry = { description: s.description, required: required.has(s.name) };
      if (s.name === 'SESSION_SECRET') return [s.name, { ...entry, generator: 'secret' }];
      return [s.name, value === '' ? entry : { ...entry, value }];
    }),
);
writeFileSync(appJsonPath, `${JSON.stringify(appJson, null, 2)}\n`);
process.stdout.write(
  `wrote README.md's configuration table, .env.example and app.json (${settings.length} settings)\n`,
);
