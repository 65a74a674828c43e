/**
 * Progress on stderr while the bench seeds and runs: one line rewritten in place on a
 * terminal, a line at most every 5 s otherwise (CI logs, redirected output).
 */
const TTY = process.stderr.isTTY;
let lastPlain = 0;
let open = false;

export function say(line: string): void {
  if (open) process.stderr.write('\n');
  open = false;
  process.stderr.write(`${line}\n`);
}

/** Shows `label done/total` (or just `label` when total is 0); call `endStep` after the last one. */
export function step(label: string, done = 0, total = 0): void {
  const text = total > 0 ? `${label} ${done}/${total} (${Math.floor((done / total) * 100)}%)` : label;
  if (TTY) {
    process.stderr.write(`\r\x1b[2K${text}`);
    open = true;
    return;
  }
  const now = Date.now();
  if (now - lastPlain >= 5_000 || (total > 0 && done >= total)) {
    lastPlain = now;
    process.stderr.write(`${text}\n`);
  }
}

export function endStep(): void {
  if (open) process.stderr.write('\n');
  open = false;
  lastPlain = 0;
}

/** Ticks `step` once a second while `work` runs (loads, waits). */
export async function during<T>(label: (elapsedS: number) => string, work: Promise<T>): Promise<T> {
  const started = Date.now();
  const timer = setInterval(() => step(label(Math.round((Date.now() - started) / 1000))), 1_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    endStep();
  }
}
