/** Which language a user gets, from the country code stored on the account. */
export type Language = 'fr' | 'en';

/** Emails are French for France, Belgium and Switzerland (../shared/CONTRACT.md §3 signup). */
export function emailLanguage(countryCode: string | null | undefined): Language {
  return ['fr', 'be', 'ch'].includes((countryCode ?? '').toLowerCase()) ? 'fr' : 'en';
}

/** Labels and pushes are French for `fr` users only (../shared/CONTRACT.md §3 get_send_choices, teaser). */
export function labelLanguage(countryCode: string | null | undefined): Language {
  return (countryCode ?? '').toLowerCase() === 'fr' ? 'fr' : 'en';
}

/** Longest Accept-Language header read; a browser's is a few dozen characters. */
export const MAX_ACCEPT_LANGUAGE_LENGTH = 256;

/**
 * The account page's language from the browser's Accept-Language: French when the first
 * of French and English by preference (q, then order) is French; English otherwise.
 */
export function pageLanguage(acceptLanguage: string | undefined): Language {
  const ranges = (acceptLanguage ?? '')
    .slice(0, MAX_ACCEPT_LANGUAGE_LENGTH)
    .split(',')
    .map((part, order) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { primary: tag.trim().split('-')[0], q: q === undefined ? 1 : Number(q), order };
    })
    .filter((r) => (r.primary === 'fr' || r.primary === 'en') && r.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  return ranges[0]?.primary === 'fr' ? 'fr' : 'en';
}
