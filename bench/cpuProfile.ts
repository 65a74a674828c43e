/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and sums self time: per function, and per
 * origin (our src/ and workers/, each npm package, Node internals, V8 and GC), as a share
 * of the busy time (idle excluded).
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds on the monotonic clock (the one process.hrtime reads). */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  busyMs: number;
  /** Self time per function. */
  functions: SelfTime[];
  /** Self time per origin (ours, a package, Node, V8, GC). */
  origins: SelfTime[];
  /** Time with the origin anywhere on the stack (a package calling the driver counts for both). */
  originsOnStack: SelfTime[];
  /** Time with our function anywhere on the stack. */
  oursOnStack: SelfTime[];
  /** False when the window did not overlap the profile and the whole profile was used. */
  windowed: boolean;
}

/** Where a function comes from, from its script URL. */
export function originOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : 'V8 / native';
  if (url.startsWith('node:')) return 'Node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return `npm ${pkg}`;
  const ours = /\/(src|workers|bench|scripts)\/(.+)$/.exec(url);
  return ours ? `ours ${ours[1]}/` : url;
}

function shortUrl(url: string): string {
  const pkg = /node_modules\/(.+)$/.exec(url)?.[1];
  if (pkg) return pkg;
  const ours = /\/((?:src|workers|bench|scripts)\/.+)$/.exec(url)?.[1];
  return ours ?? url.replace(/^node:/, 'node:');
}

function top(map: Map<string, number>, busy: number, n: number): SelfTime[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / busy }));
}

/** Function and place; our files lose their line (tsx runs them transpiled, lines do not match). */
function keyOf(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const line = originOf(frame).startsWith('ours') ? '' : `:${frame.lineNumber + 1}`;
  return `${name} ${shortUrl(frame.url)}${line}`;
}

const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);

/** Microseconds since an arbitrary point, on the clock of .cpuprofile timestamps. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Sums the samples taken within `window` (monotonicUs() values; the whole profile when
 * unset or when it does not overlap), so that start-up and shutdown stay out.
 */
export function summariseProfile(
  file: string,
  window?: { from: number; to: number },
  n = 12,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const windowed = window !== undefined && window.from < profile.endTime && window.to > profile.startTime;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const fns = new Map<string, number>();
  const origins = new Map<string, number>();
  const originsOnStack = new Map<string, number>();
  const oursOnStack = new Map<string, number>();
  let busy = 0;
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    t += us;
    if (windowed && (t < window.from || t > window.to)) return;
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') return;
    busy += us;
    add(fns, keyOf(frame), us);
    add(origins, originOf(frame), us);
    const stackOrigins = new Set<string>();
    const stackOurs = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)?.callFrame;
      if (!f || f.functionName === '(root)') continue;
      const origin = originOf(f);
      stackOrigins.add(origin);
      if (origin.startsWith('ours') && f.functionName) stackOurs.add(keyOf(f));
    }
    for (const key of stackOrigins) add(originsOnStack, key, us);
    for (const key of stackOurs) add(oursOnStack, key, us);
  });
  return {
    busyMs: busy / 1000,
    functions: top(fns, busy, n),
    origins: top(origins, busy, n),
    originsOnStack: top(originsOnStack, busy, n),
    oursOnStack: top(oursOnStack, busy, n),
    windowed,
  };
}
