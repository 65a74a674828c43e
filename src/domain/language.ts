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
