import { ClassroomError, isClassroomError, type Role, type SfuNotification, type SfuNotificationName, type SfuRpcMethod, type SfuRpcParams, type SfuRpcResult } from '@dualclass/protocol';
import type { SfuClient } from '@dualclass/sfu-server/client';
import type { Logger } from 'pino';
import { z } from 'zod';

/**
 * Several SFU nodes behind the one `call`/`on` interface signaling already speaks to a single SFU. A lesson has a
 * home node, where the studio's producers live; every other participant is placed on the node with the fewest
 * participants, so one lesson's viewers spread over nodes. When a viewer consumes a producer that lives on another
 * node, the producer is first cascaded there over a pipe link (sfu-server's `pipe.*`), once per node; pauses and
 * closes of the origin follow to the copies.
 */

/** Where a lesson's media is, as data: saved with the lesson's live state so another signaling node can carry on. */
export const PlacementSchema = z.object({
  home: z.string().nullable(),
  participants: z.array(z.tuple([z.string(), z.string()])),
  producers: z.array(z.tuple([z.string(), z.string()])),
  copies: z.array(z.tuple([z.string(), z.array(z.string())])),
});
export type Placement = z.infer<typeof PlacementSchema>;

export interface SfuNode {
  /** Stable name, used in link ids (letters, digits, `_.:-`). */
  id: string;
  /** Its RPC URL, as other services (the recorder) reach it. */
  url: string;
  client: SfuClient;
}

/** What LessonService and the handlers use: one SfuClient, or a cluster of them. */
export type SfuApi = Pick<SfuClient, 'call' | 'on'>;

type Listener<N extends SfuNotificationName> = (data: SfuNotification<N>) => void;

/** Methods that create media for a participant: its node must have the lesson's router first. */
const CREATES_MEDIA = new Set<SfuRpcMethod>(['transport.createWebRtc', 'transport.createPlainRecv', 'ingest.createPlainRtp', 'whip.publish']);

const key = (...parts: string[]) => parts.join('\u0000');
/** How long a node that refused a new lesson is passed over. */
const REFUSAL_BACKOFF_MS = 30_000;

export class SfuCluster implements SfuApi {
  readonly #nodes: SfuNode[];
  readonly #log: Logger;
  /** (lesson, participant) → node. */
  readonly #placement = new Map<string, SfuNode>();
  readonly #home = new Map<string, SfuNode>();
  /** (lesson, producer) → the node it was produced on. */
  readonly #origin = new Map<string, SfuNode>();
  /** (lesson, producer) → nodes holding a cascaded copy. */
  readonly #copies = new Map<string, Set<SfuNode>>();
  readonly #links = new Map<string, Promise<string>>();
  readonly #piping = new Map<string, Promise<void>>();
  readonly #listeners = new Map<SfuNotificationName, Set<(data: never) => void>>();
  #roleOf: (lessonId: string, participantId: string) => Role | undefined = () => undefined;
  /** Nodes that refused a new lesson (draining, no worker) and get none until then. */
  readonly #refusingUntil = new Map<SfuNode, number>();

  /** Load reported by the nodes themselves (the Redis registry): all signaling nodes' participants, not only ours. */
  readonly #reportedLoad = new Map<SfuNode, number>();

  constructor(nodes: SfuNode[], log: Logger) {
    this.#nodes = [];
    this.#log = log;
    for (const node of nodes) this.addNode(node);
  }

