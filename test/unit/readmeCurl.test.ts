/**
 * The README's curl examples cover every endpoint: each path and method of the OpenAPI
 * description (web) and of the worker's metrics port has an example, and every example
 * names one of them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { openapiDocument } from '../../src/openapi';
import { WORKER_ROUTES } from '../../workers/metricsServer';

const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
const BEGIN = '<!-- curl-examples:begin -->';
const END = '<!-- curl-examples:end -->';

/** Each curl command of the examples block, continuation lines joined, comments dropped. */
function curlCommands(): string[] {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${BEGIN} … ${END} markers`);
  return readme
    .slice(start, end)
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.replace(/\s+#\s.*$/, ''))
    .filter((line) => /(^|\$\()curl\s/.test(line));
}

/** "METHOD /path" with the base variable the command is sent to ($API or $WORKER). */
function endpointOf(command: string): { base: string; route: string } {
  const urls = [...command.matchAll(/"?\$(API|WORKER)(\/[^\s"?]*)/g)];
  if (urls.length !== 1) throw new Error(`expected one $API or $WORKER URL in: ${command}`);
  const explicit = /\s-X\s+([A-Z]+)/.exec(command)?.[1];
  const method = explicit ?? (/\s(-d|--data[\w-]*)\s/.test(command) ? 'POST' : 'GET');
  return { base: urls[0]![1]!, route: `${method} ${urls[0]![2]}` };
}

const routesOf = (base: string) =>
  [
    ...new Set(
      curlCommands()
        .map(endpointOf)
        .filter((e) => e.base === base)
        .map((e) => e.route),
    ),
  ].sort();

describe('the README curl examples', () => {
  it('every endpoint of the OpenAPI description has an example, and no example names another', () => {
    const { paths } = openapiDocument(loadConfig({ NODE_ENV: 'test' }));
    const described = Object.entries(paths as Record<string, object>)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(routesOf('API')).toEqual(described);
  });

  it("every route of the worker's metrics port has an example, and no example names another", () => {
    expect(routesOf('WORKER')).toEqual([...WORKER_ROUTES].sort());
  });

  it('form bodies are sent as forms and JSON fields percent-encoded', () => {
    for (const command of curlCommands()) {
      expect(command).not.toMatch(/-H\s+["']?Content-Type: application\/json/i);
      for (const json of command.matchAll(/\s-d\s+'?(\w+)=[[{]/g)) {
        throw new Error(`JSON field ${json[1]} sent with -d instead of --data-urlencode: ${command}`);
      }
    }
  });
});
