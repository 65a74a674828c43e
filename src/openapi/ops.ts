/**
 * Liveness, this description, and the operator routes (src/routes/ops.ts).
 */
import { json, operatorToken, reason, text, unavailable } from './parts';

/** 404 without OPERATOR_TOKEN (the routes are hidden), 401 without the right bearer token. */
const operatorErrors = {
  401: reason('Missing or wrong operator token'),
  404: reason('No OPERATOR_TOKEN configured: the route is hidden'),
};

export function opsPaths() {
  return {
    '/hello': {
      get: { summary: 'Liveness', responses: { 200: text('`hello`', { const: 'hello' }), ...unavailable } },
    },
    '/openapi.json': {
      get: {
        summary: 'This description',
        responses: { 200: json({ type: 'object' }, 'OpenAPI 3.1'), ...unavailable },
      },
    },
    '/readyz': {
      get: {
        summary: 'Readiness: the database answers',
        security: operatorToken,
        responses: {
          200: text('`ready`', { const: 'ready' }),
          503: text('The database does not answer'),
          ...operatorErrors,
        },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics',
        security: operatorToken,
        responses: { 200: text('Prometheus text format'), ...operatorErrors, ...unavailable },
      },
    },
    '/waiting': {
      get: {
        summary: 'Count of pushes due and not yet sent',
        security: operatorToken,
        responses: {
          200: text('An integer', { type: 'string', pattern: '^(?:0|[1-9][0-9]*)$' }),
          ...operatorErrors,
          ...unavailable,
        },
      },
    },
  };
}
