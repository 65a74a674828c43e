/**
 * The fast part of the fuzz run (npm run fuzz does 10,000+): 300 malformed requests with
 * a fixed seed across every route, logged in and not; no 5xx, every 4xx with a reason,
 * nothing half-stored, no secret in a log line or an answer.
 */
import { fuzzPass, type FuzzReport } from '../../scripts/lib/hardeningFuzzRun';
import { useTestDatabase } from '../helpers/db';

useTestDatabase();
let report: FuzzReport;

beforeAll(async () => {
  report = await fuzzPass({ count: 300, seed: 1, concurrency: 8 });
}, 50_000);

describe('fuzzing every route with malformed requests', () => {
  // Seed 1 sends GETs whose URL is over 16 KB (and, since the console joined the
  // description, is the seed whose routes include /send: seed 9 no longer reached it). Node's parser refuses them before the app;
  // answerClientError (src/http/errors.ts, also the web process's listener) answers 431
  // with a reason and closes gracefully. With Node's default (answer, then destroy with the
  // client's bytes unread) the kernel resets the connection, and Node 24's client reported
  // `read ECONNRESET` instead of the 431 on three of them: the run's former failure there.
  it('when 300 requests are sent then all of them are answered, none with a 5xx', () => {
    expect(report.requests).toBe(300);
    expect(report.answerProblems).toEqual([]);
    expect(Object.keys(report.statuses).filter((s) => s === 'no answer' || Number(s) >= 500)).toEqual([]);
    expect(report.statuses['431']).toBeGreaterThan(0);
  });

  it('when the run is over then the database holds nothing half-stored', () => {
    expect(report.db.problems).toEqual([]);
    expect(report.db.trackedSends).toBeGreaterThan(0);
  });

  it('when logs and answers are scanned then no password hash, token, code or session id shows', () => {
    expect(report.logLines).toBeGreaterThan(300);
    expect(report.leaks).toEqual([]);
  });
});
