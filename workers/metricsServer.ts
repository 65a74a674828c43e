/**
 * The worker's optional HTTP listener (WORKER_METRICS_PORT): Prometheus metrics and
 * readiness, behind the operator token exactly as the web's operator routes (404 when no
 * OPERATOR_TOKEN is configured, 401 without the right bearer token).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Connection } from 'mongoose';
import type { Registry } from 'prom-client';
import { AppError } from '../src/errors';
import { errorHandler } from '../src/http/errors';
import { readinessHandler, requireOperator } from '../src/http/operator';

/** The routes it serves (the README's curl examples are checked against this list). */
export const WORKER_ROUTES = ['GET /metrics', 'GET /readyz'] as const;

export interface MetricsServerDeps {
  port: number;
  operatorToken: string | undefined;
  registry: Registry;
  connection: Connection;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

export function metricsApp(deps: Omit<MetricsServerDeps, 'port'>): express.Express {
  const app = express();
  const operator = requireOperator(deps.operatorToken);
  app.disable('x-powered-by');
  app.get('/metrics', operator, async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  app.get('/readyz', operator, readinessHandler(deps.connection));
  app.use((_req, _res, next) => next(AppError.notFound('no such route')));
  app.use(errorHandler);
  return app;
}

/** Listens on all interfaces (a scraper runs elsewhere); resolves once listening. */
export function startMetricsServer(deps: MetricsServerDeps): Promise<MetricsServer> {
  const app = metricsApp(deps);
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(deps.port, (err?: Error) => {
      if (err) return reject(err);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
