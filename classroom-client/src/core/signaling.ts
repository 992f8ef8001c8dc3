import { io, type Socket } from 'socket.io-client';
import {
  ClassroomError,
  ERROR_CODES,
  type Ack,
  type ClientRequestName,
  type ClientToServerEvents,
  type ErrorCode,
  type RequestOf,
  type ResponseOf,
  type ServerEventName,
  type ServerToClientEvents,
  type WireError,
  serverEvents,
} from '@dualclass/protocol';
import { TypedEmitter } from './emitter.ts';

/**
 * The one socket.io connection to the signaling server: typed requests with acks, typed pushes,
 * and connection lifecycle. It knows nothing about lessons or media.
 */

type PushEvents = { [N in ServerEventName]: Parameters<ServerToClientEvents[N]> };

export type SignalingEvents = PushEvents & {
  connected: [];
  /** `willReconnect` is false when the server closed us on purpose (socket.io does not retry then). */
  disconnected: [reason: string, willReconnect: boolean];
  /** Handshake refused (`error.code` from the server) or transport failure (`error.code` = 'UNAVAILABLE', `refused` false). */
  connectError: [error: ClassroomError, refused: boolean];
};

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

function isPushEvent(event: string): event is ServerEventName {
  return Object.hasOwn(serverEvents, event);
}

function emitPush<N extends ServerEventName>(events: TypedEmitter<SignalingEvents>, name: N, payload: unknown): void {
  (events.emit as (event: N, ...args: unknown[]) => void).call(events, name, payload);
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** socket.io puts the server's wire error in `err.data` and its code in `err.message`. */
export function classifyConnectError(err: Error & { data?: unknown }): { error: ClassroomError; refused: boolean } {
  const data = err.data as Partial<WireError> | undefined;
  if (data && isErrorCode(data.code)) {
    return { error: ClassroomError.fromWire({ code: data.code, message: String(data.message ?? err.message) }), refused: true };
  }
  if (isErrorCode(err.message)) return { error: new ClassroomError(err.message, err.message), refused: true };
  return { error: new ClassroomError('UNAVAILABLE', err.message || 'cannot reach the server'), refused: false };
}

export interface SignalingOptions {
  /** Origin of the signaling server; the page's own origin by default. */
  url: string;
  token: string;
  lessonId?: string | undefined;
  requestTimeoutMs?: number;
}

export class SignalingChannel {
  readonly events = new TypedEmitter<SignalingEvents>();
  readonly #socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  readonly #timeoutMs: number;
  /** socket.io reads this object on every (re)connect, so a refreshed token goes out with the next handshake. */
  readonly #auth: { token: string; lessonId?: string };
  #closed = false;

  constructor(options: SignalingOptions) {
    this.#timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const auth: { token: string; lessonId?: string } = { token: options.token };
    if (options.lessonId) auth.lessonId = options.lessonId;
    this.#auth = auth;
    this.#socket = io(options.url, {
      path: '/socket.io',
      transports: ['websocket'],
      auth,
      autoConnect: false,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
    });
    const socket = this.#socket;
    socket.on('connect', () => this.events.emit('connected'));
    socket.on('disconnect', (reason) => {
      // 'io server disconnect' and 'io client disconnect' are not retried by socket.io.
      const willReconnect = reason !== 'io server disconnect' && reason !== 'io client disconnect';
      this.events.emit('disconnected', reason, willReconnect);
    });
    socket.on('connect_error', (err) => {
      const { error, refused } = classifyConnectError(err);
      this.events.emit('connectError', error, refused);
    });
    // Pushes are checked against the contract's schemas; a malformed one is dropped, never half-applied.
    socket.onAny((event: string, payload: unknown) => {
      if (!isPushEvent(event)) return;
      const parsed = serverEvents[event].safeParse(payload);
      if (!parsed.success) {
        console.warn(`[classroom] dropped malformed ${event} push`, parsed.error.issues);
        return;
      }
      emitPush(this.events, event, parsed.data);
    });
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  get closed(): boolean {
    return this.#closed;
  }

  connect(): void {
    if (!this.#closed) this.#socket.connect();
  }

  /** The join token later handshakes present (after `session:refresh`); the open connection is unaffected. */
  setToken(token: string): void {
    this.#auth.token = token;
  }

  /**
   * Sends a request and resolves with the ack's data, or rejects with a ClassroomError
   * (the server's error, TIMEOUT when no ack came, UNAVAILABLE when not connected).
   */
  request<N extends ClientRequestName>(name: N, payload: RequestOf<N>, timeoutMs = this.#timeoutMs): Promise<ResponseOf<N>> {
    if (this.#closed) return Promise.reject(new ClassroomError('UNAVAILABLE', 'signaling channel closed'));
    if (!this.#socket.connected) return Promise.reject(new ClassroomError('UNAVAILABLE', 'not connected'));
    // socket.io's typed emit cannot follow a generic event name; the signature below is the
    // contract's (ClientToServerEvents[N]) with socket.io's timeout flag prepending an error.
    const socket = this.#socket.timeout(timeoutMs) as unknown as {
      emit(event: N, payload: RequestOf<N>, ack: (err: Error | null, res: Ack<ResponseOf<N>> | undefined) => void): void;
    };
    return new Promise<ResponseOf<N>>((resolve, reject) => {
      socket.emit(name, payload, (err, res) => {
        if (err) return reject(new ClassroomError('TIMEOUT', `${name}: no answer within ${timeoutMs} ms`));
        if (res && res.ok === true) return resolve(res.data);
        if (res && res.ok === false && isErrorCode(res.error?.code)) return reject(ClassroomError.fromWire(res.error));
        reject(new ClassroomError('INTERNAL', `${name}: malformed ack`));
      });
    });
  }

  /** Closes the underlying connection without saying goodbye, like a network drop; socket.io reconnects. */
  dropConnection(): void {
    this.#socket.io.engine?.close();
  }

  /** Closes the socket for good; no more reconnects or events. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.removeAllListeners();
    this.#socket.disconnect();
    this.events.removeAllListeners();
  }
}
