/**
 * Every route of the API, one router per area. Each area file reads as a table:
 * method, path, middleware, handler.
 */
import { Router } from 'express';
import type { AppDeps } from '../app';
import { opsRoutes } from './ops';

export function routes(deps: AppDeps): Router {
  const router = Router();
  router.use(opsRoutes(deps));
  return router;
}
