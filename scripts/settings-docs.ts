/**
 * Writes the configuration documentation from the descriptions in src/config.ts: the
 * README's configuration table (between its markers) and .env.example. A unit test fails
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
process.stdout.write(
  `wrote the configuration table of README.md and .env.example (${settings.length} settings)\n`,
);
