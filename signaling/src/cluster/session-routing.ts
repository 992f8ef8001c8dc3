import type { Server } from 'socket.io';
import { z } from 'zod';
import { ackSchema, JoinTokenClaimsSchema, toWireError, type Ack, type JoinTokenClaims } from '@dualclass/protocol';
import type { Logger } from 'pino';
import type { SocketSession } from '../realtime/dispatch.ts';
import type { LiveParticipant } from '../lessons/live-lesson.ts';
import type { LessonOwners } from './lesson-owners.ts';
import { NodeGoneError, type NodeBus } from './node-bus.ts';

/**
 * Any signaling node can serve any participant: a socket's requests run on its lesson's owner node. Where the
 * socket is connected here and this node owns the lesson, nothing changes; otherwise each request travels over the
 * node bus, runs on the owner against a session that stands in for the socket (its joins, emits and disconnects go
 * through the socket.io Redis adapter to wherever the socket is), and the answer comes back as the ack.
 */

/** What session code does with a socket, wherever it is connected. */
export interface SessionSocket {
  readonly id: string;
  join(rooms: string[]): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  disconnect(close?: boolean): unknown;
}

/** A socket connected to another node, reached through the adapter. */
export function remoteSocket(io: Server, id: string): SessionSocket {
  return {
    id,
    join: (rooms) => io.in(id).socketsJoin(rooms),
    emit: (event, ...args) => (io.to(id).emit as (e: string, ...a: unknown[]) => boolean)(event, ...args),
    disconnect: (close) => io.in(id).disconnectSockets(close),
  };
}

const TOPIC = 'session';
const SocketIdSchema = z.string().min(1).max(64);
const BusMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('request'),
    socketId: SocketIdSchema,
    claims: JoinTokenClaimsSchema,
    remoteAddress: z.string().max(64),
    event: z.unknown(),
    payloads: z.array(z.unknown()),
  }),
  z.object({ type: z.literal('ended'), socketId: SocketIdSchema, reason: z.string().max(100) }),
]);
type BusMessage = z.infer<typeof BusMessageSchema>;
const AnyAckSchema = ackSchema(z.unknown());

export interface SessionRoutingDeps {
  owners: LessonOwners;
  /** Absent on one node: everything runs here. */
  bus: NodeBus | undefined;
  io: Server;
  log: Logger;
  /** Runs one request on this node (the dispatcher). */
  answer(session: SocketSession, event: unknown, payloads: unknown[]): Promise<Ack<unknown>>;
  /** The socket behind a session went away (suspend or leave, as on one node). */
  ended(session: SocketSession, reason: string): void;
  /** A live participant of the session's lesson whose last socket is `socketId` (restored from another node). */
  restoredParticipant(claims: JoinTokenClaims, socketId: string): LiveParticipant | undefined;
  /** Makes the session speak for the participant again (what `lesson:join` with a resume key does). */
  rebind(session: SocketSession, participant: LiveParticipant): Promise<void>;
  /** A session for a socket of another node, as this node's sessions are made. */
  standIn(claims: JoinTokenClaims, socket: SessionSocket, remoteAddress: string): SocketSession;
}

export class SessionRouting {
  /** Stand-ins for sockets on other nodes whose lesson this node owns, by socket id. */
  readonly #standIns = new Map<string, SocketSession>();

  constructor(private readonly deps: SessionRoutingDeps) {
    deps.bus?.onRequest(TOPIC, async (body) => this.#onBus(BusMessageSchema.parse(body)));
    deps.bus?.onNotice(TOPIC, (body) => {
      const parsed = BusMessageSchema.safeParse(body);
      if (parsed.success) void this.#onBus(parsed.data);
    });
  }

  /**
   * Answers one request from a socket connected here, on whichever node owns its lesson. An owner that is gone
   * is replaced on the spot: this node takes the lesson over (restoring its saved state) and answers itself.
   */
  async answer(session: SocketSession, event: unknown, payloads: unknown[]): Promise<Ack<unknown>> {
    const { bus, owners } = this.deps;
    try {
      let owner = bus ? await owners.ownerOf(session.claims.lessonId) : owners.nodeId;
      if (bus && owner !== owners.nodeId) {
        try {
          return await this.#forward(bus, owner, session, event, payloads);
        } catch (err) {
          if (!(err instanceof NodeGoneError)) throw err;
          owner = await owners.takeOver(session.claims.lessonId, err.nodeId);
          if (owner !== owners.nodeId) return await this.#forward(bus, owner, session, event, payloads);
        }
      }
      await this.#reattach(session);
      return await this.deps.answer(session, event, payloads);
    } catch (err) {
      return { ok: false, error: toWireError(err) };
    }
  }

  async #forward(bus: NodeBus, owner: string, session: SocketSession, event: unknown, payloads: unknown[]): Promise<Ack<unknown>> {
    const message: BusMessage = { type: 'request', socketId: session.socket.id, claims: session.claims, remoteAddress: session.remoteAddress, event, payloads };
    const ack = AnyAckSchema.parse(await bus.request(owner, TOPIC, message));
    // The connection's deadline lives with the socket, here: a refresh answered by the owner moves it.
    if (event === 'session:refresh' && ack.ok) session.expiry.extend(Date.parse((ack.data as { expiresAt: string }).expiresAt) / 1000);
    return ack;
  }

  /**
   * A session whose lesson moved here (the owner died) may speak for a participant this node restored: the one
   * whose last socket it is. It takes it over as a resume would.
   */
  async #reattach(session: SocketSession): Promise<void> {
    if (session.participant && !session.participant.closed) return;
    const participant = this.deps.restoredParticipant(session.claims, session.socket.id);
    if (participant) await this.deps.rebind(session, participant);
  }

  /** A socket connected here went away. */
  async ended(session: SocketSession, reason: string): Promise<void> {
    const { bus, owners } = this.deps;
    const owner = bus ? await owners.ownerOf(session.claims.lessonId).catch(() => owners.nodeId) : owners.nodeId;
    if (owner === owners.nodeId || !bus) return this.deps.ended(session, reason);
    const message: BusMessage = { type: 'ended', socketId: session.socket.id, reason };
    await bus.notify(owner, TOPIC, message).catch((err: unknown) => this.deps.log.warn({ err, owner }, 'could not tell the lesson owner a socket left'));
  }

  async #onBus(message: BusMessage): Promise<Ack<unknown> | undefined> {
    if (message.type === 'ended') {
      const session = this.#standIns.get(message.socketId);
      this.#standIns.delete(message.socketId);
      if (session) this.deps.ended(session, message.reason);
      return undefined;
    }
    let session = this.#standIns.get(message.socketId);
    if (!session) {
      session = this.deps.standIn(message.claims, remoteSocket(this.deps.io, message.socketId), message.remoteAddress);
      this.#standIns.set(message.socketId, session);
    }
    await this.#reattach(session);
    return this.deps.answer(session, message.event, message.payloads);
  }
}
