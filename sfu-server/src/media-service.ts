import { ClassroomError } from '@dualclass/protocol';
import type { Logger } from 'pino';
import { ROUTER_MEDIA_CODECS } from './codecs.ts';
import { MediaRoom, type Notify, type PeerMedia, type TransportSettings } from './media-room.ts';
import type { WorkerPool } from './worker-pool.ts';

/**
 * The lessons this SFU hosts: one MediaRoom per lessonId, placed on the pool's least-loaded worker.
 * Every lookup goes lesson → participant → object, so an id from another lesson or participant is simply absent.
 */
export class MediaService {
  readonly #pool: WorkerPool;
  readonly #transport: TransportSettings;
  readonly #notify: Notify;
  readonly #log: Logger;
  readonly #rooms = new Map<string, MediaRoom>();
  // Concurrent router.ensure calls for one lesson share one creation instead of racing two routers.
  readonly #creating = new Map<string, Promise<MediaRoom>>();
  #closed = false;
  #draining = false;
  readonly #emptied = new Set<() => void>();

  constructor(options: { pool: WorkerPool; transport: TransportSettings; notify: Notify; log: Logger }) {
    this.#pool = options.pool;
    this.#transport = options.transport;
    this.#notify = options.notify;
    this.#log = options.log;
    this.#pool.on('routersclosed', ({ lessonIds, reason }) => {
      for (const lessonId of lessonIds) {
        this.#rooms.get(lessonId)?.close(reason);
        this.#notify('router.closed', { lessonId, reason });
      }
    });
  }

  get pool(): WorkerPool {
    return this.#pool;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Stops taking new lessons and waits until the ones here have ended, or `deadlineMs` passes (then they are cut):
   * a rolling restart lets lessons in progress finish instead of dropping every classroom at once.
   */
  async drain(deadlineMs: number): Promise<{ cut: number }> {
    this.#draining = true;
    this.#log.info({ rooms: this.#rooms.size, deadlineMs }, 'draining: no new lessons on this node');
    if (this.#rooms.size > 0) {
      let done: () => void = () => undefined;
      const emptied = new Promise<void>((resolve) => (done = resolve));
      this.#emptied.add(done);
      const timer = setTimeout(done, deadlineMs);
      await emptied;
      clearTimeout(timer);
      this.#emptied.delete(done);
    }
    const cut = this.#rooms.size;
    if (cut > 0) this.#log.warn({ rooms: cut }, 'drain deadline passed with lessons still here');
    return { cut };
  }

  async ensureRoom(lessonId: string): Promise<MediaRoom> {
    const existing = this.#rooms.get(lessonId);
    if (existing && !existing.closed) return existing;
    if (this.#draining) throw new ClassroomError('UNAVAILABLE', 'this SFU node is draining; use another one');
    let pending = this.#creating.get(lessonId);
    if (!pending) {
      pending = this.#createRoom(lessonId).finally(() => this.#creating.delete(lessonId));
      this.#creating.set(lessonId, pending);
    }
    return pending;
  }

  room(lessonId: string): MediaRoom {
    const room = this.#rooms.get(lessonId);
    if (!room) throw new ClassroomError('NOT_FOUND', 'media room not found');
    return room;
  }

  /** A participant's existing media in a lesson; NOT_FOUND hides whether the lesson or the participant is missing. */
  peer(lessonId: string, participantId: string): PeerMedia {
    return this.room(lessonId).existingPeer(participantId);
  }

  closeRoom(lessonId: string, reason: string): void {
    this.#rooms.get(lessonId)?.close(reason);
  }

  /** Idempotent: signaling releases media on every leave, including participants that never sent any. */
  closePeer(lessonId: string, participantId: string, reason: string): void {
    const room = this.#rooms.get(lessonId);
    if (room?.hasPeer(participantId)) room.existingPeer(participantId).close(reason);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const room of this.#rooms.values()) room.close('sfu shutting down');
    this.#rooms.clear();
    this.#pool.close();
  }

  async #createRoom(lessonId: string): Promise<MediaRoom> {
    const router = await this.#pool.createRouter(lessonId, ROUTER_MEDIA_CODECS);
    if (this.#closed) {
      router.close();
      throw new ClassroomError('UNAVAILABLE', 'sfu is shutting down');
    }
    const log = this.#log.child({ lessonId });
    const room = new MediaRoom({
      lessonId,
      router,
      placePeer: () => this.#pool.routerForPeer(lessonId, ROUTER_MEDIA_CODECS),
      transport: this.#transport,
      notify: this.#notify,
      log,
    });
    this.#rooms.set(lessonId, room);
    room.once('close', (reason) => {
      if (this.#rooms.get(lessonId) === room) this.#rooms.delete(lessonId);
      if (this.#rooms.size === 0) for (const done of this.#emptied) done();
      log.info({ reason }, 'media room closed');
    });
    log.info({ routerId: router.id }, 'media room created');
    return room;
  }
}
