import { randomBytes } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, IssueToken, ServerToClientEvents } from '@dualclass/protocol';
import type { Stack } from '../../../infra/src/stack.ts';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Real socket.io participants for integration tests: each joins with a token the management API issued,
 * and every socket opened is closed by `closeAll`.
 */
export class TestParticipants {
  readonly #sockets: ClientSocket[] = [];

  /** `node`: the signaling server the sockets connect to and the admin client that issues their tokens. */
  constructor(private readonly stack: Pick<Stack, 'url' | 'admin'>) {}

  open(token: string, extra: Record<string, string> = {}): ClientSocket {
    const socket: ClientSocket = connect(this.stack.url, {
      path: '/socket.io',
      transports: ['websocket'],
      auth: { token, ...extra },
      reconnection: false,
      forceNew: true,
    });
    this.#sockets.push(socket);
    return socket;
  }

  async connected(token: string, extra: Record<string, string> = {}): Promise<ClientSocket> {
    const socket = this.open(token, extra);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return socket;
  }

  async refused(token: string, extra: Record<string, string> = {}): Promise<{ message: string; data: unknown }> {
    const socket = this.open(token, extra);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => reject(new Error('handshake unexpectedly accepted')));
      socket.once('connect_error', (err) => resolve({ message: err.message, data: (err as Error & { data?: unknown }).data }));
    });
  }

  async token(lessonId: string, role: IssueToken['role'], extra: Partial<IssueToken> = {}): Promise<string> {
    const issued = await this.stack.admin.issueToken(lessonId, { role, displayName: `${role}-${randomBytes(3).toString('hex')}`, ...extra });
    return issued.token;
  }

  /** Connects and joins; returns the socket and the join ack's data. */
  async join(lessonId: string, role: IssueToken['role'], extra: Partial<IssueToken> = {}) {
    const socket = await this.connected(await this.token(lessonId, role, extra));
    const snapshot = await ok<Record<string, unknown> & { self: { id: string } }>(socket, 'lesson:join');
    return { socket, self: snapshot.self, snapshot };
  }

  closeAll(): void {
    for (const s of this.#sockets) s.disconnect();
  }
}

/** Sends any event name with any payload — tests need to send what the typed client would refuse. */
export async function request<T = unknown>(socket: ClientSocket, name: string, payload: unknown = {}): Promise<Ack<T>> {
  return (socket.timeout(5_000) as unknown as { emitWithAck(n: string, p: unknown): Promise<Ack<T>> }).emitWithAck(name, payload);
}

export async function ok<T = Record<string, unknown>>(socket: ClientSocket, name: string, payload: unknown = {}): Promise<T> {
  const ack = await request<T>(socket, name, payload);
  if (!ack.ok) throw new Error(`${name} failed: ${JSON.stringify(ack.error)}`);
  return ack.data;
}

type EventName = keyof ServerToClientEvents;
export type Payload<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

/** socket.io-client's listener typing does not follow a generic event name; listen through this untyped view. */
interface RawListeners {
  on(event: string, listener: (payload: unknown) => void): unknown;
  off(event: string, listener: (payload: unknown) => void): unknown;
}
const raw = (socket: ClientSocket) => socket as unknown as RawListeners;

/** Everything a socket receives of one push from now on, to assert later that something never arrived. */
export function collect<E extends EventName>(socket: ClientSocket, event: E): Payload<E>[] {
  const seen: Payload<E>[] = [];
  raw(socket).on(event, (payload) => seen.push(payload as Payload<E>));
  return seen;
}

/** The next push of `event` that matches. */
export function next<E extends EventName>(
  socket: ClientSocket,
  event: E,
  match: (p: Payload<E>) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<Payload<E>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      raw(socket).off(event, listener);
      reject(new Error(`no matching ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: unknown) => {
      if (!match(payload as Payload<E>)) return;
      clearTimeout(timer);
      raw(socket).off(event, listener);
      resolve(payload as Payload<E>);
    };
    raw(socket).on(event, listener);
  });
}
