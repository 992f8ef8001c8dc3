import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ClassroomError, toWireError, WireErrorSchema } from '@dualclass/protocol';
import { orUnavailable } from '../state/redis-command.ts';

/**
 * Request/reply between signaling nodes over Redis pub/sub: each node listens on its own channel. Publishing to a
 * node nobody listens for (it died) is noticed at once from PUBLISH's receiver count, so callers can fail over
 * instead of waiting out a timeout.
 */

const channel = (nodeId: string) => `dualclass:node:${nodeId}`;

/** The target node does not listen on the bus: it is gone (crashed, or shut down). */
export class NodeGoneError extends ClassroomError {
  constructor(readonly nodeId: string) {
    super('UNAVAILABLE', `node ${nodeId} is not listening`);
  }
}

const EnvelopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('request'), topic: z.string(), id: z.string(), from: z.string(), body: z.unknown() }),
  z.object({ kind: z.literal('notice'), topic: z.string(), from: z.string(), body: z.unknown() }),
  z.object({ kind: z.literal('reply'), id: z.string(), body: z.unknown() }),
  z.object({ kind: z.literal('failure'), id: z.string(), error: WireErrorSchema }),
]);
type Envelope = z.infer<typeof EnvelopeSchema>;

export type BusHandler = (body: unknown, from: string) => Promise<unknown>;
export type NoticeHandler = (body: unknown, from: string) => void;

export class NodeBus {
  readonly #pending = new Map<string, { resolve: (body: unknown) => void; reject: (err: ClassroomError) => void; timer: NodeJS.Timeout }>();
  /** Handlers by topic: each feature (session routing, lesson operations) talks on its own. */
  readonly #onRequest = new Map<string, BusHandler>();
  readonly #onNotice = new Map<string, NoticeHandler>();

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    readonly nodeId: string,
    private readonly log: Logger,
  ) {}

  /** `sub` must be a connection of its own: a subscribed Redis connection can do nothing else. */
  static async start(pub: Redis, sub: Redis, nodeId: string, log: Logger): Promise<NodeBus> {
    const bus = new NodeBus(pub, sub, nodeId, log);
    sub.on('message', (ch: string, raw: string) => {
      if (ch === channel(nodeId)) bus.#receive(raw);
    });
    await orUnavailable(sub.subscribe(channel(nodeId)));
    return bus;
  }

  onRequest(topic: string, handler: BusHandler): void {
    this.#onRequest.set(topic, handler);
  }

  onNotice(topic: string, handler: NoticeHandler): void {
    this.#onNotice.set(topic, handler);
  }

  /** UNAVAILABLE when the node is not listening (gone), TIMEOUT when it does not answer in time. */
  async request(target: string, topic: string, body: unknown, timeoutMs = 5_000): Promise<unknown> {
    const id = randomUUID();
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ClassroomError('TIMEOUT', `node ${target} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
    const receivers = await this.#publish(target, { kind: 'request', topic, id, from: this.nodeId, body }).catch((err: unknown) => {
      this.#settle(id, undefined, err instanceof ClassroomError ? err : new ClassroomError('UNAVAILABLE', String(err)));
      return 1;
    });
    if (receivers === 0) this.#settle(id, undefined, new NodeGoneError(target));
    return answer;
  }

  /** Fire and forget; false when nobody was listening. */
  async notify(target: string, topic: string, body: unknown): Promise<boolean> {
    return (await this.#publish(target, { kind: 'notice', topic, from: this.nodeId, body })) > 0;
  }

  close(): void {
    for (const [id] of this.#pending) this.#settle(id, undefined, new ClassroomError('UNAVAILABLE', 'node bus closed'));
    this.sub.unsubscribe(channel(this.nodeId)).catch(() => undefined);
  }

  #publish(target: string, envelope: Envelope): Promise<number> {
    return orUnavailable(this.pub.publish(channel(target), JSON.stringify(envelope)));
  }

  #settle(id: string, body: unknown, err?: ClassroomError): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (err) pending.reject(err);
    else pending.resolve(body);
  }

  #receive(raw: string): void {
    let envelope: Envelope;
    try {
      envelope = EnvelopeSchema.parse(JSON.parse(raw));
    } catch {
      this.log.warn('malformed node bus message dropped');
      return;
    }
    switch (envelope.kind) {
      case 'reply':
        return this.#settle(envelope.id, envelope.body);
      case 'failure':
        return this.#settle(envelope.id, undefined, ClassroomError.fromWire(envelope.error));
      case 'notice':
        return this.#onNotice.get(envelope.topic)?.(envelope.body, envelope.from);
      case 'request': {
        const { id, from, topic } = envelope;
        const handler = this.#onRequest.get(topic) ?? (async () => Promise.reject(new ClassroomError('UNAVAILABLE', `no ${topic} handler on this node`)));
        handler(envelope.body, from).then(
          (body) => this.#publish(from, { kind: 'reply', id, body }),
          (err: unknown) => this.#publish(from, { kind: 'failure', id, error: toWireError(err) }),
        ).catch((err: unknown) => this.log.warn({ err, to: from }, 'could not send a node bus reply'));
      }
    }
  }
}
