import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { orUnavailable, RedisScript } from '../state/redis-command.ts';

/**
 * Which signaling node runs a lesson's live state. A lesson's participants may be connected to any node; their
 * requests go to the lesson's owner, so the stage, hands and media decisions of one lesson are made in one place
 * and the in-memory rules stay simple. On one machine this node owns everything.
 */
export interface LessonOwners {
  readonly nodeId: string;
  /** The owner, claiming the lesson for this node if nobody holds it. */
  ownerOf(lessonId: string): Promise<string>;
  /** Whether this node holds the lesson now. */
  owns(lessonId: string): boolean;
  /** Claims a lesson whose owner is known to be gone (it no longer listens); resolves with the owner after. */
  takeOver(lessonId: string, from: string): Promise<string>;
  /** Lets go of a lesson this node owns (it ended, or the node drains). */
  release(lessonId: string): Promise<void>;
  close(): Promise<void>;
}

export class SingleNodeOwners implements LessonOwners {
  constructor(readonly nodeId: string) {}
  async ownerOf(): Promise<string> {
    return this.nodeId;
  }
  owns(): boolean {
    return true;
  }
  async takeOver(): Promise<string> {
    return this.nodeId;
  }
  async release(): Promise<void> {}
  async close(): Promise<void> {}
}

const ownerKey = (lessonId: string) => `dualclass:lesson:${lessonId}:owner`;

// Renews the lease only while no other node holds it: a node that lost it (paused past the lease) must not take it
// back, but a lease that vanished with a Redis restart is simply ours again.
const RENEW = new RedisScript(`local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if not owner then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`, 1);
const TAKE_OVER = new RedisScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 else return 0 end`, 1);
const RELEASE = new RedisScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`, 1);

/**
 * Ownership as a Redis lease (SET NX PX), renewed every third of its length. A node that dies stops renewing and
 * another node claims its lessons when their leases run out; `lost` tells this node when a lease slipped away.
 */
export class RedisLessonOwners extends EventEmitter<{ lost: [lessonId: string] }> implements LessonOwners {
  readonly #owned = new Set<string>();
  /** Claims whose `onClaim` is still running: requests for the lesson wait for it. */
  readonly #claiming = new Map<string, Promise<string>>();
  readonly #timer: NodeJS.Timeout;
  /** Runs when this node takes a lesson on (restores its saved live state) before any request for it runs here. */
  onClaim: (lessonId: string) => Promise<void> = async () => undefined;

  constructor(
    private readonly redis: Redis,
    readonly nodeId: string,
    private readonly log: Logger,
    private readonly leaseMs = 10_000,
  ) {
    super();
    this.#timer = setInterval(() => void this.#renew(), Math.floor(leaseMs / 3));
    this.#timer.unref();
  }

  async ownerOf(lessonId: string): Promise<string> {
    const claiming = this.#claiming.get(lessonId);
    if (claiming) return claiming;
    if (this.#owned.has(lessonId)) return this.nodeId;
    const key = ownerKey(lessonId);
    const claimed = await orUnavailable(this.redis.set(key, this.nodeId, 'PX', this.leaseMs, 'NX'));
    if (claimed === 'OK') return this.#claimed(lessonId);
    const owner = await orUnavailable(this.redis.get(key));
    // Released between our SET and GET: try once more rather than answer with nobody.
    return owner ?? this.ownerOf(lessonId);
  }

  owns(lessonId: string): boolean {
    return this.#owned.has(lessonId) && !this.#claiming.has(lessonId);
  }

  async takeOver(lessonId: string, from: string): Promise<string> {
    const claiming = this.#claiming.get(lessonId);
    if (claiming) return claiming;
    const taken = await TAKE_OVER.run(this.redis, [ownerKey(lessonId)], [from, this.nodeId, this.leaseMs]);
    if (taken === 1) {
      this.log.warn({ lessonId, from }, 'took over a lesson from a node that is gone');
      return this.#claimed(lessonId);
    }
    return this.ownerOf(lessonId);
  }

  #claimed(lessonId: string): Promise<string> {
    this.#owned.add(lessonId);
    this.log.info({ lessonId }, 'lesson owned by this node');
    const claiming = this.onClaim(lessonId)
      .then(() => this.nodeId)
      .catch(async (err: unknown) => {
        // Without its saved state this node must not run the lesson: let another node (or a retry) claim it.
        this.log.error({ err, lessonId }, 'could not take the lesson on');
        await this.release(lessonId);
        throw err;
      })
      .finally(() => this.#claiming.delete(lessonId));
    this.#claiming.set(lessonId, claiming);
    return claiming;
  }

  async release(lessonId: string): Promise<void> {
    if (!this.#owned.delete(lessonId)) return;
    await RELEASE.run(this.redis, [ownerKey(lessonId)], [this.nodeId]).catch((err: unknown) =>
      this.log.warn({ err, lessonId }, 'could not release a lesson lease; it expires by itself'),
    );
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all([...this.#owned].map((lessonId) => this.release(lessonId)));
  }

  async #renew(): Promise<void> {
    for (const lessonId of this.#owned) {
      try {
        const kept = await RENEW.run(this.redis, [ownerKey(lessonId)], [this.nodeId, this.leaseMs]);
        if (kept === 1) continue;
        this.#owned.delete(lessonId);
        this.log.warn({ lessonId }, 'lesson lease lost to another node');
        this.emit('lost', lessonId);
      } catch (err) {
        // Redis down: keep serving; if the outage outlasts the lease another node may claim the lesson, and the
        // next successful renewal finds out.
        this.log.debug({ err, lessonId }, 'lesson lease renewal failed');
      }
    }
  }
}
