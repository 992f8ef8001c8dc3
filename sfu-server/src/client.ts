import { io, type Socket } from 'socket.io-client';
import {
  ClassroomError,
  SFU_NOTIFY_EVENT,
  SFU_RPC_EVENT,
  SfuRpcResponseSchema,
  sfuNotifications,
  sfuRpcMethods,
  type SfuNotification,
  type SfuNotificationName,
  type SfuRpcMethod,
  type SfuRpcParams,
  type SfuRpcResponse,
  type SfuRpcResult,
} from '@dualclass/protocol';

/*
 * The typed client signaling uses to drive sfu-server. It depends on the protocol and socket.io-client only,
 * never on mediasoup, so importing it does not load the media engine into signaling.
 */

const SFU_RPC_PATH = '/sfu-rpc';

export interface SfuClientOptions {
  /** Per-call deadline, and how long connect() keeps trying before it gives up. */
  timeoutMs?: number;
}

type NotificationHandler<N extends SfuNotificationName> = (data: SfuNotification<N>) => void;

interface ServerToClientEvents {
  [SFU_NOTIFY_EVENT]: (message: { name: string; data: unknown }) => void;
}
interface ClientToServerEvents {
  [SFU_RPC_EVENT]: (request: { method: string; params: unknown }, ack: (response: unknown) => void) => void;
}

const DEFAULT_TIMEOUT_MS = 10_000;

const isNotificationName = (name: string): name is SfuNotificationName => Object.hasOwn(sfuNotifications, name);

export class SfuClient {
  readonly #socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  readonly #timeoutMs: number;
  readonly #handlers = new Map<SfuNotificationName, Set<(data: never) => void>>();
  // Calls in flight, so a disconnect fails them at once instead of letting each wait out its timeout.
  readonly #pending = new Set<(err: ClassroomError) => void>();
  #closed = false;

  private constructor(socket: Socket<ServerToClientEvents, ClientToServerEvents>, timeoutMs: number) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    socket.on('disconnect', () => {
      const err = new ClassroomError('UNAVAILABLE', 'sfu connection lost');
      for (const reject of [...this.#pending]) reject(err);
    });
    socket.on(SFU_NOTIFY_EVENT, (message) => this.#dispatchNotification(message));
  }

  /**
   * Connects and resolves once the SFU accepted the secret. A wrong secret fails at once (UNAUTHENTICATED);
   * an SFU that is not up yet is retried until `timeoutMs` (UNAVAILABLE). After that the socket reconnects on its own.
   */
  static connect(url: string, secret: string, options: SfuClientOptions = {}): Promise<SfuClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
      path: SFU_RPC_PATH,
      transports: ['websocket'],
      auth: { secret },
      reconnectionDelayMax: 2_000,
    });
    return new Promise((resolve, reject) => {
      let lastError = 'no response';
      const timer = setTimeout(() => fail(new ClassroomError('UNAVAILABLE', `could not reach sfu: ${lastError}`)), timeoutMs);
      const onConnect = () => {
        cleanup();
        resolve(new SfuClient(socket, timeoutMs));
      };
      const onError = (err: Error & { data?: unknown }) => {
        lastError = err.message;
        // The server's handshake middleware marks a refused secret; retrying cannot fix that.
        const data = err.data as { code?: unknown } | undefined;
        if (data?.code === 'UNAUTHENTICATED') fail(new ClassroomError('UNAUTHENTICATED', 'sfu refused the rpc secret'));
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
  call<M extends SfuRpcMethod>(method: M, params: SfuRpcParams<M>, options: SfuClientOptions = {}): Promise<SfuRpcResult<M>> {
    if (this.#closed) return Promise.reject(new ClassroomError('UNAVAILABLE', 'sfu client is closed'));
    // socket.io would buffer the call until reconnect; an RPC caller wants to know now.
    if (!this.#socket.connected) return Promise.reject(new ClassroomError('UNAVAILABLE', 'sfu is not connected'));
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    return new Promise<SfuRpcResult<M>>((resolve, reject) => {
      const settle = (err: ClassroomError | undefined, result?: SfuRpcResult<M>) => {
        clearTimeout(timer);
        this.#pending.delete(onLost);
        if (err) reject(err);
        else resolve(result as SfuRpcResult<M>);
      };
      const onLost = (err: ClassroomError) => settle(err);
      const timer = setTimeout(() => settle(new ClassroomError('TIMEOUT', `sfu did not answer ${method} within ${timeoutMs} ms`)), timeoutMs);
      this.#pending.add(onLost);
      this.#socket.emit(SFU_RPC_EVENT, { method, params }, (raw: unknown) => {
        if (!this.#pending.has(onLost)) return; // already timed out or disconnected
        try {
          settle(undefined, parseResponse(method, raw));
        } catch (err) {
          settle(err instanceof ClassroomError ? err : new ClassroomError('INTERNAL', 'unreadable sfu response', { cause: err }));
        }
      });
    });
  }

  /** Subscribes to one notification; returns the unsubscribe function. */
  on<N extends SfuNotificationName>(name: N, handler: NotificationHandler<N>): () => void {
    let set = this.#handlers.get(name);
    if (!set) {
      set = new Set();
      this.#handlers.set(name, set);
    }
    const entry = handler as (data: never) => void;
    set.add(entry);
    return () => set.delete(entry);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
    const err = new ClassroomError('UNAVAILABLE', 'sfu client is closed');
    for (const reject of [...this.#pending]) reject(err);
    this.#handlers.clear();
  }

  #dispatchNotification(message: unknown): void {
    if (!message || typeof message !== 'object') return;
    const { name, data } = message as { name?: unknown; data?: unknown };
    if (typeof name !== 'string' || !isNotificationName(name)) return;
    const parsed = sfuNotifications[name].safeParse(data);
    if (!parsed.success) return;
    for (const handler of this.#handlers.get(name) ?? []) {
      // One failing subscriber must neither starve the others nor crash the socket's packet handling.
      try {
        (handler as (d: unknown) => void)(parsed.data);
      } catch (err) {
        process.emitWarning(err instanceof Error ? err : String(err), { code: 'SFU_NOTIFY_HANDLER' });
      }
    }
  }
}

function parseResponse<M extends SfuRpcMethod>(method: M, raw: unknown): SfuRpcResult<M> {
  const response: SfuRpcResponse = SfuRpcResponseSchema.parse(raw);
  if (!response.ok) throw ClassroomError.fromWire(response.error);
  const result = sfuRpcMethods[method].result.safeParse(response.result);
  if (!result.success) {
    // Kept on the client side for diagnosis; signaling maps INTERNAL to a generic wire error anyway.
    const issues = ClassroomError.fromZod(result.error).issues;
    throw new ClassroomError('INTERNAL', `sfu answered ${method} with an unexpected shape`, { issues });
  }
  return result.data as SfuRpcResult<M>;
}
