/**
 * The original kept its app configuration (login values, versions, AWS ids) in a
 * `web_app` document; ours lives in environment variables. Nothing is imported: the
 * report suggests the variables, leaving out anything that looks secret.
 */
import { str, type LegacyDoc } from './values';

/** Legacy field → our variable, where the name changed (others are upper-cased). */
const RENAMED: Record<string, string> = {
  web_app_url: 'PUBLIC_URL',
  bucket_name: 'S3_BUCKET_NAME',
  cloudfront: 'CLOUDFRONT_URL',
};
const SECRET_LOOKING = /secret|password|passwd|key|token|credential|private/i;
/** Values shaped like an AWS secret key, a PEM block or a long random token. */
const SECRET_VALUE = /-----BEGIN|^[A-Za-z0-9/+=]{40}$|^[\w-]{48,}$/;

export interface SuggestedVar {
  name: string;
  value: string;
  legacyField: string;
}

export function suggestedConfig(doc: LegacyDoc): { vars: SuggestedVar[]; withheld: string[] } {
  const vars: SuggestedVar[] = [];
  const withheld: string[] = [];
  for (const [field, value] of Object.entries(doc)) {
    if (field === '_id' || field === '_cls') continue;
    const text =
      value instanceof Date
        ? value.toISOString()
        : str(value, typeof value === 'boolean' ? String(value) : '');
    if (SECRET_LOOKING.test(field) || SECRET_VALUE.test(text)) {
      withheld.push(field);
      continue;
    }
    vars.push({ name: RENAMED[field] ?? field.toUpperCase(), value: text, legacyField: field });
  }
  return { vars, withheld };
}
