import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import helmet from 'helmet';
import { ClassroomError, HTTP_STATUS, ROLE_VIEW_PATH, toWireError } from '@dualclass/protocol';
import type { Logger } from 'pino';

const BODY_LIMIT = '32kb';

/** body-parser marks its own failures with a `type`; classify by that, not by error class. */
function fromBodyParser(err: unknown): ClassroomError | undefined {
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return new ClassroomError('TOO_LARGE', `request body over ${BODY_LIMIT}`);
  if (type === 'entity.parse.failed') return new ClassroomError('BAD_REQUEST', 'request body is not valid JSON');
  if (typeof type === 'string') return new ClassroomError('BAD_REQUEST', 'unreadable request body');
  return undefined;
}

export function createApp(deps: {
  api: express.Router;
  adminGuard: express.RequestHandler;
  /** /api/library: mounted ahead of the admin guard, with its own authentication and body handling. */
  library?: express.Router;
  /** WHIP ingest (/api/lessons/:id/whip, /api/whip/:resource): ahead of the admin guard, the WHIP token authorizes. */
  whip?: express.Router;
  clientDist: string | undefined;
  /** GET /healthz, /readyz, /metrics (protocol/src/ops); false for anything else. */
  ops: (req: IncomingMessage, res: ServerResponse) => boolean;
  log: Logger;
}) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // mediasoup media flows over WebRTC, not fetch; the page only talks to its own origin.
          'connect-src': ["'self'"],
          // hls.js plays library recordings through MSE, i.e. blob: URLs.
          'media-src': ["'self'", 'blob:'],
          'img-src': ["'self'", 'data:', 'blob:'],
          // helmet's default would rewrite ws:// to wss:// on a server reached over plain http at a LAN address
          // (a school server, a test namespace), so the page loads but never connects. TLS is the proxy's job.
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  app.use((req, res, next) => {
    if (!deps.ops(req, res)) next();
  });
  // The reverse proxy's id when it sends one (so its access log and ours line up), else our own; echoed back.
  app.use((req, res, next) => {
    const given = req.get('x-request-id');
    res.locals.requestId = given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', res.locals.requestId as string);
    next();
  });
  if (deps.library) app.use('/api/library', deps.library);
  if (deps.whip) app.use('/api', deps.whip);
  app.use('/api', express.json({ limit: BODY_LIMIT }), deps.adminGuard, deps.api);
  app.use('/api', (_req, _res, next) => next(new ClassroomError('NOT_FOUND', 'no such API route')));

  const dist = deps.clientDist;
  if (dist && existsSync(path.join(dist, 'index.html'))) {
    app.use(express.static(dist, { index: false, maxAge: '1h' }));
    const views = [...new Set(Object.values(ROLE_VIEW_PATH))];
    app.get(['/', ...views, '/library', '/library/*rest'], (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.sendFile(path.join(dist, 'index.html'));
    });
  }

  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const classified = fromBodyParser(err) ?? err;
    const wire = toWireError(classified);
    if (wire.code === 'INTERNAL') deps.log.error({ err, path: req.path, requestId: res.locals.requestId }, 'request failed');
    const status = HTTP_STATUS[wire.code];
    if (wire.retryAfter !== undefined) res.setHeader('Retry-After', String(wire.retryAfter));
    res.status(status).json({ error: wire });
  };
  app.use(onError);
  return app;
}
