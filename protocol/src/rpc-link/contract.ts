import { z } from 'zod';
import { WireErrorSchema } from '../errors.ts';

/*
 * The envelope every internal service RPC uses (signaling → sfu-server, signaling → recorder, recorder →
 * sfu-server): socket.io over websocket, one shared secret checked at the handshake, requests acked with
 * `{ok, result} | {ok:false, error}`, and one-way notifications from server to clients.
 */

export type RpcMethods = Record<string, { params: z.ZodType; result: z.ZodType }>;
export type RpcNotifications = Record<string, z.ZodType>;

export type RpcParams<T extends RpcMethods, M extends keyof T> = z.infer<T[M]['params']>;
export type RpcResult<T extends RpcMethods, M extends keyof T> = z.infer<T[M]['result']>;
export type RpcNotification<T extends RpcNotifications, N extends keyof T> = z.infer<T[N]>;

/** A service's contract: its methods, its notifications and the socket.io path it answers on. */
export interface RpcService<M extends RpcMethods, N extends RpcNotifications> {
  name: string;
  path: string;
  methods: M;
  notifications: N;
}

export const RpcRequestSchema = z.object({ method: z.string().max(64), params: z.unknown() });
export const RpcResponseSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: WireErrorSchema }),
]);
export type RpcResponse = z.infer<typeof RpcResponseSchema>;

export const RPC_EVENT = 'rpc';
export const NOTIFY_EVENT = 'notify';
/** Answered by every RPC server before any method dispatch: how a caller's readiness check sees the link is alive. */
export const PING_EVENT = 'rpc:ping';
