/** Liveness and operator routes (not used by the apps). */
import { Router } from 'express';
import type { AppDeps } from '../app';

export function opsRoutes(_deps: AppDeps): Router {
  const router = Router();
  router.get('/hello', (_req, res) => {
    res.type('text/plain').send('hello');
  });
  return router;
}
