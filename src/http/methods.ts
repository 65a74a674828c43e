/**
 * A known path asked with a method it does not have answers 405 with `Allow` listing the
 * methods it has (RFC 9110 §15.5.6); an unknown path stays a 404. No app call depends on
 * the former 404: each app sends every path with its own method (../shared/CONTRACT.md §3),
 * and an app on a 405 would not reset its base URL as it does on a 404.
 *
 * The table is read from the router itself (each route layer matches paths as Express does:
 * case-insensitive, trailing slash allowed), so it cannot drift from the routes. HEAD is
 * served wherever GET is (Express runs the GET route without the body). OPTIONS on a known
 * path is answered by Express's router before this middleware: 200 with the same `Allow`
 * and the methods as the body, which tells a client what a path takes without a session;
 * no CORS headers, since the apps are not browsers.
 */
import type { RequestHandler, Router } from 'express';
import { AppError } from './errors';

interface Layer {
  route?: { path: string; methods: Record<string, boolean | undefined> };
  handle?: { stack?: Layer[] };
  slash?: boolean;
  match(path: string): boolean;
}

export interface RouteEntry {
  path: string;
  /** Upper case, as in `Allow`: HEAD follows GET. */
  methods: string[];
}

function methodsOf(route: NonNullable<Layer['route']>): string[] {
  const methods = Object.keys(route.methods)
    .filter((m) => route.methods[m] && m !== '_all')
    .map((m) => m.toUpperCase());
  if (methods.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD');
  return methods;
}

/** The route layers of a router and of the routers it mounts at '/' (the only mounts here). */
function routeLayers(stack: Layer[]): Layer[] {
  return stack.flatMap((layer) => {
    if (layer.route) return [layer];
    const nested = layer.handle?.stack;
    if (!nested) return [];
    if (!layer.slash) throw new Error('methodNotAllowed: a router mounted below / is not supported');
    return routeLayers(nested);
  });
}

const stackOf = (router: Router) => (router as unknown as { stack: Layer[] }).stack;

/** Every path the router serves with its methods, in route order. */
export function routeTable(router: Router): RouteEntry[] {
  const table = new Map<string, Set<string>>();
  for (const layer of routeLayers(stackOf(router))) {
    const methods = table.get(layer.route!.path) ?? new Set<string>();
    for (const m of methodsOf(layer.route!)) methods.add(m);
    table.set(layer.route!.path, methods);
  }
  return [...table].map(([path, methods]) => ({ path, methods: [...methods] }));
}

/** The 405 middleware for the routes of `router`; mounted after them. */
export function methodNotAllowed(router: Router): RequestHandler {
  const layers = routeLayers(stackOf(router));
  return (req, res, next) => {
    const allowed = new Set<string>();
    for (const layer of layers) {
      if (layer.match(req.path)) for (const m of methodsOf(layer.route!)) allowed.add(m);
    }
    if (allowed.size === 0 || allowed.has(req.method)) {
      next();
      return;
    }
    const allow = [...allowed].join(', ');
    res.setHeader('Allow', allow);
    next(new AppError(405, `method ${req.method} not allowed here (Allow: ${allow})`));
  };
}
