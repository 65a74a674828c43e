/**
 * Prometheus metrics of the web process: requests by route and status, latency, and the
 * database reads tried twice (src/db/retryRead.ts).
 * The route label is the matched route pattern (never the raw URL), so its cardinality
 * is bounded by the route table. With DYNO set every series carries `dyno` (scraped
 * through Heroku's router, a scrape lands on any web dyno). A scrape also appends the
 * series of every worker, read from their heartbeats (src/http/workerMetrics.ts).
 */
import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { readRetries } from '../db/retryRead';

export interface WebMetrics {
  registry: Registry;
  middleware: RequestHandler;
  /** The whole /metrics text: this process's registry, then the workers' series. */
  scrape(): Promise<string>;
}

export interface WebMetricsOptions {
  /** Heroku's DYNO (web.1): a label on every series of this process. */
  dyno?: string;
  /** Exposition text appended to the registry's (families of other names); '' for none. */
  workerSeries?: () => Promise<string>;
}

export function createWebMetrics(options: WebMetricsOptions = {}): WebMetrics {
  const registry = new Registry();
  if (options.dyno !== undefined) registry.setDefaultLabels({ dyno: options.dyno });
  collectDefaultMetrics({ register: registry });
  registry.registerMetric(readRetries); // counted in src/db/retryRead.ts, for the whole process
  const requests = new Counter({
    name: 'pictever_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'pictever_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const middleware: RequestHandler = (req, res, next) => {
    const end = latency.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: unknown } | undefined)?.path;
      const label = typeof route === 'string' ? route : 'unmatched';
      requests.inc({ route: label, method: req.method, status: String(res.statusCode) });
      end({ route: label });
    });
    next();
  };
  const scrape = async () => {
    const [own, workers] = await Promise.all([registry.metrics(), options.workerSeries?.() ?? '']);
    return workers === '' ? own : `${own.endsWith('\n') ? own : `${own}\n`}${workers}`;
  };
  return { registry, middleware, scrape };
}
