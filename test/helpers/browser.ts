/**
 * Real headless Chromium for the browser tests (test/browser/), driven by playwright-core.
 * The browser is Debian's `chromium` package (scripts/ci/chromium.sh installs it); nothing
 * is ever downloaded (no `playwright install`). Without the networking flags below, the
 * closed network of the test machines makes Chromium hang at start.
 *
 * useBrowser(): one browser per test file, a fresh context (cookies, storage) per test,
 * every request to another origin and every console error of the page recorded, so that a
 * test can assert there were none (no third-party request, no CSP violation, no asset
 * missing; a 4xx the page's own fetch got and handles is not an error).
 * serveApp(): the Express app listening on a free loopback port. screenshot(): a PNG of
 * the page in the git-ignored test-artifacts/screenshots/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Express } from 'express';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const SCREENSHOT_DIR = path.resolve(__dirname, '../../test-artifacts/screenshots');

/** A phone's screen (CSS pixels of a common 6" phone). */
export const PHONE_VIEWPORT = { width: 390, height: 844 };

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: run scripts/ci/chromium.sh (apt-get install -y chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    timeout: 60_000,
  });
}

export interface BrowserTest {
  page(): Page;
  context(): BrowserContext;
  /** Requests the page made to any origin but `allowedOrigin` (set by serveApp's caller). */
  foreignRequests(): string[];
  /** Console errors and uncaught exceptions of the page (CSP violations are console errors). */
  pageErrors(): string[];
}

/** `origin()`: the app's origin, read when each test starts. */
export function useBrowser(origin: () => string, options: BrowserContextOptions = {}): BrowserTest {
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let foreign: string[] = [];
  let errors: string[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 90_000);
  beforeEach(async () => {
    foreign = [];
    errors = [];
    context = await browser!.newContext({ viewport: PHONE_VIEWPORT, locale: 'en-US', ...options });
    page = await context.newPage();
    page.on('request', (req) => {
      const url = req.url();
      if (!url.startsWith(`${origin()}/`) && !url.startsWith('blob:') && !url.startsWith('data:')) {
        foreign.push(url);
      }
    });
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      // A 4xx answer the page asked for and handles (a 401 when signed out) is logged by
      // Chromium as a failed load; a missing script or style is not one of them.
      const answered = /^Failed to load resource: the server responded with a status of 4\d\d/;
      if (answered.test(msg.text()) && !/\.(js|css|svg|png)(\?|$)/.test(msg.location().url)) return;
      errors.push(`${msg.text()} (${msg.location().url})`);
    });
    page.on('pageerror', (err) => errors.push(err.message));
  });
  afterEach(async () => {
    await context?.close();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    page: () => page!,
    context: () => context!,
    foreignRequests: () => foreign,
    pageErrors: () => errors,
  };
}

export interface ServedApp {
  origin: string;
  close(): Promise<void>;
}

/** The app on a free loopback port (closed by `close`). */
export function serveApp(app: Express): Promise<ServedApp> {
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(0, '127.0.0.1', (err?: Error) => {
      if (err) {
        reject(err);
        return;
      }
      const { port } = server.address() as AddressInfo;
      resolve({
        origin: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Saves a full-page PNG named `name` in SCREENSHOT_DIR; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** How many CSS pixels the page is wider than its window (0 or less: no sideways scrolling). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const g = globalThis as unknown as {
      innerWidth: number;
      document: { documentElement: { scrollWidth: number } };
    };
    return g.document.documentElement.scrollWidth - g.innerWidth;
  });
}
