import { smtpOptions } from '../../src/mail';
import { isHttpsOrLoopback, isLoopbackHost } from '../../src/domain/urls';
import { parseServiceAccount } from '../../src/push/fcmAuth';

describe('where secrets may travel', () => {
  it.each(['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]'])(
    'when the host is %s then it is loopback',
    (h) => {
      expect(isLoopbackHost(h)).toBe(true);
    },
  );

  it.each(['example.com', '10.0.0.1', '128.0.0.1', 'localhost.example.com', '127.0.0.1.nip.io'])(
    'when the host is %s then it is not loopback',
    (h) => {
      expect(isLoopbackHost(h)).toBe(false);
    },
  );

  it('when a URL is https, or http to loopback, then it is accepted; plain http elsewhere is not', () => {
    expect(isHttpsOrLoopback('https://oauth2.googleapis.com/token')).toBe(true);
    expect(isHttpsOrLoopback('http://127.0.0.1:8080/token')).toBe(true);
    expect(isHttpsOrLoopback('http://oauth2.googleapis.com/token')).toBe(false);
    expect(isHttpsOrLoopback('ftp://127.0.0.1/')).toBe(false);
    expect(isHttpsOrLoopback('not a url')).toBe(false);
  });

  it("when the service account's token_uri is plain http to another host then FCM_CREDENTIALS is refused", () => {
    const account = { project_id: 'p', client_email: 'e', private_key: 'k' };
    expect(() =>
      parseServiceAccount(JSON.stringify({ ...account, token_uri: 'http://evil.example/token' })),
    ).toThrow(/token_uri must be https/);
    expect(
      parseServiceAccount(JSON.stringify({ ...account, token_uri: 'http://127.0.0.1:1/t' })).token_uri,
    ).toBe('http://127.0.0.1:1/t');
  });

  it('when SMTP is plain to another host then STARTTLS is required; loopback and smtps are left alone', () => {
    expect(smtpOptions('smtp://u:p@smtp.example.com:587')).toMatchObject({ requireTLS: true });
    expect(smtpOptions('smtp://127.0.0.1:2525')).toMatchObject({ requireTLS: false });
    expect(smtpOptions('smtps://u:p@smtp.example.com')).toMatchObject({ requireTLS: false });
  });
});
