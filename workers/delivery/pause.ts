/**
 * The operators' pause switch as one worker sees it (src/models/opsSwitch.ts): read
 * before claiming, at most once per poll interval (a read by `_id`, which every database
 * serves from its index). While paused the loop claims nothing; pushes in flight finish,
 * and the queue waits untouched until delivery resumes.
 */
import { DELIVERY_SWITCH, OpsSwitch } from '../../src/models/opsSwitch';

export class PauseSwitch {
  private readAt = Number.NEGATIVE_INFINITY;
  private state = false;

  constructor(
    private readonly everyMs: number,
    private readonly now: () => number,
  ) {}

  /** Whether delivery was paused at the last read. */
  get paused(): boolean {
    return this.state;
  }

  /** Reads the switch if the last read is older than the interval; throws on database errors. */
  async check(): Promise<boolean> {
    const now = this.now();
    if (now - this.readAt < this.everyMs) return this.state;
    const doc = await OpsSwitch.findById(DELIVERY_SWITCH).lean();
    this.state = doc?.paused === true;
    this.readAt = now;
    return this.state;
  }
}
