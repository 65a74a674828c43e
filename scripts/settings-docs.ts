/**
 * Prints the configuration as a README table (`--readme`) or as .env.example lines
 * (`--env`), from the descriptions in src/config.ts. A unit test fails when either file
 * and src/config.ts disagree; run this to regenerate the part that drifted.
 */
import { describeSettings, schema } from '../src/config';

function defaultOf(name: string): string {
  const parsed = schema.shape[name as keyof typeof schema.shape].safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return '';
  const v = parsed.data as unknown;
  return Array.isArray(v) ? v.join(',') : String(v);
}

const mode = process.argv[2] ?? '--readme';
for (const { name, description } of describeSettings()) {
  const def = defaultOf(name);
  if (mode === '--env') {
    process.stdout.write(`# ${description}\n${def === '' ? '# ' : ''}${name}=${def}\n`);
  } else {
    process.stdout.write(`| \`${name}\` | ${def === '' ? '' : `\`${def}\``} | ${description} |\n`);
  }
}
