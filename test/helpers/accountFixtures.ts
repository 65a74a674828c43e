/**
 * Set-up shared by the account and contact test files: passwords that must never reach a
 * log line, the login form, and logged-in people with address books.
 */
import type { Express } from 'express';
import type { Agent } from 'supertest';
import { androidBody, createUser, loginAgent, sha256Hex } from './factories';

/** Every password a test file sends, to check at the end that no log line holds one. */
export class SentSecrets {
  private readonly sent: string[] = [];

  /** A fresh SHA-256 hex password, remembered. */
  password(label: string): string {
    return this.add(sha256Hex(`typed ${label} ${Math.random()}`));
  }

  add(secret: string): string {
    this.sent.push(secret);
    return secret;
  }

  /** Asserts that the captured log lines hold no sent password and no bcrypt hash. */
  expectNoneIn(logLines: string[]): void {
    const logs = logLines.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const s of this.sent) expect(logs).not.toContain(s);
    expect(logs).not.toMatch(/\$2[aby]\$\d\d\$/);
  }
}

/** The Android login form with a device token. */
export const loginFields = (email: string, pw: string) => ({
  email,
  password: pw,
  os: 'android',
  reg_id: 'fcm-token',
});

export interface Person {
  id: string;
  email: string;
  phone?: string;
  agent: Agent;
}

export interface PersonOptions {
  /** false: no phone number (no device); a number from the file's series otherwise. */
  phone?: boolean;
  countryCode?: string;
  facebookId?: string;
  facebookName?: string;
}

/**
 * Logged-in people for one test file; `phonePrefix` (e.g. `0033650`) keeps each file's
 * numbers apart from the others' on the shared database.
 */
export function people(app: () => Express, phonePrefix: string) {
  let seq = 0;
  const nextPhone = () => `${phonePrefix}${String(++seq).padStart(6, '0')}`;
  const person = async (opts: PersonOptions = {}): Promise<Person> => {
    const u = await createUser({
      phone: opts.phone === false ? undefined : nextPhone(),
      countryCode: opts.countryCode,
      facebookId: opts.facebookId,
      facebookName: opts.facebookName,
    });
    return { id: u.id, email: u.email, phone: u.phone, agent: await loginAgent(app(), u.email, u.password) };
  };
  const upload = (p: Person, entries: { tel: string; name: string }[]) =>
    androidBody(p.agent.post('/upload_address_book'), { address_book: JSON.stringify(entries) });
  return { nextPhone, person, upload };
}
