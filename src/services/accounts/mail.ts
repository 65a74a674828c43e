/**
 * Account emails (welcome, reset code, password changed). A failed email never fails the
 * request that caused it: the request has done its work, and an SMTP outage must not turn
 * signups into errors. The failure is logged without the body (it may hold a reset code)
 * and dropped.
 */
import type { Logger } from '../../logger';
import type { Mailer } from '../../mail/mailer';
import { renderTemplate } from '../../mail/templates';
import type { Language } from '../../domain/language';

export interface MailDeps {
  mailer: Mailer;
  logger: Logger;
}

/**
 * Renders and hands the email to the mailer without waiting for the provider, so a slow
 * SMTP server does not slow the request (the apps would time out and retry). The returned
 * promise never rejects; tests may await it.
 */
export function sendAccountMail(
  deps: MailDeps,
  template: 'welcome' | 'reset' | 'password_changed',
  lang: Language,
  to: string,
  vars: Record<string, string> = {},
): Promise<void> {
  const { subject, text } = renderTemplate(template, lang, vars);
  return deps.mailer.send({ to, subject, text }).then(
    () => deps.logger.debug({ template }, 'email sent'),
    (err: unknown) => {
      const e = err as { message?: unknown; code?: unknown; responseCode?: unknown };
      deps.logger.warn(
        { template, error: String(e?.message ?? err), code: e?.code, responseCode: e?.responseCode },
        'email failed and was dropped',
      );
    },
  );
}
