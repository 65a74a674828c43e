/**
 * ASVS 9.1: mail carries reset codes, so a plain smtp:// connection to any host but this
 * machine must be upgraded with STARTTLS; a server (or a man in the middle) that does not
 * offer it gets no message. The real nodemailer client talks to a real SMTP server that
 * offers no STARTTLS, once through loopback and once through this machine's own network
 * address.
 */
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { SMTPServer } from 'smtp-server';
import { createMailer } from '../../src/mail';
import { captureLogger, testConfig } from '../helpers/app';

let server: SMTPServer;
let port: number;
const received: string[] = [];

/** An address of this machine that is not loopback (the CI machines have one). */
function ownAddress(): string {
  const found = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal);
  if (!found) throw new Error('this machine has no non-loopback IPv4 address to test with');
  return found.address;
}

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        received.push(session.envelope.rcptTo.map((r) => r.address).join(','));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const mail = (to: string) => ({ to, subject: 'Your code', text: 'ABCD' });

describe('SMTP without STARTTLS', () => {
  it('when the host is loopback then plain SMTP is allowed (local sinks and relays)', async () => {
    const mailer = createMailer(testConfig({ SMTP_URL: `smtp://127.0.0.1:${port}` }), captureLogger().logger);
    await mailer.send(mail('local@example.com'));
    await mailer.close?.();
    expect(received).toContain('local@example.com');
  });

  it('when the host is not loopback then the mail is refused instead of sent in clear', async () => {
    const mailer = createMailer(
      testConfig({ SMTP_URL: `smtp://${ownAddress()}:${port}` }),
      captureLogger().logger,
    );
    await expect(mailer.send(mail('remote@example.com'))).rejects.toThrow(/STARTTLS/i);
    await mailer.close?.();
    expect(received).not.toContain('remote@example.com');
  });
});
