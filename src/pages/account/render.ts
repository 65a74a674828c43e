/**
 * The account page's HTML: page.html with the texts of one language filled in, rendered
 * once per language when the app is built. No build step: page.html and the static/
 * folder are plain files (`npm run build` copies them next to the compiled code).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Language } from '../../domain/language';
import { PAGE_TEXTS, type PageTexts } from './texts';

/** The folder served at /account/assets: the page's script, styles and icon. */
export const ASSETS_DIR = path.join(__dirname, 'static');

/**
 * What the page may load: its own script, styles and icon, and requests to this origin
 * only (no third party, no inline script or style).
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON inside a <script> data block: no `<` may end the block early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function fill(template: string, lang: Language, texts: PageTexts): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => {
    if (key === 'lang') return lang;
    if (key === 'dynamic') return scriptJson(texts.dynamic);
    const text = (texts as unknown as Record<string, unknown>)[key];
    if (typeof text !== 'string') throw new Error(`account page: no text for ${whole}`);
    return escapeHtml(text);
  });
}

/** The page in each language. */
export function accountPages(): Record<Language, string> {
  const template = readFileSync(path.join(__dirname, 'page.html'), 'utf8');
  return { en: fill(template, 'en', PAGE_TEXTS.en), fr: fill(template, 'fr', PAGE_TEXTS.fr) };
}
