/**
 * OpenAPI 3.1 description of the wire contract (../shared/CONTRACT.md), quirks included:
 * POST bodies are flat forms whatever the Content-Type, several fields carry JSON text,
 * answers are often plain text or empty, and every JSON value the apps read is a string.
 * Forms and queries are described from the routes' own zod schemas (fromZod), answers from
 * src/shapes.ts, limits from the configuration the server runs with. A test fails when a
 * route exists without a description here, or the reverse; scripts/ci/schemathesis.sh
 * checks the description against a running server. An operation whose success ends the
 * caller's session says `x-ends-session: true` (that check leaves those out).
 */
import type { Config } from '../config';
import { accountPagePaths } from '../pages/account/openapi';
import { opsConsolePaths, opsConsoleSecurity } from '../pages/ops/openapi';
import { accountPaths } from './accounts';
import { contactPaths, contactSchemas } from './contacts';
import { messagePaths } from './messages';
import { opsPaths } from './ops';

export function openapiDocument(config: Config) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Pictever API',
      version: '1.0.0',
      description:
        'Time-capsule messenger API used by the Pictever iOS 2.x and Android 1.1 apps. Paths are bare names at ' +
        'the root; a valid route never answers 404 or 500 (the apps reset their base URL on those). A path ' +
        'asked with a method it does not have answers 405 with `Allow`; an unknown path 404. HEAD works where ' +
        'GET does; OPTIONS on a known path answers 200 with `Allow`. Node refuses a malformed request (400), ' +
        'one not received in time (408) or a request line or headers over 16 KB (431) before any route.',
    },
    components: {
      securitySchemes: {
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'session',
          description: 'Set by POST /login; lives SESSION_MAX_AGE_DAYS from the login',
        },
        operator: { type: 'http', scheme: 'bearer', description: 'OPERATOR_TOKEN' },
        ...opsConsoleSecurity,
      },
      schemas: { ...contactSchemas },
    },
    paths: {
      ...opsPaths(),
      ...accountPaths(),
      ...messagePaths(config),
      ...contactPaths(),
      ...accountPagePaths,
      ...opsConsolePaths,
    },
  };
}

export type OpenapiDocument = ReturnType<typeof openapiDocument>;
