import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { secretMatcher } from '../secret-match.ts';
import type { Readiness } from './readiness.ts';

/** A registry with Node's process metrics (CPU, memory, event-loop lag, GC) already in it. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export interface OpsRoutes {
  readiness: Readiness;
  metrics: Registry;
  /**
   * When set, /metrics wants `Authorization: Bearer <token>`. The probes stay open: kubelet and load balancers
   * call them without credentials, and they reveal nothing but which dependency is down.
   */
  metricsToken?: string | undefined;
}

/**
 * GET /healthz (the process answers), /readyz (every dependency answers) and /metrics (Prometheus text format)
 * for a plain node:http server or as express middleware. Returns false for any other request so the caller
 * can go on routing it.
 */
export function opsHandler(routes: OpsRoutes): (req: IncomingMessage, res: ServerResponse) => boolean {
  const tokenMatches = routes.metricsToken ? secretMatcher(routes.metricsToken) : undefined;
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  };
  const serve = async (path: string, req: IncomingMessage, res: ServerResponse) => {
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const report = await routes.readiness.report();
      return json(res, report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'unavailable', ...report });
    }
    const presented = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (tokenMatches && !(presented && tokenMatches(presented))) {
      return json(res, 401, { error: { code: 'UNAUTHENTICATED', message: 'metrics token required' } });
    }
    const text = await routes.metrics.metrics();
    res.writeHead(200, { 'content-type': routes.metrics.contentType, 'cache-control': 'no-store' }).end(text);
  };
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '').split('?', 1)[0] ?? '';
    if (path !== '/healthz' && path !== '/readyz' && path !== '/metrics') return false;
    serve(path, req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
      else res.destroy();
    });
    return true;
  };
}
