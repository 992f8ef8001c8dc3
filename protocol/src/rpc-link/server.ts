import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { ClassroomError, toWireError } from '../errors.ts';
import { secretMatcher } from '../secret-match.ts';
import {
  NOTIFY_EVENT,
  PING_EVENT,
  RPC_EVENT,
  RpcRequestSchema,
  type RpcMethods,
  type RpcNotification,
  type RpcNotifications,
  type RpcParams,
  type RpcResponse,
  type RpcResult,
  type RpcService,
} from './contract.ts';

/** Minimal logger shape (pino satisfies it), so the protocol package needs no logging dependency. */
export interface RpcLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export type RpcHandlers<M extends RpcMethods> = { [K in keyof M]: (params: RpcParams<M, K>) => Promise<RpcResult<M, K>> };

export interface RpcServer<N extends RpcNotifications> {
  port: number;
  notify<K extends keyof N & string>(name: K, data: RpcNotification<N, K>): void;
  close(): Promise<void>;
}

interface ClientToServerEvents {
  [RPC_EVENT]: (request: unknown, ack: (response: RpcResponse) => void) => void;
  [PING_EVENT]: (ack: (pong: true) => void) => void;
}
interface ServerToClientEvents {
  [NOTIFY_EVENT]: (message: { name: string; data: unknown }) => void;
}

/**
 * An internal RPC endpoint. socket.io over websocket only (no long-polling: both ends are servers) and one
 * shared secret checked at the handshake, so an unauthenticated socket never reaches a handler. Every method's
 * params are parsed with its own schema before its handler runs: the single dispatch path.
 */
export async function startRpcServer<M extends RpcMethods, N extends RpcNotifications>(options: {
  service: RpcService<M, N>;
  host: string;
  port: number;
  secret: string;
  handlers: RpcHandlers<M>;
  log: RpcLog;
  /** Plain HTTP requests on the same port (the ops endpoints); returns false for those it does not serve. */
  http?: (req: IncomingMessage, res: ServerResponse) => boolean;
}): Promise<RpcServer<N>> {
  const { service, handlers, log } = options;
  const secretMatches = secretMatcher(options.secret);
  const httpServer = createServer((req, res) => {
    if (!options.http?.(req, res)) res.writeHead(404).end();
  });
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    path: service.path,
    transports: ['websocket'],
    serveClient: false,
  });

  io.use((socket, next) => {
    const secret: unknown = socket.handshake.auth?.secret;
    if (typeof secret === 'string' && secretMatches(secret)) return next();
    log.warn({ address: socket.handshake.address }, `${service.name} rpc connection rejected: bad secret`);
    const err = new Error('unauthorized') as Error & { data?: unknown };
    err.data = { code: 'UNAUTHENTICATED' };
    next(err);
  });

  const dispatch = async (method: string, rawParams: unknown): Promise<unknown> => {
    if (!Object.hasOwn(service.methods, method)) throw new ClassroomError('BAD_REQUEST', 'unknown method');
    const parsed = (service.methods[method] as M[keyof M]).params.safeParse(rawParams);
    if (!parsed.success) throw ClassroomError.fromZod(parsed.error, `${method} params`);
    const handler = handlers[method as keyof M] as (params: unknown) => Promise<unknown>;
    return handler(parsed.data);
  };

  io.on('connection', (socket) => {
    log.info({ socketId: socket.id, address: socket.handshake.address }, `${service.name} rpc client connected`);
    socket.on('disconnect', (reason) => log.info({ socketId: socket.id, reason }, `${service.name} rpc client disconnected`));
    socket.on(PING_EVENT, (ack) => {
      if (typeof ack === 'function') ack(true);
    });
    socket.on(RPC_EVENT, (request, ack) => {
      if (typeof ack !== 'function') return;
      const started = performance.now();
      const req = RpcRequestSchema.safeParse(request);
      const method = req.success ? req.data.method : undefined;
      const run = async () => {
        if (!req.success) throw ClassroomError.fromZod(req.error, 'rpc request');
        return dispatch(req.data.method, req.data.params);
      };
      run().then(
        (result) => {
          log.debug({ method, ms: Math.round(performance.now() - started) }, 'rpc ok');
          ack({ ok: true, result });
        },
        (err: unknown) => {
          const error = toWireError(err);
          // Expected refusals are debug noise; INTERNAL is a bug on our side and keeps its stack in the log.
          if (error.code === 'INTERNAL') log.error({ method, err }, 'rpc failed');
          else log.debug({ method, code: error.code, message: error.message }, 'rpc refused');
          ack({ ok: false, error });
        },
      );
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const { port } = httpServer.address() as AddressInfo;

  return {
    port,
    notify(name, data) {
      io.emit(NOTIFY_EVENT, { name, data });
    },
    async close() {
      // io.close() also closes the http server and disconnects every socket.
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
