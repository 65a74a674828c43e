/**
 * The account page in real headless Chromium (README "Privacy"), on a phone-sized screen:
 * sign in (a wrong password first), the account shown, "Download my data" and the file it
 * saves, sign out, then "Delete my account" to the end, and the 401s after it; the French
 * page; the page's own SHA-256 for plain-HTTP pages. Controls are found by their
 * accessible names, as an outside test does. No request leaves the app's origin and the
 * page logs no error (a CSP violation would be one). Screenshots of each state go to
 * test-artifacts/screenshots/ (git-ignored).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { buildTestApp, type TestApp } from '../helpers/app';
import { horizontalOverflow, screenshot, serveApp, useBrowser, type ServedApp } from '../helpers/browser';
import { androidBody } from '../helpers/factories';
import { buildWorld, type World } from '../helpers/privacyWorld';
import { useTestDatabase } from '../helpers/db';

useTestDatabase();
jest.setTimeout(90_000);

let t: TestApp;
let w: World;
let served: ServedApp;
const browser = useBrowser(() => served.origin);
const shots: string[] = [];

beforeAll(async () => {
  t = buildTestApp();
  w = await buildWorld(t.app, '00336430');
  served = await serveApp(t.app);
});

afterAll(async () => {
  await served?.close();
});

afterEach(() => {
  // Everything the page loaded came from the app, and nothing went wrong in it.
  expect(browser.foreignRequests()).toEqual([]);
  expect(browser.pageErrors()).toEqual([]);
});

async function openPage() {
  const page = browser.page();
  await page.goto(`${served.origin}/account`);
  return page;
}

async function signIn(email: string, typedPassword: string) {
  const page = browser.page();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(typedPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('the account page in Chromium', () => {
  it('when a wrong password is typed then the page says so and stays on the sign-in form', async () => {
    const page = await openPage();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    shots.push(await screenshot(page, '01-sign-in'));
    await signIn(w.sam.email, 'not my password');
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    shots.push(await screenshot(page, '02-wrong-password'));
    expect(await page.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(true);
  });

  it('when signed in then the email, the phone number and the waiting messages are shown, on a phone screen', async () => {
    const page = await openPage();
    await signIn(`  ${w.sam.email.toUpperCase()}`, w.sam.typed);
    await page.getByRole('button', { name: 'Download my data' }).waitFor();
    const text = await page.locator('main').innerText();
    expect(text).toContain(w.sam.email);
    expect(text).toContain(w.sam.phone);
    expect(text).toMatch(/Messages waiting to be delivered to you\s*1/);
    expect(text).toMatch(/Messages you sent still waiting to be delivered\s*2/);
    // Nothing wider than the screen: no sideways scrolling on a phone.
    const overflow = await horizontalOverflow(page);
    expect(overflow).toBeLessThanOrEqual(0);
    const cookie = (await browser.context().cookies()).find((c) => c.name === 'session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    shots.push(await screenshot(page, '03-signed-in'));

    // A reload keeps the session: the page asks who is signed in.
    await page.reload();
    await page.getByRole('button', { name: 'Download my data' }).waitFor();
  });

  it('when "Download my data" is clicked then a JSON file of the account is saved', async () => {
    const page = await openPage();
    await signIn(w.sam.email, w.sam.typed);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download my data' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^pictever-data-\d{4}-\d{2}-\d{2}\.json$/);
    const data = JSON.parse(readFileSync(await download.path(), 'utf8'));
    expect(data.account.email).toBe(w.sam.email);
    expect(data.devices[0].phone).toBe(w.sam.phone);
    expect(data.messages_sent.map((m: { message: string }) => m.message)).toContain(w.texts.keptAtRita);
    expect(data.messages_received.map((m: { message: string }) => m.message)).toEqual([
      w.ritaToSam.delivered,
    ]);
    expect(JSON.stringify(data)).not.toContain(w.bob.email);
    await page.getByText('Your data was downloaded.').waitFor();
    shots.push(await screenshot(page, '04-downloaded'));
  });

  it('when "Sign out" is clicked then the sign-in form comes back and a reload stays signed out', async () => {
    const page = await openPage();
    await signIn(w.sam.email, w.sam.typed);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  it('when the French-speaking browser opens it then it is in French', async () => {
    const context = await browser
      .context()
      .browser()!
      .newContext({ locale: 'fr-FR', viewport: { width: 390, height: 844 } });
    try {
      const page = await context.newPage();
      await page.goto(`${served.origin}/account`);
      await page.getByRole('button', { name: 'Se connecter' }).waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('fr');
      await page.getByLabel('Adresse e-mail').fill(w.sam.email);
      await page.getByLabel('Mot de passe').fill('faux');
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page
        .getByRole('alert')
        .filter({ hasText: 'Adresse e-mail ou mot de passe incorrect.' })
        .waitFor();
      shots.push(await screenshot(page, '05-french-wrong-password'));
    } finally {
      await context.close();
    }
  });

  it("when the page has no crypto.subtle (plain HTTP) then its own SHA-256 gives the apps' hex", async () => {
    const page = await openPage();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const inputs = ['', 'abc', 'pässwörd 🙂', 'x'.repeat(1000)];
    const got = await page.evaluate(
      (list) =>
        list.map((s) =>
          (globalThis as unknown as { picteverSha256Hex(b: Uint8Array): string }).picteverSha256Hex(
            new TextEncoder().encode(s),
          ),
        ),
      inputs,
    );
    expect(got).toEqual(inputs.map((s) => createHash('sha256').update(s).digest('hex')));
  });

  it('when "Delete my account" is confirmed with the email then the page says it is done, and every old session and the login get 401', async () => {
    const page = await openPage();
    await signIn(w.sam.email, w.sam.typed);
    await page.getByRole('button', { name: 'Delete my account' }).click();
    const confirm = page.getByLabel('Type your email to confirm');
    await confirm.fill('someone.else@example.com');
    await page.getByRole('button', { name: 'Delete permanently' }).click();
    await page.getByText('This is not the email of this account.').waitFor();
    await confirm.fill(w.sam.email);
    shots.push(await screenshot(page, '06-delete-confirm'));
    const pageCookie = (await browser.context().cookies()).find((c) => c.name === 'session')!;

    await page.getByRole('button', { name: 'Delete permanently' }).click();
    await page.getByRole('heading', { name: 'Account deleted' }).waitFor();
    shots.push(await screenshot(page, '07-deleted'));

    await request(t.app).get('/account/me').set('Cookie', `session=${pageCookie.value}`).expect(401);
    await w.sam.agent.get('/receive_all?ts=0').expect(401);
    const login = { email: w.sam.email, password: w.sam.password, os: 'android', reg_id: 'x' };
    await androidBody(request(t.app).post('/login'), login).expect(401);
    // A reload shows the sign-in form; the same email can sign up again.
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await androidBody(request(t.app).post('/signup'), {
      email: w.sam.email,
      password: w.sam.password,
    }).expect(200);
  });

  afterAll(() => {
    process.stdout.write(`screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}\n`);
  });
});
