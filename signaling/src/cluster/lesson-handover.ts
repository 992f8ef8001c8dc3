import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { LessonService } from '../lessons/lesson-service.ts';
import { LiveLessonSnapshotSchema, snapshotOf } from '../lessons/live-snapshot.ts';
import { PlacementSchema, type Placement } from '../media/sfu-cluster.ts';
import { orUnavailable } from '../state/redis-command.ts';
import type { RedisLessonOwners } from './lesson-owners.ts';

/**
 * Keeps every lesson this node owns saved in Redis as it changes (its live state and where its media is), and
 * brings a lesson's saved state back when this node takes it over, so a signaling node dying or draining costs
 * the lesson nothing but the time to notice. Saving is a diff-checked poll (twice a second) rather than a hook in
 * every rule that changes state: nothing can be forgotten, and at most the last half second is lost.
 */

const savedKey = (lessonId: string) => `dualclass:lesson:${lessonId}:live`;
const SavedSchema = z.object({ live: LiveLessonSnapshotSchema, media: PlacementSchema.nullable() });
/** A lesson nobody touches for this long is gone (ended without cleanup, or abandoned). */
const SAVED_TTL_MS = 12 * 60 * 60 * 1000;

export interface MediaPlacement {
  exportLesson(lessonId: string): Placement | null;
  importLesson(lessonId: string, placement: Placement): void;
}

export class LessonHandover {
  readonly #lastSaved = new Map<string, string>();
  readonly #timer: NodeJS.Timeout;
  #saving = false;

  constructor(
    private readonly redis: Redis,
    private readonly owners: RedisLessonOwners,
    private readonly lessons: LessonService,
    private readonly media: MediaPlacement,
    private readonly log: Logger,
    intervalMs = 500,
  ) {
    owners.onClaim = (lessonId) => this.#restore(lessonId);
    // Another node holds the lesson now: whatever this node still has of it is stale and must not act.
    owners.on('lost', (lessonId) => {
      this.#lastSaved.delete(lessonId);
      lessons.registry.get(lessonId)?.abandon();
    });
    lessons.onLessonEnd((lessonId) => void this.#forget(lessonId));
    // A Redis that restarted empty has lost what was saved: save everything again once it is back.
    redis.on('ready', () => this.#lastSaved.clear());
    this.#timer = setInterval(() => void this.saveAll(), intervalMs);
    this.#timer.unref();
  }

  /** Saves every owned lesson that changed since its last save (also what a draining node does last). */
  async saveAll(): Promise<void> {
    if (this.#saving) return;
    this.#saving = true;
    try {
      for (const live of this.lessons.registry.all()) {
        if (live.closed || !this.owners.owns(live.lessonId)) continue;
        // Compared without its time stamp, so an unchanged lesson is not written again.
        const saved = { live: snapshotOf(live, 0), media: this.media.exportLesson(live.lessonId) };
        const body = JSON.stringify(saved);
        if (this.#lastSaved.get(live.lessonId) === body) continue;
        saved.live.savedAt = Date.now();
        await orUnavailable(this.redis.set(savedKey(live.lessonId), JSON.stringify(saved), 'PX', SAVED_TTL_MS));
        this.#lastSaved.set(live.lessonId, body);
      }
    } catch (err) {
      this.log.warn({ err }, 'could not save live lesson state');
    } finally {
      this.#saving = false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #restore(lessonId: string): Promise<void> {
    const raw = await orUnavailable(this.redis.get(savedKey(lessonId)));
    if (!raw) return; // a lesson nobody ran yet
    const saved = SavedSchema.parse(JSON.parse(raw));
    if (saved.media) this.media.importLesson(lessonId, saved.media);
    this.lessons.restore(saved.live);
  }

  async #forget(lessonId: string): Promise<void> {
    this.#lastSaved.delete(lessonId);
    await this.redis.del(savedKey(lessonId)).catch((err: unknown) => this.log.warn({ err, lessonId }, 'could not delete saved lesson state'));
  }
}
