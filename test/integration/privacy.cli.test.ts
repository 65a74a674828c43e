/**
 * `npm run admin -- export-user|delete-user <email|id>` (scripts/admin.ts), run as the
 * operator runs it, against the test database: the same export and deletion as the
 * account page, a deletion that died halfway finished by running the command again, and
 * the exit codes.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DELETION_STEPS } from '../../src/services/privacy/deletion';
import { buildTestApp, type TestApp } from '../helpers/app';
import { pageCall, pageSignIn } from '../helpers/accountPage';
import { useTestDatabase } from '../helpers/db';
import { runAdmin } from '../helpers/opsCli';
import { buildWorld, recordsOf, type World } from '../helpers/privacyWorld';

const db = useTestDatabase();
jest.setTimeout(90_000);
let t: TestApp;
let w: World;

/** The command as `npm run admin -- …` runs it (tsx), with the operator's environment. */
const admin = (...args: string[]) => runAdmin(db.uri(), args);

beforeAll(async () => {
  t = buildTestApp();
  w = await buildWorld(t.app, '00336440');
});

describe('admin export-user', () => {
  it('when given an email then it prints the same export as the page downloads', async () => {
    const page = await pageSignIn(t.app, w.sam.email, w.sam.password);
    const run = await admin('export-user', w.sam.email.toUpperCase());
    expect(run.code).toBe(0);
    const fromCli = JSON.parse(run.stdout);
    const fromPage = JSON.parse((await pageCall(page, 'get', '/account/export').expect(200)).text);
    const { exported_at: _a, ...cli } = fromCli;
    const { exported_at: _b, ...web } = fromPage;
    expect(cli).toEqual(web);
    expect(cli.messages_sent).toHaveLength(4);
  });

  it('when given an id and --out then it writes the file readable by its owner only', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'export-')), 'rita.json');
    const run = await admin('export-user', w.rita.id, '--out', file);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`exported ${w.rita.id}`);
    expect(JSON.parse(readFileSync(file, 'utf8')).account.email).toBe(w.rita.email);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('when the account does not exist then it exits 1 and says so', async () => {
    const run = await admin('export-user', 'nobody@example.com');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no account with the email or id nobody@example.com');
  });
});

describe('admin delete-user', () => {
  it('when a deletion died halfway then running the command finishes it, and again finds nothing', async () => {
    for (const step of DELETION_STEPS.slice(0, 4)) await step.run(w.bob.oid, new Date());
    const run = await admin('delete-user', w.bob.email);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `^deleted account ${w.bob.id} \\(finishing an interrupted deletion\\): mark 0, sessions 0, `,
      ),
    );
    expect(await recordsOf(w.bob, [], [])).toMatchObject({
      users: 0,
      sessions: 0,
      phone_owners: 0,
      address_book_entries: 0,
      messages_received: 0,
    });

    const again = await admin('delete-user', w.bob.id);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to delete');
  });

  it('when given an id then it deletes like the page: everything of the account, delivered messages kept', async () => {
    const run = await admin('delete-user', w.sam.id);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^deleted account [0-9a-f]{24}: mark 1, sessions [1-9]/);
    const { messages_sent_delivered, ...rest } = await recordsOf(w.sam, w.samResetCodes, w.samDoomed);
    expect(Object.values(rest).every((n) => n === 0)).toBe(true);
    expect(messages_sent_delivered).toBe(1);
  });
});

describe('admin', () => {
  it.each([[[]], [['rotate-everything']], [['delete-user']], [['export-user', 'a@b.c', '--out']]])(
    'when called as %p then it prints the usage and exits 2',
    async (args) => {
      const run = await admin(...args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/usage:/);
    },
  );
});
