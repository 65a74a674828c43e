/**
 * Liveness (public) and operator routes: metrics, readiness, and the count of pushes
 * waiting. Operator routes need the OPERATOR_TOKEN bearer token (src/http/operator.ts).
 */
import { Router } from 'express';
import type { AppDeps } from '../deps';
import { readinessHandler, requireOperator } from '../http/operator';
import type { WebMetrics } from '../http/metrics';
import { countDueJobs } from '../models/pushJob';
import { openapiDocument } from '../openapi';

export function opsRoutes(deps: AppDeps, metrics: WebMetrics): Router {
  const router = Router();
  const operator = requireOperator(deps.config.OPERATOR_TOKEN);

  router.get('/hello', (_req, res) => {
    res.type('text/plain').send('hello');
  });

  // Built once: it depends only on the configuration.
  const openapi = openapiDocument(deps.config);
  router.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  router.get('/readyz', operator, readinessHandler(deps.connection));

  router.get('/metrics', operator, async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.scrape());
  });

  router.get('/waiting', operator, async (_req, res) => {
    const due = await countDueJobs(deps.now());
    res.type('text/plain').send(String(due));
  });

  return router;
}
