import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import {
  ClassroomError,
  SFU_NOTIFY_EVENT,
  SFU_RPC_EVENT,
  SfuRpcRequestSchema,
  sfuRpcMethods,
  toWireError,
  type SfuNotification,
  type SfuNotificationName,
  type SfuRpcMethod,
  type SfuRpcParams,
  type SfuRpcResponse,
  type SfuRpcResult,
} from '@dualclass/protocol';
import type { Logger } from 'pino';
import type { SfuRpcHandlers } from './handlers.ts';

export const SFU_RPC_PATH = '/sfu-rpc';

export interface SfuNotifyMessage<N extends SfuNotificationName = SfuNotificationName> {
  name: N;
  data: SfuNotification<N>;
}

interface ClientToServerEvents {
  [SFU_RPC_EVENT]: (request: unknown, ack: (response: SfuRpcResponse) => void) => void;
}
interface ServerToClientEvents {
  [SFU_NOTIFY_EVENT]: (message: SfuNotifyMessage) => void;
}

export interface RpcServer {
  port: number;
  notify<N extends SfuNotificationName>(name: N, data: SfuNotification<N>): void;
  close(): Promise<void>;
}

// Hashing first gives equal-length inputs, which timingSafeEqual requires, without leaking the secret's length.
const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

const isMethod = (name: string): name is SfuRpcMethod => Object.hasOwn(sfuRpcMethods, name);

/** Parses params with the method's own schema and runs its handler: the single dispatch path for every method. */
async function dispatch<M extends SfuRpcMethod>(handlers: SfuRpcHandlers, method: M, rawParams: unknown): Promise<SfuRpcResult<M>> {
  const parsed = sfuRpcMethods[method].params.safeParse(rawParams);
  if (!parsed.success) throw ClassroomError.fromZod(parsed.error, `${method} params`);
  const handler: (params: SfuRpcParams<M>) => Promise<SfuRpcResult<M>> = handlers[method];
  return handler(parsed.data as SfuRpcParams<M>);
}

/**
 * The internal RPC endpoint signaling drives. socket.io over websocket only (no long-polling: both ends are
 * servers) and one shared secret checked at the handshake, so an unauthenticated socket never reaches a handler.
 */
export async function startRpcServer(options: {
  host: string;
  port: number;
  secret: string;
  handlers: SfuRpcHandlers;
  log: Logger;
}): Promise<RpcServer> {
  const { handlers, log } = options;
  const expected = digest(options.secret);
  const httpServer = createServer((_req, res) => res.writeHead(404).end());
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    path: SFU_RPC_PATH,
    transports: ['websocket'],
    serveClient: false,
  });

  io.use((socket, next) => {
    const secret: unknown = socket.handshake.auth?.secret;
    if (typeof secret === 'string' && timingSafeEqual(digest(secret), expected)) return next();
    log.warn({ address: socket.handshake.address }, 'sfu rpc connection rejected: bad secret');
    const err = new Error('unauthorized') as Error & { data?: unknown };
    err.data = { code: 'UNAUTHENTICATED' };
    next(err);
  });

  io.on('connection', (socket) => {
    log.info({ socketId: socket.id, address: socket.handshake.address }, 'signaling connected');
    socket.on('disconnect', (reason) => log.info({ socketId: socket.id, reason }, 'signaling disconnected'));
    socket.on(SFU_RPC_EVENT, (request, ack) => {
      if (typeof ack !== 'function') return;
      const started = performance.now();
      const req = SfuRpcRequestSchema.safeParse(request);
      const method = req.success ? req.data.method : undefined;
      const run = async () => {
        if (!req.success) throw ClassroomError.fromZod(req.error, 'rpc request');
        if (!isMethod(req.data.method)) throw new ClassroomError('BAD_REQUEST', 'unknown method');
        return dispatch(handlers, req.data.method, req.data.params);
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
      io.emit(SFU_NOTIFY_EVENT, { name, data } as SfuNotifyMessage);
    },
    async close() {
      // io.close() also closes the http server and disconnects every socket.
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
