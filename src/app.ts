/**
 * Builds the Express app from its dependencies. It never connects or listens: the
 * server entry and the tests do that.
 */
import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { useDataKeys } from './crypto/current';
import type { AppDeps } from './deps';
import { serializeError } from './logger';
import { AppError, errorHandler } from './http/errors';
import { parseQuery } from './http/form';
import { methodNotAllowed } from './http/methods';
import { createWebMetrics } from './http/metrics';
import { readWorkerSeries } from './http/workerMetrics';
import { sessionMiddleware } from './http/session';
import { routes } from './routes';

export type { AppDeps };

export function createApp(deps: AppDeps): Express {
  // The models encrypt with the process's keys; an app built in-process (tests, bench,
  // fuzz) has no openDatabase to load them.
  useDataKeys(deps.config);
  const app = express();
  const metrics = createWebMetrics({
    dyno: deps.config.DYNO,
    workerSeries: () => readWorkerSeries({ logger: deps.logger, now: deps.now }),
  });
  app.disable('x-powered-by');
  app.set('query parser', parseQuery);
  app.set('trust proxy', deps.config.TRUST_PROXY_HOPS || (deps.config.COOKIE_SECURE ? 1 : false));

  app.use(metrics.middleware);
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      // The query string may carry an email; log the path only.
      serializers: {
        err: serializeError,
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split('?')[0],
        }),
      },
      // A 503 (the database failing or busy, the bcrypt queue full) is the service shedding
      // load, which the apps retry: a warning, its cause logged by the error middleware.
      customLogLevel: (_req, res, err) =>
        res.statusCode === 503
          ? 'warn'
          : err || res.statusCode >= 500
            ? 'error'
            : res.statusCode >= 400
              ? 'info'
              : 'debug',
    }),
  );
  app.use(
    helmet({
      // The apps talk plain HTTP; only advertise HSTS when the deployment is HTTPS-only.
      strictTransportSecurity: deps.config.COOKIE_SECURE,
      contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    }),
  );
  app.use(sessionMiddleware(deps.config, deps.connection, deps.logger, deps.now));

  const router = routes(deps, metrics);
  app.use(router);

  // Bodies are read by the routes that take one (src/http/form.ts): a wrong method (405)
  // or an unknown path (404) is answered without reading its body.
  app.use(methodNotAllowed(router));
  app.use((_req, _res, next) => next(AppError.notFound('no such route')));
  app.use(errorHandler);
  return app;
}
