/**
 * Pushes to Android phones paced to what the web processes can log in (README "The
 * wake-up wave"): Android keeps its cookie in memory only, so each push that wakes a closed
 * app is a login, and a refused one leaves that phone blind. The web processes publish
 * their login capacity (src/models/webState.ts); this worker's share of it is
 * PUSH_PACING_SHARE x their sum / the live workers, read again every REFRESH_MS. Each
 * Android push gets a slot at that rate, remembered by job: a slot within HOLD_MS is
 * waited for (the claim's lease outlasts it), a later one reschedules the job to just
 * before its slot, where it finds the same slot again. iOS pushes cost no login and are
 * not paced; nor is anything when no web process has published (tests, a web outage).
 */
import { WebState } from '../../src/models/webState';
import { WorkerState } from '../../src/models/workerBeat';

export interface PacingSettings {
  /** Share of the web processes' login capacity the workers use (0: no pacing). */
  share: number;
  /** A web or worker state older than this is not counted. */
  staleMs: number;
}

export const HOLD_MS = 5_000;
const REFRESH_MS = 5_000;
/** Slots remembered for rescheduled jobs (a burst's worth; the oldest go first). */
const MAX_RESERVATIONS = 100_000;

export interface PacingView {
  /** Android pushes a second this worker allows; undefined when not pacing. */
  rate?: number;
  webs: number;
  workers: number;
}

export class AndroidPacer {
  private view: PacingView = { webs: 0, workers: 1 };
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private refreshing?: Promise<void>;
  private nextSlot = 0;
  private readonly reservations = new Map<string, number>();

  constructor(
    private readonly settings: PacingSettings,
    private readonly now: () => number,
  ) {}

  /** What the last read found (the heartbeat reports it, the console shows it). */
  get current(): PacingView {
    return this.view;
  }

  /** When the Android push of `jobId` may go (ms); now when not pacing. */
  async slotFor(jobId: string): Promise<number> {
    await this.refresh();
    const now = this.now();
    const { rate } = this.view;
    if (rate === undefined) return now;
    const reserved = this.reservations.get(jobId);
    if (reserved !== undefined) {
      this.reservations.delete(jobId);
      return reserved;
    }
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / rate;
    if (slot - now > HOLD_MS) {
      this.reservations.set(jobId, slot);
      while (this.reservations.size > MAX_RESERVATIONS) {
        this.reservations.delete(this.reservations.keys().next().value!);
      }
    }
    return slot;
  }

  private async refresh(): Promise<void> {
    if (this.settings.share <= 0) return;
    if (this.now() - this.refreshedAt < REFRESH_MS) return;
    this.refreshing ??= this.read().finally(() => (this.refreshing = undefined));
    await this.refreshing;
  }

  private async read(): Promise<void> {
    const since = new Date(this.now() - this.settings.staleMs);
    const [webs, workers] = await Promise.all([
      WebState.find({ at: { $gt: since } }, { login_capacity: 1 }).lean(),
      WorkerState.countDocuments({ at: { $gt: since } }),
    ]);
    const capacity = webs.reduce((sum, w) => sum + (w.login_capacity ?? 0), 0);
    const live = Math.max(1, workers);
    this.view = {
      rate:
        webs.length > 0 && capacity > 0 ? Math.max(1, (this.settings.share * capacity) / live) : undefined,
      webs: webs.length,
      workers: live,
    };
    this.refreshedAt = this.now();
  }
}
