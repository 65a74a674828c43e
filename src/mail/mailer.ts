/** The one way the service sends email. Providers: SMTP (nodemailer) or a logging one. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** Resolves when the provider accepted the message; rejects on failure. */
  send(message: MailMessage): Promise<void>;
  close?(): Promise<void> | void;
}
