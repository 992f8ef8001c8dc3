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

  constructor(private readonly stack: Stack) {}

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
    const ack = await request(socket, 'lesson:join', {});
    if (!ack.ok) throw new Error(`join failed: ${JSON.stringify(ack.error)}`);
    return { socket, self: (ack.data as { self: { id: string } }).self, snapshot: ack.data as Record<string, unknown> };
  }

  closeAll(): void {
    for (const s of this.#sockets) s.disconnect();
  }
}

/** Sends any event name with any payload — tests need to send what the typed client would refuse. */
export async function request(socket: ClientSocket, name: string, payload: unknown): Promise<Ack<unknown>> {
  return (socket.timeout(5_000) as unknown as { emitWithAck(n: string, p: unknown): Promise<Ack<unknown>> }).emitWithAck(name, payload);
}

export async function ok<T = Record<string, unknown>>(socket: ClientSocket, name: string, payload: unknown = {}): Promise<T> {
  const ack = await request(socket, name, payload);
  if (!ack.ok) throw new Error(`${name} failed: ${JSON.stringify(ack.error)}`);
  return ack.data as T;
}

/** Resolves with the next push of `event` that satisfies `match`. */
export function next<T = Record<string, unknown>>(socket: ClientSocket, event: string, match: (payload: T) => boolean = () => true, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const s = socket as unknown as { on(e: string, f: (p: T) => void): void; off(e: string, f: (p: T) => void): void };
    const timer = setTimeout(() => {
      s.off(event, handler);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const handler = (payload: T) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      s.off(event, handler);
      resolve(payload);
    };
    s.on(event, handler);
  });
}

/** Records every push of the given events, to assert later that something never arrived. */
export function record(socket: ClientSocket, events: string[]): Map<string, unknown[]> {
  const seen = new Map<string, unknown[]>(events.map((e) => [e, []]));
  const s = socket as unknown as { on(e: string, f: (p: unknown) => void): void };
  for (const e of events) s.on(e, (p) => seen.get(e)!.push(p));
  return seen;
}
