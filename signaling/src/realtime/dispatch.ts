import type { Socket } from 'socket.io';
import {
  ClassroomError,
  MAX_EVENT_PAYLOAD_BYTES,
  can,
  clientRequests,
  toWireError,
  type Ack,
  type ClientRequestName,
  type ErrorCode,
  type JoinTokenClaims,
  type Permission,
  type RequestOf,
  type ResponseOf,
} from '@dualclass/protocol';
import type { Logger } from 'pino';
import type { LiveParticipant } from '../lessons/live-lesson.ts';
import { consumeOrRefuse, memoryLimiters, type FloodLimiter } from '../interaction/flood-limit.ts';
import type { TokenExpiry } from './token-expiry.ts';
import type { SessionSocket } from '../cluster/session-routing.ts';

export interface SocketSession {
  claims: JoinTokenClaims;
  /** The participant's socket: connected to this node, or to another one (cluster/session-routing.ts). */
  socket: SessionSocket;
  /** The address the socket connects from (canonicalAddress): where a plain receiver may send media. */
  remoteAddress: string;
  /** Set by `lesson:join`; every other request needs it. */
  participant: LiveParticipant | undefined;
  /** Ends the connection when the join token runs out; `session:refresh` moves it. */
  expiry: TokenExpiry;
}

export type Handler<N extends ClientRequestName> = (session: SocketSession, request: RequestOf<N>) => Promise<ResponseOf<N>>;
export type HandlerMap = { [N in ClientRequestName]: Handler<N> };

/** Events a session may send before it has joined. */
const BEFORE_JOIN = new Set<ClientRequestName>(['lesson:join']);

/** Own keys only: an event named `constructor` or `__proto__` is not a request. */
function isRequestName(event: unknown): event is ClientRequestName {
  return typeof event === 'string' && Object.hasOwn(clientRequests, event);
}

export const DEFAULT_REQUEST_LIMIT = { points: 50, durationSeconds: 1, keyPrefix: 'requests' };

export function payloadBytes(payload: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(payload ?? null));
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * The one path every inbound event takes: rate limit, size, permission, schema, run, and map
 * whatever is thrown to a wire error. Handlers never see unvalidated input.
 */
/** Hears how each acknowledged request ended, and how long it took (metrics). */
export type RequestObserver = (event: ClientRequestName | 'unknown', result: 'ok' | ErrorCode, seconds: number) => void;

export class Dispatcher {
  readonly #observers: RequestObserver[] = [];

  constructor(
    private readonly handlers: HandlerMap,
    private readonly log: Logger,
    /** Requests per user (join token subject), known or not; in memory unless the server is given shared limiters. */
    private readonly limiter: FloodLimiter = memoryLimiters(DEFAULT_REQUEST_LIMIT),
  ) {}

  onSettled(observer: RequestObserver): void {
    this.#observers.push(observer);
  }

  /**
   * Listens to a socket connected here. `answer` runs each request: this dispatcher's own by default, or a router
   * that sends it to the node owning the lesson.
   */
  attach(
    socket: Socket,
    session: SocketSession,
    answer: (session: SocketSession, event: unknown, payloads: unknown[]) => Promise<Ack<unknown>> = (s, e, p) => this.answer(s, e, p),
  ): void {
    // One listener for every inbound event, known or not: each one that carries an ack callback gets exactly one
    // answer, and all of them count against the sender's budget.
    socket.onAny((event: unknown, ...args: unknown[]) => void this.#dispatch(session, event, args, answer));
  }

  async #dispatch(
    session: SocketSession,
    event: unknown,
    args: unknown[],
    answer: (session: SocketSession, event: unknown, payloads: unknown[]) => Promise<Ack<unknown>>,
  ): Promise<void> {
    // socket.io passes the ack callback last; nothing that arrives over the wire is a function otherwise.
    const ack = args.at(-1);
    if (typeof ack !== 'function') {
      // Requests are acknowledged by contract; without a callback there is nobody to answer.
      this.log.debug({ event }, 'event without ack ignored');
      return;
    }
    const started = performance.now();
    const reply = (res: Ack<unknown>) => {
      (ack as (res: Ack<unknown>) => void)(res);
      const seconds = (performance.now() - started) / 1000;
      for (const observe of this.#observers) observe(isRequestName(event) ? event : 'unknown', res.ok ? 'ok' : res.error.code, seconds);
    };
    reply(await answer(session, event, args.slice(0, -1)));
  }

  /** Runs one request here and turns the outcome, whatever was thrown, into its ack. */
  async answer(session: SocketSession, event: unknown, payloads: unknown[]): Promise<Ack<unknown>> {
    try {
      return { ok: true, data: await this.#run(session, event, payloads) };
    } catch (err) {
      const error = toWireError(err);
      if (error.code === 'INTERNAL') this.log.error({ err, event }, 'handler failed');
      return { ok: false, error };
    }
  }

  async #run(session: SocketSession, event: unknown, payloads: unknown[]): Promise<unknown> {
    await consumeOrRefuse(this.limiter, session.claims.sub, 'requests');
    if (!isRequestName(event)) throw new ClassroomError('BAD_REQUEST', 'unknown event');
    if (payloads.length > 1) throw new ClassroomError('BAD_REQUEST', 'a request carries one payload');
    return this.#request(session, event, payloads[0]);
  }

  async #request<N extends ClientRequestName>(session: SocketSession, name: N, payload: unknown): Promise<ResponseOf<N>> {
    if (payloadBytes(payload) > MAX_EVENT_PAYLOAD_BYTES) throw new ClassroomError('BAD_REQUEST', 'payload too large');
    const def = clientRequests[name];
    const anyOf: readonly Permission[] = typeof def.permission === 'string' ? [def.permission] : def.permission;
    if (!anyOf.some((p) => can(session.claims.role, p))) throw new ClassroomError('FORBIDDEN', `role ${session.claims.role} may not ${name}`);
    if (!session.participant && !BEFORE_JOIN.has(name)) throw new ClassroomError('INVALID_STATE', 'join the lesson first');
    const parsed = def.request.safeParse(payload ?? {});
    if (!parsed.success) throw ClassroomError.fromZod(parsed.error, name);
    const handler = this.handlers[name] as Handler<N>;
    return handler(session, parsed.data as RequestOf<N>);
  }
}