  /** A node joined (static list, or found in the registry). */
  addNode(node: SfuNode): void {
    this.#nodes.push(node);
    node.client.on('producer.closed', (data) => this.#producerClosed(node, data));
    node.client.on('router.closed', (data) => this.#routerClosed(node, data));
    node.client.on('consumer.closed', (data) => this.#emit('consumer.closed', data));
  }

  hasNode(id: string): boolean {
    return this.#nodes.some((n) => n.id === id);
  }

  /**
   * What a node says of itself: its load, and whether it takes new lessons (a draining or vanished node does not;
   * the lessons already on it carry on there).
   */
  reportNode(id: string, report: { peers: number; accepting: boolean }): void {
    const node = this.#nodes.find((n) => n.id === id);
    if (!node) return;
    this.#reportedLoad.set(node, report.peers);
    if (report.accepting) this.#refusingUntil.delete(node);
    else this.#refusingUntil.set(node, Number.POSITIVE_INFINITY);
  }

  /** The RPC URL of the node a producer was produced on (where the recorder taps it); undefined if unknown. */
  producerUrl(lessonId: string, producerId: string): string | undefined {
    return this.#origin.get(key(lessonId, producerId))?.url;
  }

  /** Who a participant is decides where it goes: the studio (master_teacher, encoder feeds) stays on the home node. */
  placeBy(roleOf: (lessonId: string, participantId: string) => Role | undefined): void {
    this.#roleOf = roleOf;
  }

  /** The node a participant's media is on (placing it now if it has none). */
  nodeOf(lessonId: string, participantId: string): SfuNode {
    const k = key(lessonId, participantId);
    let node = this.#placement.get(k);
    if (!node) {
      node = this.#roleOf(lessonId, participantId) === 'master_teacher' ? this.#homeOf(lessonId) : this.#leastLoaded(this.#homeOf(lessonId));
      this.#placement.set(k, node);
    }
    return node;
  }

  on<N extends SfuNotificationName>(name: N, listener: Listener<N>): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    const entry = listener as (data: never) => void;
    set.add(entry);
    return () => set.delete(entry);
  }

  async call<M extends SfuRpcMethod>(method: M, params: SfuRpcParams<M>): Promise<SfuRpcResult<M>> {
    const p = params as Record<string, unknown>;
    const lessonId = typeof p['lessonId'] === 'string' ? p['lessonId'] : undefined;
    const participantId = typeof p['participantId'] === 'string' ? p['participantId'] : undefined;
    if (!lessonId) return this.#all(method, params);
    switch (method) {
      case 'router.ensure':
        return this.#homeOf(lessonId).client.call(method, params);
      case 'router.close':
        this.#forgetLesson(lessonId);
        return this.#all(method, params);
    }
    if (!participantId) throw new ClassroomError('INTERNAL', `${method} names no participant`);
    const node = CREATES_MEDIA.has(method) ? await this.#nodeWithRoom(lessonId, participantId) : this.nodeOf(lessonId, participantId);
    if (method === 'consumer.create') await this.#ensureOn(lessonId, String(p['producerId']), node);
    const result = await node.client.call(method, params);
    this.#afterCall(method, lessonId, participantId, node, params, result);
    return result;
  }

  /**
   * The participant's node, with the lesson's router there. A node that refuses a lesson it does not have yet
   * (it is draining) is avoided for a while and the participant placed on another one.
   */
  async #nodeWithRoom(lessonId: string, participantId: string): Promise<SfuNode> {
    for (let attempt = 0; ; attempt++) {
      const node = this.nodeOf(lessonId, participantId);
      try {
        await node.client.call('router.ensure', { lessonId });
        return node;
      } catch (err) {
        if (!isClassroomError(err, 'UNAVAILABLE') || attempt >= this.#nodes.length - 1) throw err;
        this.#log.warn({ lessonId, node: node.id, reason: err.message }, 'SFU node refused the lesson; placing elsewhere');
        this.#refusingUntil.set(node, Date.now() + REFUSAL_BACKOFF_MS);
        this.#placement.delete(key(lessonId, participantId));
        if (this.#home.get(lessonId) === node) this.#home.delete(lessonId);
      }
    }
  }

  #afterCall<M extends SfuRpcMethod>(method: M, lessonId: string, participantId: string, node: SfuNode, params: SfuRpcParams<M>, result: SfuRpcResult<M>): void {
    const r = result as Record<string, unknown>;
    switch (method) {
      case 'producer.create':
        this.#origin.set(key(lessonId, String(r['producerId'])), node);
        return;
      case 'ingest.createPlainRtp':
      case 'whip.publish':
        for (const t of r['tracks'] as { producerId: string }[]) this.#origin.set(key(lessonId, t.producerId), node);
        return;
      case 'producer.setPaused': {
        const { producerId, paused } = params as SfuRpcParams<'producer.setPaused'>;
        for (const copy of this.#copies.get(key(lessonId, producerId)) ?? []) {
          copy.client
            .call('pipe.setReceivedPaused', { lessonId, producerId, paused })
            .catch((err: unknown) => this.#log.warn({ err, lessonId, producerId, node: copy.id }, 'could not mirror a pause to a cascaded copy'));
        }
        return;
      }
      case 'participant.close':
        this.#placement.delete(key(lessonId, participantId));
        return;
    }
  }

  /** Calls every node (lesson-wide or node-wide methods) and answers with the first node's result. */
  async #all<M extends SfuRpcMethod>(method: M, params: SfuRpcParams<M>): Promise<SfuRpcResult<M>> {
    if (this.#nodes.length === 0) throw new ClassroomError('UNAVAILABLE', 'no SFU node is available');
    const results = await Promise.all(this.#nodes.map((n) => n.client.call(method, params)));
    if (method === 'worker.list') {
      const workers = results.flatMap((r) => (r as SfuRpcResult<'worker.list'>).workers);
      return { workers } as SfuRpcResult<M>;
    }
    return results[0]!;
  }

  #homeOf(lessonId: string): SfuNode {
    let home = this.#home.get(lessonId);
    if (!home) {
      home = this.#leastLoaded();
      this.#home.set(lessonId, home);
    }
    return home;
  }

  /**
   * Fewest placed participants over all lessons; ties go to the earlier node. A viewer counts its lesson's home as one
   * busier, since the studio's ingest and first fan-out happen there.
   */
  #leastLoaded(home?: SfuNode): SfuNode {
    const now = Date.now();
    const willing = this.#nodes.filter((n) => (this.#refusingUntil.get(n) ?? 0) <= now);
    const candidates = willing.length > 0 ? willing : this.#nodes;
    if (candidates.length === 0) throw new ClassroomError('UNAVAILABLE', 'no SFU node is available');
    const load = new Map(candidates.map((n) => [n, (n === home ? 1 : 0) + (this.#reportedLoad.get(n) ?? 0)]));
    // Our own placements count where the node has not reported (a static list); reported load already holds them.
    for (const node of this.#placement.values()) if (load.has(node) && !this.#reportedLoad.has(node)) load.set(node, load.get(node)! + 1);
    return candidates.reduce((best, n) => (load.get(n)! < load.get(best)! ? n : best));
  }

  /** Makes a producer consumable on `target`: a no-op where it lives, else a cascade from its origin (once). */
  async #ensureOn(lessonId: string, producerId: string, target: SfuNode): Promise<void> {
    const origin = this.#origin.get(key(lessonId, producerId));
    // Unknown producers are left to the target node, which answers NOT_FOUND like for any foreign id.
    if (!origin || origin === target) return;
    const k = key(lessonId, producerId, target.id);
    let pending = this.#piping.get(k);
    if (!pending) {
      pending = this.#pipe(lessonId, producerId, origin, target).catch((err: unknown) => {
        this.#piping.delete(k);
        throw err;
      });
      this.#piping.set(k, pending);
    }
    await pending;
  }

  async #pipe(lessonId: string, producerId: string, origin: SfuNode, target: SfuNode): Promise<void> {
    const linkId = await this.#link(lessonId, origin, target);
    const sent = await origin.client.call('pipe.send', { lessonId, linkId, producerId });
    await target.client.call('pipe.receive', { lessonId, linkId, producerId, ...sent });
    const k = key(lessonId, producerId);
    let copies = this.#copies.get(k);
    if (!copies) {
      copies = new Set();
      this.#copies.set(k, copies);
    }
    copies.add(target);
    this.#log.info({ lessonId, producerId, from: origin.id, to: target.id }, 'producer cascaded');
  }

  /** One link per lesson and node pair, both ends opened and connected to each other. */
  #link(lessonId: string, one: SfuNode, other: SfuNode): Promise<string> {
    const [x, y] = [one, other].sort((p, q) => p.id.localeCompare(q.id)) as [SfuNode, SfuNode];
    const linkId = `${x.id}.${y.id}`;
    const k = key(lessonId, linkId);
    let pending = this.#links.get(k);
    if (!pending) {
      pending = (async () => {
        const [endX, endY] = await Promise.all([x.client.call('pipe.open', { lessonId, linkId }), y.client.call('pipe.open', { lessonId, linkId })]);
        await Promise.all([
          x.client.call('pipe.connect', { lessonId, linkId, remote: endY }),
          y.client.call('pipe.connect', { lessonId, linkId, remote: endX }),
        ]);
        return linkId;
      })().catch((err: unknown) => {
        this.#links.delete(k);
        throw err;
      });
      this.#links.set(k, pending);
    }
    return pending;
  }

  #producerClosed(node: SfuNode, data: SfuNotification<'producer.closed'>): void {
    const k = key(data.lessonId, data.producerId);
    if (this.#origin.get(k) !== node) return; // a cascaded copy closing is not the publication going away
    this.#origin.delete(k);
    for (const copy of this.#copies.get(k) ?? []) {
      this.#piping.delete(key(data.lessonId, data.producerId, copy.id));
      copy.client.call('pipe.closeReceived', { lessonId: data.lessonId, producerId: data.producerId }).catch(() => undefined);
    }
    this.#copies.delete(k);
    this.#emit('producer.closed', data);
  }

  /**
   * A node lost the lesson's router (its worker died): its links and copies went with it. Clients rebuild all their
   * media after `router.closed`, so the other nodes drop the lesson too and everything is placed afresh.
   */
  #routerClosed(node: SfuNode, data: SfuNotification<'router.closed'>): void {
    this.#log.warn({ lessonId: data.lessonId, node: node.id, reason: data.reason }, 'a node lost the lesson router');
    this.#forgetLesson(data.lessonId);
    for (const other of this.#nodes) {
      if (other !== node) other.client.call('router.close', { lessonId: data.lessonId }).catch(() => undefined);
    }
    this.#emit('router.closed', data);
  }

  #forgetLesson(lessonId: string): void {
    const prefix = key(lessonId, '');
    for (const map of [this.#placement, this.#origin, this.#copies, this.#links, this.#piping] as Map<string, unknown>[]) {
      for (const k of map.keys()) if (k.startsWith(prefix)) map.delete(k);
    }
    this.#home.delete(lessonId);
  }

  /** The lesson's placement, to save with its live state. */
  exportLesson(lessonId: string): Placement {
    const prefix = key(lessonId, '');
    const strip = (k: string) => k.slice(prefix.length);
    const within = <V>(map: Map<string, V>) => [...map].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [strip(k), v] as const);
    return {
      home: this.#home.get(lessonId)?.id ?? null,
      participants: within(this.#placement).map(([id, node]) => [id, node.id]),
      producers: within(this.#origin).map(([id, node]) => [id, node.id]),
      copies: within(this.#copies).map(([id, nodes]) => [id, [...nodes].map((n) => n.id)]),
    };
  }

  /** Takes over a placement another signaling node saved; media keeps flowing where it is, nothing is re-piped. */
  importLesson(lessonId: string, placement: Placement): void {
    const byId = new Map(this.#nodes.map((n) => [n.id, n]));
    const node = (id: string) => byId.get(id);
    const home = placement.home ? node(placement.home) : undefined;
    if (home) this.#home.set(lessonId, home);
    for (const [id, n] of placement.participants) if (node(n)) this.#placement.set(key(lessonId, id), node(n)!);
    for (const [id, n] of placement.producers) if (node(n)) this.#origin.set(key(lessonId, id), node(n)!);
    for (const [producerId, ids] of placement.copies) {
      const copies = new Set(ids.flatMap((id) => (node(id) ? [node(id)!] : [])));
      this.#copies.set(key(lessonId, producerId), copies);
      const origin = this.#origin.get(key(lessonId, producerId));
      for (const copy of copies) {
        this.#piping.set(key(lessonId, producerId, copy.id), Promise.resolve());
        if (origin) {
          const [x, y] = [origin, copy].sort((p, q) => p.id.localeCompare(q.id)) as [SfuNode, SfuNode];
          this.#links.set(key(lessonId, `${x.id}.${y.id}`), Promise.resolve(`${x.id}.${y.id}`));
        }
      }
    }
  }

  #emit<N extends SfuNotificationName>(name: N, data: SfuNotification<N>): void {
    for (const listener of this.#listeners.get(name) ?? []) (listener as Listener<N>)(data);
  }
}
