import type { Socket } from 'socket.io';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
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

export interface SocketSession {
  claims: JoinTokenClaims;
  socket: Socket;
  /** Set by `lesson:join`; every other request needs it. */
  participant: LiveParticipant | undefined;
}

export type Handler<N extends ClientRequestName> = (session: SocketSession, request: RequestOf<N>) => Promise<ResponseOf<N>>;
export type HandlerMap = { [N in ClientRequestName]: Handler<N> };

/** Events a session may send before it has joined. */
const BEFORE_JOIN = new Set<ClientRequestName>(['lesson:join']);

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
  readonly #limiter: RateLimiterMemory;
  readonly #observers: RequestObserver[] = [];

  constructor(
    private readonly handlers: HandlerMap,
    private readonly log: Logger,
    limits: { eventsPerSecond: number } = { eventsPerSecond: 50 },
  ) {
    this.#limiter = new RateLimiterMemory({ points: limits.eventsPerSecond, duration: 1 });
  }

  onSettled(observer: RequestObserver): void {
    this.#observers.push(observer);
  }

  attach(session: SocketSession): void {
    const { socket } = session;
    for (const name of Object.keys(clientRequests) as ClientRequestName[]) {
      socket.on(name, (payload: unknown, ack: unknown) => void this.#dispatch(session, name, payload, ack));
    }
    socket.onAny((event: string, ...args: unknown[]) => {
      if (event in clientRequests) return;
      const ack = args.at(-1);
      this.log.debug({ event }, 'unknown event');
      if (typeof ack === 'function') ack({ ok: false, error: toWireError(new ClassroomError('BAD_REQUEST', 'unknown event')) });
    });
  }

  async #dispatch(session: SocketSession, name: ClientRequestName, payload: unknown, ack: unknown): Promise<void> {
    if (typeof ack !== 'function') {
      // Requests are acknowledged by contract; without a callback there is nobody to answer.
      this.log.debug({ event: name }, 'request without ack ignored');
      return;
    }
    const started = performance.now();
    const reply = (res: Ack<unknown>) => {
      (ack as (res: Ack<unknown>) => void)(res);
      const seconds = (performance.now() - started) / 1000;
      for (const observe of this.#observers) observe(name, res.ok ? 'ok' : res.error.code, seconds);
    };
    try {
      const data = await this.#run(session, name, payload);
      reply({ ok: true, data });
    } catch (err) {
      const error = toWireError(err);
      if (error.code === 'INTERNAL') this.log.error({ err, event: name }, 'handler failed');
      reply({ ok: false, error });
    }
  }

  async #run<N extends ClientRequestName>(session: SocketSession, name: N, payload: unknown): Promise<ResponseOf<N>> {
    await this.#limiter.consume(session.claims.sub).catch((res: unknown) => {
      if (res instanceof RateLimiterRes) {
        throw new ClassroomError('RATE_LIMITED', 'too many requests', { retryAfter: Math.ceil(res.msBeforeNext / 1000) });
      }
      throw res;
    });
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
