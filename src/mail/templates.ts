/**
 * Plain-text email templates in src/mail/templates/<name>.<lang>.txt. The first line is
 * "Subject: …", then a blank line, then the body. `{{key}}` is replaced by vars[key].
 * Templates are read once and cached.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Language } from '../domain/language';

// The build copies the templates next to the compiled module (package.json "build").
const DIR = path.join(__dirname, 'templates');
const cache = new Map<string, { subject: string; body: string }>();

function load(name: string, lang: Language): { subject: string; body: string } {
  const key = `${name}.${lang}`;
  let t = cache.get(key);
  if (!t) {
    const raw = readFileSync(path.join(DIR, `${key}.txt`), 'utf8');
    const match = /^Subject: (.*)\r?\n\r?\n([\s\S]*)$/.exec(raw);
    if (!match) throw new Error(`template ${key}.txt must start with "Subject: …" and a blank line`);
    t = { subject: match[1]!, body: match[2]! };
    cache.set(key, t);
  }
  return t;
}

export function renderTemplate(
  name: string,
  lang: Language,
  vars: Record<string, string> = {},
): { subject: string; text: string } {
  const t = load(name, lang);
  const fill = (s: string) => s.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => vars[k] ?? '');
  return { subject: fill(t.subject), text: fill(t.body) };
}
