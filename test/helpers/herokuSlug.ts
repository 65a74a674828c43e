/**
 * What Heroku does with a push, on this machine: a slug built from the pushed files
 * (`npm run build` in a copy of the working tree, node_modules linked in), the Procfile
 * read, its commands run as dynos with their config vars, their JSON log lines kept.
 */
import { execFileSync, spawn } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(__dirname, '..', '..');

export interface Slug {
  dir: string;
  procfile: Record<string, string>;
  remove(): void;
}

/** Runs a command to its end; rejects with its output when it fails. */
export function run(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} exited ${String(code)}:\n${output}`)),
    );
  });
}

/** Copies the files a git push would send (tracked and new, not ignored) and builds them. */
export async function buildSlug(env: NodeJS.ProcessEnv): Promise<Slug> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pictever-slug-'));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT })
    .toString()
    .split('\0')
    .filter((f) => f !== '' && existsSync(path.join(ROOT, f)));
  for (const f of files) cpSync(path.join(ROOT, f), path.join(dir, f));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    await run('npm run build', dir, env);
  } catch (err) {
    remove();
    throw err;
  }
  const procfile = Object.fromEntries(
    readFileSync(path.join(dir, 'Procfile'), 'utf8')
      .split('\n')
      .map((l) => /^(\w+):\s*(.+)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
  return { dir, procfile, remove };
}

/**
 * The npm packages that the compiled files load, following relative requires from the
 * entries: on Heroku only `dependencies` are installed at run time.
 */
export function packagesLoaded(dir: string, entries: string[]): string[] {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)) {
      if (spec!.startsWith('.')) {
        const base = path.resolve(path.dirname(file), spec!);
        const found = [base, `${base}.js`, path.join(base, 'index.js')].find(
          (f) => existsSync(f) && statSync(f).isFile(),
        );
        if (found?.endsWith('.js')) visit(found);
      } else if (!spec!.startsWith('node:') && !builtinModules.includes(spec!)) {
        const parts = spec!.split('/');
        packages.add(spec!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
      }
    }
  };
  for (const entry of entries) visit(path.join(dir, entry));
  return [...packages].sort();
}

export interface DynoLog {
  msg?: string;
  level?: number;
  [key: string]: unknown;
}

export interface Dyno {
  logs: DynoLog[];
  text: string[];
  exited: Promise<number | null>;
  waitForLog(match: (l: DynoLog) => boolean, timeoutMs: number): Promise<DynoLog>;
  signal(signal: NodeJS.Signals): void;
}

/**
 * A Procfile command run as Heroku runs it, through a shell; `exec` makes the shell
 * become the command, so that a signal reaches it as Heroku's reaches every process of
 * the dyno (the Procfile's commands are single commands).
 */
export function startDyno(command: string, cwd: string, env: NodeJS.ProcessEnv): Dyno {
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: DynoLog[] = [];
  const text: string[] = [];
  const onLine = (line: string) => {
    try {
      logs.push(JSON.parse(line) as DynoLog);
    } catch {
      text.push(line);
    }
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  return {
    logs,
    text,
    exited,
    signal: (signal) => {
      if (!done) child.kill(signal);
    },
    async waitForLog(match, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = logs.find(match);
        if (found) return found;
        if (done || Date.now() > deadline) {
          throw new Error(
            `log line not seen (${done ? 'exited' : 'timed out'}); output:\n${text.join('\n')}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
