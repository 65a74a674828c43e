/**
 * Every route of the API, one router per area. Each area file reads as a table:
 * method, path, middleware, handler.
 */
import { Router } from 'express';
import type { AppDeps } from '../deps';
import type { WebMetrics } from '../http/metrics';
import { accountRoutes } from './accounts';
import { consoleRoutes } from './console';
import { contactRoutes } from './contacts';
import { messageRoutes } from './messages';
import { opsRoutes } from './ops';
import { privacyRoutes } from './privacy';

export function routes(deps: AppDeps, metrics: WebMetrics): Router {
  const router = Router();
  router.use(opsRoutes(deps, metrics));
  router.use(accountRoutes(deps));
  router.use(contactRoutes(deps));
  router.use(messageRoutes(deps));
  router.use(privacyRoutes(deps));
  router.use(consoleRoutes(deps));
  return router;
}
