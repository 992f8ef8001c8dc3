import { io, type Socket } from 'socket.io-client';
import { ClassroomError } from '../errors.ts';
import {
  NOTIFY_EVENT,
  PING_EVENT,
  RPC_EVENT,
  RpcResponseSchema,
  type RpcMethods,
  type RpcNotification,
  type RpcNotifications,
  type RpcParams,
  type RpcResult,
  type RpcService,
} from './contract.ts';

/*
 * The typed client for an internal service. It depends on the protocol and socket.io-client only, so
 * importing it never loads a media engine or ffmpeg wrapper into the caller.
 */

export interface RpcClientOptions {
  /** Per-call deadline, and how long connect() keeps trying before it gives up. */
  timeoutMs?: number;
}

interface ServerToClientEvents {
  [NOTIFY_EVENT]: (message: { name: string; data: unknown }) => void;
}
interface ClientToServerEvents {
  [RPC_EVENT]: (request: { method: string; params: unknown }, ack: (response: unknown) => void) => void;
  [PING_EVENT]: (ack: (pong: unknown) => void) => void;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export class RpcClient<M extends RpcMethods, N extends RpcNotifications> {
  readonly #service: RpcService<M, N>;
  readonly #socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  readonly #timeoutMs: number;
  readonly #handlers = new Map<keyof N, Set<(data: never) => void>>();
  // Calls in flight, so a disconnect fails them at once instead of letting each wait out its timeout.
  readonly #pending = new Set<(err: ClassroomError) => void>();
  readonly #reconnected = new Set<() => void>();
  readonly #disconnected = new Set<() => void>();
  #closed = false;

  private constructor(service: RpcService<M, N>, socket: Socket<ServerToClientEvents, ClientToServerEvents>, timeoutMs: number) {
    this.#service = service;
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    socket.on('disconnect', () => {
      const err = new ClassroomError('UNAVAILABLE', `${service.name} connection lost`);
      for (const reject of [...this.#pending]) reject(err);
      if (!this.#closed) for (const handler of [...this.#disconnected]) handler();
    });
    socket.on(NOTIFY_EVENT, (message) => this.#dispatchNotification(message));
    // The client exists only once the first connect succeeded, so every later 'connect' is a reconnect.
    socket.on('connect', () => {
      for (const handler of [...this.#reconnected]) handler();
    });
  }

  /**
   * Connects and resolves once the service accepted the secret. A wrong secret fails at once (UNAUTHENTICATED);
   * a service that is not up yet is retried until `timeoutMs` (UNAVAILABLE). After that the socket reconnects on its own.
   */
  static connect<M extends RpcMethods, N extends RpcNotifications>(
    service: RpcService<M, N>,
    url: string,
    secret: string,
    options: RpcClientOptions = {},
  ): Promise<RpcClient<M, N>> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
      path: service.path,
      transports: ['websocket'],
      auth: { secret },
      reconnectionDelayMax: 2_000,
    });
    return new Promise((resolve, reject) => {
      let lastError = 'no response';
      const timer = setTimeout(() => fail(new ClassroomError('UNAVAILABLE', `could not reach ${service.name}: ${lastError}`)), timeoutMs);
      const onConnect = () => {
        cleanup();
        resolve(new RpcClient(service, socket, timeoutMs));
      };
      const onError = (err: Error & { data?: unknown }) => {
        lastError = err.message;
        // The server's handshake middleware marks a refused secret; retrying cannot fix that.
        const data = err.data as { code?: unknown } | undefined;
        if (data?.code === 'UNAUTHENTICATED') fail(new ClassroomError('UNAUTHENTICATED', `${service.name} refused the rpc secret`));
      };
      function fail(err: ClassroomError) {
        cleanup();
        socket.close();
        reject(err);
      }
      function cleanup() {
        clearTimeout(timer);
        socket.off('connect', onConnect);
        socket.off('connect_error', onError);
      }
      socket.on('connect', onConnect);
      socket.on('connect_error', onError);
    });
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  /** Calls one contract method; resolves with its schema-checked result or rejects with a ClassroomError. */
  call<K extends keyof M & string>(method: K, params: RpcParams<M, K>, options: RpcClientOptions = {}): Promise<RpcResult<M, K>> {
    const name = this.#service.name;
    if (this.#closed) return Promise.reject(new ClassroomError('UNAVAILABLE', `${name} client is closed`));
    // socket.io would buffer the call until reconnect; an RPC caller wants to know now.
    if (!this.#socket.connected) return Promise.reject(new ClassroomError('UNAVAILABLE', `${name} is not connected`));
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    return new Promise<RpcResult<M, K>>((resolve, reject) => {
      const settle = (err: ClassroomError | undefined, result?: RpcResult<M, K>) => {
        clearTimeout(timer);
        this.#pending.delete(onLost);
        if (err) reject(err);
        else resolve(result as RpcResult<M, K>);
      };
      const onLost = (err: ClassroomError) => settle(err);
      const timer = setTimeout(() => settle(new ClassroomError('TIMEOUT', `${name} did not answer ${method} within ${timeoutMs} ms`)), timeoutMs);
      this.#pending.add(onLost);
      this.#socket.emit(RPC_EVENT, { method, params }, (raw: unknown) => {
        if (!this.#pending.has(onLost)) return; // already timed out or disconnected
        try {
          settle(undefined, this.#parseResponse(method, raw));
        } catch (err) {
          settle(err instanceof ClassroomError ? err : new ClassroomError('INTERNAL', `unreadable ${name} response`, { cause: err }));
        }
      });
    });
  }

  /** Resolves when the service answers a ping within `timeoutMs`: proof the link and the peer's event loop are alive. */
  async ping(timeoutMs: number): Promise<void> {
    const name = this.#service.name;
    if (this.#closed || !this.#socket.connected) throw new ClassroomError('UNAVAILABLE', `${name} is not connected`);
    try {
      await this.#socket.timeout(timeoutMs).emitWithAck(PING_EVENT);
    } catch (err) {
      throw new ClassroomError('TIMEOUT', `${name} did not answer a ping within ${timeoutMs} ms`, { cause: err });
    }
  }

  /** Subscribes to one notification; returns the unsubscribe function. */
  on<K extends keyof N>(name: K, handler: (data: RpcNotification<N, K>) => void): () => void {
    let set = this.#handlers.get(name);
    if (!set) {
      set = new Set();
      this.#handlers.set(name, set);
    }
    const entry = handler as (data: never) => void;
    set.add(entry);
    return () => set.delete(entry);
  }

  /**
   * Called each time the link comes back after a disconnect. The service may be a restarted process that lost
   * whatever the caller had told it; the caller re-sends that here. Returns the unsubscribe function.
   */
  onReconnected(handler: () => void): () => void {
    this.#reconnected.add(handler);
    return () => this.#reconnected.delete(handler);
  }

  /**
   * Called each time the link drops (not on close()): the peer may have died, and with it whatever it held for the
   * caller. Returns the unsubscribe function.
   */
  onDisconnected(handler: () => void): () => void {
    this.#disconnected.add(handler);
    return () => this.#disconnected.delete(handler);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
    const err = new ClassroomError('UNAVAILABLE', `${this.#service.name} client is closed`);
    for (const reject of [...this.#pending]) reject(err);
    this.#handlers.clear();
    this.#reconnected.clear();
    this.#disconnected.clear();
  }

  #dispatchNotification(message: unknown): void {
    if (!message || typeof message !== 'object') return;
    const { name, data } = message as { name?: unknown; data?: unknown };
    const schemas = this.#service.notifications;
    if (typeof name !== 'string' || !Object.hasOwn(schemas, name)) return;
    const parsed = (schemas[name] as N[keyof N]).safeParse(data);
    if (!parsed.success) return;
    for (const handler of this.#handlers.get(name) ?? []) {
      // One failing subscriber must neither starve the others nor crash the socket's packet handling.
      try {
        (handler as (d: unknown) => void)(parsed.data);
      } catch (err) {
        process.emitWarning(err instanceof Error ? err : String(err), { code: 'RPC_NOTIFY_HANDLER' });
      }
    }
  }

  #parseResponse<K extends keyof M & string>(method: K, raw: unknown): RpcResult<M, K> {
    const response = RpcResponseSchema.parse(raw);
    if (!response.ok) throw ClassroomError.fromWire(response.error);
    const result = (this.#service.methods[method] as M[K]).result.safeParse(response.result);
    if (!result.success) {
      // Kept on the client side for diagnosis; callers map INTERNAL to a generic wire error anyway.
      const issues = ClassroomError.fromZod(result.error).issues;
      throw new ClassroomError('INTERNAL', `${this.#service.name} answered ${method} with an unexpected shape`, { issues });
    }
    return result.data as RpcResult<M, K>;
  }
}
