/**
 * The wake phase: a wave of closed Android phones (test/helpers/wakePhones.ts) whose
 * messages all fall due in one second. Every push the fake FCM accepts wakes its phone,
 * which has no cookie (Android keeps it in memory only): 401, one login, the GET again,
 * its phone book and the send choices; a login answered with anything but 200 leaves it
 * blind and its message unseen (CONTRACT §2). What the wave meets is a cold web process
 * (started for it, production mode, BCRYPT_COST's default) and one worker.
 *
 * Each phone logged in once before (its session stays in the store, as the app's last
 * launch left it) on a first web process, stopped before the wave. The phase ends when
 * every message was pushed and every woken phone is done, or `windowS` after the due
 * second, whatever is still waiting then (phones gone blind never finish by themselves).
 */
import os from 'node:os';
import { startWeb } from '../scripts/lib/stack';
import { commandCounter, type RequestCommands } from '../test/helpers/requestCommands';
import { loginEachOnce, WakeFleet, type PhoneAccount, type WakeReport } from '../test/helpers/wakePhones';
import { benchDb, connectBench } from './inProcess';
import { ourEnv, startOurWeb, startOurWorker } from './procs';
import { during, endStep, say, step } from './progress';
import { BCRYPT_COST, BENCH_PASSWORD_HEX, insertUsers, userDocs } from './seed';
import { insertMessages, markOf, messagesTo, pushesSince, sleep, workerEnv, type Providers } from './worker';

export interface WakeSpec {
  phones: number;
  /** How long after the due second the phase waits at most. */
  windowS: number;
}

export interface WakeResult {
  spec: WakeSpec;
  bcryptCost: number;
  /** Phones whose token the fake FCM was sent at least once. */
  pushed: number;
  fleet: Omit<WakeReport, 'notShown'>;
  notShown: number;
  /** How long before the due second the messages were stored. */
  seededAheadMs: number;
  /** When the phase stopped waiting, after the due second; whether all was done then. */
  endedAfterDueMs: number;
  finished: boolean;
  /** The wave web's database commands by request (test/helpers/requestCommandsPreload.cjs). */
  commands: RequestCommands;
  /** Load average (1, 5, 15 min) at the due second and at the end. */
  loadAtDue: number[];
  loadAtEnd: number[];
}

const ceilToSecond = (ms: number) => Math.ceil(ms / 1000) * 1000;

/** The set-up logins, on a web process of their own: the wave then meets a cold one. */
async function firstLogins(
  env: Record<string, string>,
  users: { email: string; device: { reg_id: string } }[],
) {
  const web = await startOurWeb(env);
  try {
    const accounts = users.map((u) => ({
      email: u.email,
      passwordHex: BENCH_PASSWORD_HEX,
      token: u.device.reg_id,
    }));
    return await during(
      (s) => `wake: each phone's login before the wave (${s} s)`,
      loginEachOnce(web.baseUrl, accounts, 4),
    );
  } finally {
    await web.handle.stop();
  }
}

/** Waits until every token was pushed and the fleet is idle, or the deadline. */
async function follow(
  p: Providers,
  fleet: WakeFleet,
  mark: ReturnType<typeof markOf>,
  tokens: Set<string>,
  deadline: number,
) {
  let pushed = 0;
  for (;;) {
    pushed = new Set(
      pushesSince(p, mark)
        .map((x) => x.token)
        .filter((t) => tokens.has(t)),
    ).size;
    step('wake: messages shown', fleet.report().shown, tokens.size);
    if ((pushed === tokens.size && fleet.idle()) || Date.now() > deadline) break;
    await sleep(250);
  }
  endStep();
  return pushed;
}

export async function runWake(
  uri: string,
  queryLogDir: string,
  p: Providers,
  spec: WakeSpec,
): Promise<WakeResult> {
  say(`== wake-up wave: ${spec.phones} closed Android phones, their messages all due in one second`);
  await connectBench(uri);
  const db = benchDb();
  const users = await userDocs(spec.phones, 'wake');
  const senders = await userDocs(5, 'sender');
  await insertUsers(db, [...users, ...senders], 'wake');
  const env = ourEnv(uri, queryLogDir);
  const accounts: PhoneAccount[] = await firstLogins(env, users);
  const worker = await startOurWorker(workerEnv(uri, queryLogDir, p));
  const counter = commandCounter();
  const { web, baseUrl } = await startWeb({ ...env, ...counter.env }, counter.onLine);
  const fleet = new WakeFleet(p.fcm, baseUrl, accounts);
  try {
    fleet.start();
    const mark = markOf(p);
    const due = ceilToSecond(Date.now() + 3_000);
    const messages = messagesTo(users, senders, () => due);
    await insertMessages(db, messages, 'wake');
    const seededAheadMs = due - Date.now();
    await sleep(due - Date.now());
    const loadAtDue = os.loadavg();
    const tokens = new Set(accounts.map((a) => a.token));
    const pushed = await follow(p, fleet, mark, tokens, due + spec.windowS * 1000);
    const finished = pushed === tokens.size && fleet.idle();
    const commands = await counter.read(web.child, 30_000);
    const { notShown, ...report } = fleet.report(messages.map((m) => m._id.toHexString()));
    return {
      spec,
      bcryptCost: BCRYPT_COST,
      pushed,
      fleet: report,
      notShown: notShown.length,
      seededAheadMs,
      endedAfterDueMs: Date.now() - due,
      finished,
      commands,
      loadAtDue,
      loadAtEnd: os.loadavg(),
    };
  } finally {
    fleet.stop();
    await Promise.all([web.stop(), worker.handle.stop()]);
  }
}
