import { randomBytes } from 'node:crypto';
import type { Server } from 'socket.io';
import type { Logger } from 'pino';
import { InMemoryInteractionStore, type InteractionStore } from '../interaction/interaction-store.ts';
import { RedisInteractionStore } from '../interaction/redis-interaction-store.ts';
import { memoryLimiters, redisLimiters, type LimiterFactory } from '../interaction/flood-limit.ts';
import { openRedis, redisAddress } from './redis-connections.ts';
import { redisSocketAdapter } from './socket-adapter.ts';
import { RedisLessonOwners, SingleNodeOwners, type LessonOwners } from '../cluster/lesson-owners.ts';
import { NodeBus } from '../cluster/node-bus.ts';
import { LessonHandover, type MediaPlacement } from '../cluster/lesson-handover.ts';
import type { LessonService } from '../lessons/lesson-service.ts';

/**
 * What signaling nodes share when there are several: interaction records, rate-limit counts and socket.io
 * broadcasts. This is the one place that chooses between the embedded (one process) and the Redis variant.
 */
export interface SharedState {
  interactionStore: InteractionStore;
  limiters: LimiterFactory;
  /** Which node runs each lesson's live state; this node, for every lesson, on one machine. */
  owners: LessonOwners;
  /** Requests between signaling nodes; absent on one machine. */
  bus: NodeBus | undefined;
  /** Saves owned lessons' live state and restores it on takeover (several nodes); nothing to do on one. */
  keepLessons(lessons: LessonService, media: MediaPlacement): { saveAll(): Promise<void>; stop(): void };
  /** Makes `io` broadcast across nodes; a no-op on one node. */
  attach(io: Server): void;
  /** Named checks for /readyz: each resolves when its dependency answers, rejects (UNAVAILABLE) when it does not. */
  readiness: Record<string, () => Promise<void>>;
  close(): Promise<void>;
}

/** A node id per process start, so a restarted node never mistakes an old lesson lease for its own. */
export function newNodeId(): string {
  return `sig-${randomBytes(6).toString('hex')}`;
}

export async function openSharedState(redisUrl: string | undefined, log: Logger, nodeId = newNodeId()): Promise<SharedState> {
  if (!redisUrl) {
    return {
      interactionStore: new InMemoryInteractionStore(),
      limiters: memoryLimiters,
      owners: new SingleNodeOwners(nodeId),
      bus: undefined,
      keepLessons: () => ({ saveAll: async () => undefined, stop: () => undefined }),
      attach() {},
      readiness: {},
      close: async () => {},
    };
  }
  const redis = await openRedis(redisUrl, log);
  log.info({ redis: redisAddress(redisUrl), nodeId }, 'shared state in redis');
  const owners = new RedisLessonOwners(redis.command, nodeId, log.child({ component: 'lesson-owners' }));
  // The bus listens on a connection of its own: the adapter's subscriber is socket.io's.
  const busSub = redis.command.duplicate();
  // Outages are already logged once by the command connection; this one only must not raise unhandled errors.
  busSub.on('error', (err: Error) => log.debug({ err: err.message }, 'node bus connection error'));
  let bus: NodeBus;
  try {
    await busSub.connect();
    bus = await NodeBus.start(redis.pub, busSub, nodeId, log.child({ component: 'node-bus' }));
  } catch (err) {
    busSub.disconnect();
    await redis.close();
    throw err;
  }
  return {
    interactionStore: new RedisInteractionStore(redis.command),
    limiters: redisLimiters(redis.command),
    owners,
    bus,
    keepLessons: (lessons, media) => new LessonHandover(redis.command, owners, lessons, media, log.child({ component: 'lesson-handover' })),
    attach(io) {
      io.adapter(redisSocketAdapter(redis, log));
    },
    readiness: { redis: () => redis.ping(1_000) },
    async close() {
      await owners.close();
      bus.close();
      busSub.disconnect();
      await redis.close();
    },
  };
}
