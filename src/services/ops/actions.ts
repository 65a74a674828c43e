/**
 * The operators' action log (src/models/opsAction.ts): every console or command-line
 * action goes through recordAction, and the console shows the newest.
 */
import { OpsAction, type OpsActionKind } from '../../models/opsAction';

/** Who acts: an operator session's name, or `cli@<dyno or host>`. */
export type Actor = string;

export interface ActionEntry {
  at: Date;
  by: string;
  action: OpsActionKind;
  target: string;
  result: string;
  ok: boolean;
}

export async function recordAction(entry: ActionEntry): Promise<void> {
  await OpsAction.create(entry);
}

export function recentActions(limit = 20): Promise<ActionEntry[]> {
  return OpsAction.find({}, { _id: 0 }).sort({ at: -1 }).limit(limit).lean<ActionEntry[]>().exec();
}
