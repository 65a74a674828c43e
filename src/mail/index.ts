/**
 * Picks the mail provider: SMTP through nodemailer when SMTP_URL is set, otherwise a
 * logging mailer that records the recipient and subject only (bodies may hold reset codes).
 */
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { isLoopbackHost } from '../domain/urls';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Mailer, MailMessage } from './mailer';

/**
 * nodemailer's options for SMTP_URL. Mail carries reset codes: to any host but this
 * machine, a plain smtp:// connection must upgrade with STARTTLS (requireTLS), so a
 * server or a man in the middle that drops STARTTLS gets an error, not the code.
 * smtps:// is TLS from the first byte.
 */
export function smtpOptions(url: string): SMTPTransport.Options & { url: string } {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  // nodemailer parses the URL itself (host, port, credentials, query options).
  return { url, requireTLS: !secure && !isLoopbackHost(parsed.hostname), tls: { minVersion: 'TLSv1.2' } };
}

export function createMailer(config: Config, logger: Logger): Mailer {
  if (!config.SMTP_URL) {
    if (config.NODE_ENV !== 'test') logger.warn('SMTP_URL is not set: emails are logged, not sent');
    return {
      send: (m: MailMessage) => {
        logger.info({ to: m.to, subject: m.subject }, 'email not sent (no SMTP_URL); body withheld');
        return Promise.resolve();
      },
    };
  }
  const transport = nodemailer.createTransport(smtpOptions(config.SMTP_URL), { from: config.MAIL_FROM });
  return {
    send: async (m: MailMessage) => {
      await transport.sendMail({ from: config.MAIL_FROM, to: m.to, subject: m.subject, text: m.text });
    },
    close: () => transport.close(),
  };
}

export type { Mailer, MailMessage };
