import { EventEmitter } from 'node:events';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { ClassroomError } from '@dualclass/protocol';
import type { Logger } from 'pino';

export interface WorkerPoolOptions {
  size: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  log: Logger;
  /** First replacement delay; doubles per restart of the same slot so a crash-looping worker cannot spin a core. */
  restartBackoffMs?: number;
}

export interface WorkerInfo {
  pid: number;
  routers: number;
  restarts: number;
}

export interface WorkerPoolEvents {
  /** A worker died: every router on it is already closed by mediasoup. Listeners release the lessons' rooms. */
  routersclosed: [{ lessonIds: string[]; reason: string }];
  /** A replacement worker is up (the first workers are there when `create` resolves; see `workers()`). */
  workerstarted: [{ slot: number; worker: types.Worker }];
}

const MAX_BACKOFF_MS = 10_000;

/**
 * A slot is a stable position in the pool; its worker is replaced when it dies, so restart counts and
 * `worker.list` ordering survive crashes.
 */
interface Slot {
  index: number;
  worker: types.Worker | undefined;
  restarts: number;
  /** Routers on the current worker, by lessonId; their count is the load used for placement. */
  routers: Map<string, types.Router>;
  /** Participants whose media is on this worker, over every lesson: where the next one goes. */
  peers: number;
  /** A lesson's router being created here, so two participants arriving at once share one. */
  creating: Map<string, Promise<types.Router>>;
  restartTimer: NodeJS.Timeout | undefined;
}

export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #options: WorkerPoolOptions;
  readonly #slots: Slot[] = [];
  #closed = false;

  private constructor(options: WorkerPoolOptions) {
    super();
    this.#options = options;
  }

  static async create(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    try {
      for (let index = 0; index < options.size; index++) {
        const slot: Slot = { index, worker: undefined, restarts: 0, routers: new Map(), peers: 0, creating: new Map(), restartTimer: undefined };
        pool.#slots.push(slot);
        await pool.#startWorker(slot, false);
      }
    } catch (err) {
      pool.close();
      throw err;
    }
    return pool;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Participants whose media is on this node, over every lesson (its load in the node registry). */
  peerCount(): number {
    return this.#slots.reduce((n, s) => n + s.peers, 0);
  }

  list(): WorkerInfo[] {
    return this.#slots.flatMap((s) => (s.worker ? [{ pid: s.worker.pid, routers: s.routers.size, restarts: s.restarts }] : []));
  }

  /** The live workers by slot, for monitoring. */
  workers(): { slot: number; worker: types.Worker }[] {
    return this.#slots.flatMap((s) => (s.worker && !s.worker.closed ? [{ slot: s.index, worker: s.worker }] : []));
  }

  /**
   * Creates a lesson's router on the least-loaded live worker. Load is routers per worker: rooms are the unit we
   * place, and a later cascade (pipeToRouter) is how one big lesson would spread across workers.
   */
  async createRouter(lessonId: string, mediaCodecs: types.RtpCodecCapability[]): Promise<types.Router> {
    return this.#routerOn(this.#leastBy((s) => s.routers.size), lessonId, mediaCodecs);
  }

  /**
   * Where one more participant of a lesson gets its media: the worker carrying the fewest participants (so one big
   * lesson spreads over every core), on the lesson's router there, created if the lesson has none on that worker.
   * `release` gives the place back when the participant's media closes.
   */
  async routerForPeer(lessonId: string, mediaCodecs: types.RtpCodecCapability[]): Promise<{ router: types.Router; release(): void }> {
    const slot = this.#leastBy((s) => s.peers);
    const worker = slot.worker;
    slot.peers++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      // A replaced worker starts from zero; places on the dead one are not its to give back.
      if (slot.worker === worker) slot.peers = Math.max(0, slot.peers - 1);
    };
    try {
      let router = slot.routers.get(lessonId);
      if (!router) {
        let pending = slot.creating.get(lessonId);
        if (!pending) {
          pending = this.#routerOn(slot, lessonId, mediaCodecs).finally(() => slot.creating.delete(lessonId));
          slot.creating.set(lessonId, pending);
        }
        router = await pending;
      }
      return { router, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  #leastBy(load: (slot: Slot) => number): Slot {
    if (this.#closed) throw new ClassroomError('UNAVAILABLE', 'sfu is shutting down');
    const live = this.#slots.filter((s) => s.worker && !s.worker.closed);
    const slot = live.reduce<Slot | undefined>((best, s) => (!best || load(s) < load(best) ? s : best), undefined);
    if (!slot) throw new ClassroomError('UNAVAILABLE', 'no media worker is available');
    return slot;
  }

  async #routerOn(slot: Slot, lessonId: string, mediaCodecs: types.RtpCodecCapability[]): Promise<types.Router> {
    const worker = slot.worker;
    if (!worker) throw new ClassroomError('UNAVAILABLE', 'no media worker is available');
    const router = await worker.createRouter({ mediaCodecs, appData: { lessonId } });
    // The worker may have been replaced while we awaited; a router on a dead worker is already closed.
    if (router.closed) throw new ClassroomError('UNAVAILABLE', 'media worker died while creating the router');
    slot.routers.set(lessonId, router);
    router.observer.once('close', () => {
      // On a crash mediasoup closes the routers before emitting 'died'; keep them so #onDied can report them.
      if (worker.died) return;
      if (slot.routers.get(lessonId) === router) slot.routers.delete(lessonId);
    });
    return router;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const slot of this.#slots) {
      clearTimeout(slot.restartTimer);
      slot.worker?.close();
      slot.worker = undefined;
      slot.routers.clear();
    }
    this.removeAllListeners();
  }

  async #startWorker(slot: Slot, replacing: boolean): Promise<void> {
    const { rtcMinPort, rtcMaxPort, log } = this.#options;
    const worker = await mediasoup.createWorker({ logLevel: 'warn', rtcMinPort, rtcMaxPort, appData: { slot: slot.index } });
    if (this.#closed) {
      worker.close();
      return;
    }
    slot.worker = worker;
    if (replacing) slot.restarts++;
    worker.once('died', (error) => this.#onDied(slot, worker, error));
    log.info({ slot: slot.index, pid: worker.pid, restarts: slot.restarts }, 'mediasoup worker started');
    if (replacing) this.emit('workerstarted', { slot: slot.index, worker });
  }

  #onDied(slot: Slot, worker: types.Worker, error: Error): void {
    if (this.#closed || slot.worker !== worker) return;
    const lessonIds = [...slot.routers.keys()];
    slot.routers.clear();
    slot.peers = 0;
    slot.worker = undefined;
    const reason = `media worker ${worker.pid} died`;
    this.#options.log.error({ slot: slot.index, pid: worker.pid, lessonIds, err: error }, 'mediasoup worker died');
    if (lessonIds.length > 0) this.emit('routersclosed', { lessonIds, reason });
    this.#scheduleRestart(slot, 0);
  }

  #scheduleRestart(slot: Slot, failedAttempts: number): void {
    const base = this.#options.restartBackoffMs ?? 250;
    const delay = Math.min(base * 2 ** (slot.restarts + failedAttempts), MAX_BACKOFF_MS);
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      this.#startWorker(slot, true).catch((err: unknown) => {
        this.#options.log.error({ slot: slot.index, err }, 'could not restart mediasoup worker');
        if (!this.#closed) this.#scheduleRestart(slot, failedAttempts + 1);
      });
    }, delay);
  }
}
