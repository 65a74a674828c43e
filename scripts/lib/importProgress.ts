/**
 * Progress of the legacy import on stderr: a cli-progress bar on a terminal, and in a log
 * (not a TTY, e.g. a Heroku one-off dyno) a plain line every few seconds instead.
 */
import { SingleBar, Presets } from 'cli-progress';
import type { Progress } from '../import/stream';

const LINE_EVERY_MS = 5_000;

function terminalProgress(): Progress {
  let bar: SingleBar | undefined;
  return {
    begin(name, total) {
      bar = new SingleBar(
        {
          format: `${name.padEnd(13)} {bar} {percentage}% | {value}/{total} | {eta_formatted} left`,
          stream: process.stderr,
        },
        Presets.shades_classic,
      );
      bar.start(total, 0);
    },
    advance: (n) => bar?.increment(n),
    end() {
      bar?.stop();
      bar = undefined;
    },
  };
}

function logProgress(): Progress {
  let name = '';
  let total = 0;
  let done = 0;
  let last = 0;
  const line = () => process.stderr.write(`${new Date().toISOString()} ${name}: ${done}/${total}\n`);
  return {
    begin(n, t) {
      [name, total, done, last] = [n, t, 0, Date.now()];
      process.stderr.write(`${new Date().toISOString()} ${name}: reading about ${total} records\n`);
    },
    advance(n) {
      done += n;
      if (Date.now() - last >= LINE_EVERY_MS) {
        last = Date.now();
        line();
      }
    },
    end: line,
  };
}

export function importProgress(): Progress {
  return process.stderr.isTTY ? terminalProgress() : logProgress();
}
