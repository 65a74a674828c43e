/**
 * The shape of the operator commands (`admin status`, `requeue`, `pause`…): the arguments
 * checked before any connection (exit 2 with the usage when they are wrong), then one
 * call of the console's services (src/services/ops) as `cli@<dyno or host>`, its answer
 * printed as text or, with --json, as one JSON document on stdout. An AppError from a
 * service is its reason on stderr and exit 1.
 */
import os from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../../../src/config';
import { AppError } from '../../../src/errors';
import type { Actor } from '../../../src/services/ops/actions';
import { withDatabase, type AdminContext } from '../database';

export interface AdminCommand {
  /** `requeue <id> | --reason R`: the command and its arguments. */
  syntax: string;
  summary: string;
  run: (args: string[]) => Promise<number>;
}

/** A wrong argument: its reason and the usage on stderr, exit code 2. */
export class UsageError extends Error {}

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** What a command did: printed as `text`, or `json` with --json; `ok` false exits 1. */
export interface Answer {
  text: string;
  json: unknown;
  ok: boolean;
}

export interface OpsCommandSpec<A> {
  syntax: string;
  summary: string;
  /** Flags besides --json (which every operator command takes). */
  options?: ParseArgsConfig['options'];
  /** Checks and converts the arguments; throws UsageError. */
  parse: (args: ParsedArgs) => A;
  run: (ctx: AdminContext, args: A, by: Actor) => Promise<Answer>;
}

/** Who acts from the command line, in the action log: the Heroku dyno (run.1234) or the host. */
export function cliActor(config: Config): Actor {
  return `cli@${config.DYNO ?? os.hostname()}`;
}

const isParseArgsError = (err: unknown) =>
  err instanceof TypeError && String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_');

function parse<A>(spec: OpsCommandSpec<A>, argv: string[]): { args: A; json: boolean } {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean' }, ...spec.options },
    allowPositionals: true,
    strict: true,
  });
  const flags = values as ParsedArgs['values'];
  return { args: spec.parse({ values: flags, positionals }), json: flags.json === true };
}

export function opsCommand<A>(spec: OpsCommandSpec<A>): AdminCommand {
  const run = async (argv: string[]): Promise<number> => {
    let parsed: { args: A; json: boolean };
    try {
      parsed = parse(spec, argv);
    } catch (err) {
      if (!(err instanceof UsageError) && !isParseArgsError(err)) throw err;
      process.stderr.write(`${(err as Error).message}\nusage: npm run admin -- ${spec.syntax}\n`);
      return 2;
    }
    return withDatabase('admin', async (ctx) => {
      let answer: Answer;
      try {
        answer = await spec.run(ctx, parsed.args, cliActor(ctx.config));
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        process.stderr.write(`${err.reason}\n`);
        return 1;
      }
      process.stdout.write(parsed.json ? `${JSON.stringify(answer.json, null, 2)}\n` : `${answer.text}\n`);
      return answer.ok ? 0 : 1;
    });
  };
  return { syntax: spec.syntax, summary: spec.summary, run };
}

/** The positionals, exactly `names.length` of them (named in the message when missing). */
export function positionals(args: ParsedArgs, ...names: string[]): string[] {
  if (args.positionals.length < names.length)
    throw new UsageError(`missing ${names.slice(args.positionals.length).join(' and ')}`);
  if (args.positionals.length > names.length)
    throw new UsageError(`unexpected argument ${args.positionals[names.length]}`);
  return args.positionals;
}
