import type { Server } from 'socket.io';
import type { Logger } from 'pino';
import { InMemoryInteractionStore, type InteractionStore } from '../interaction/interaction-store.ts';
import { RedisInteractionStore } from '../interaction/redis-interaction-store.ts';
import { memoryLimiters, redisLimiters, type LimiterFactory } from '../interaction/flood-limit.ts';
import { openRedis, redisAddress } from './redis-connections.ts';
import { redisSocketAdapter } from './socket-adapter.ts';

/**
 * What signaling nodes share when there are several: interaction records, rate-limit counts and socket.io
 * broadcasts. This is the one place that chooses between the embedded (one process) and the Redis variant.
 */
export interface SharedState {
  interactionStore: InteractionStore;
  limiters: LimiterFactory;
  /** Makes `io` broadcast across nodes; a no-op on one node. */
  attach(io: Server): void;
  /** Named checks for /readyz: each resolves when its dependency answers, rejects (UNAVAILABLE) when it does not. */
  readiness: Record<string, () => Promise<void>>;
  close(): Promise<void>;
}

export async function openSharedState(redisUrl: string | undefined, log: Logger): Promise<SharedState> {
  if (!redisUrl) {
    return { interactionStore: new InMemoryInteractionStore(), limiters: memoryLimiters, attach() {}, readiness: {}, close: async () => {} };
  }
  const redis = await openRedis(redisUrl, log);
  log.info({ redis: redisAddress(redisUrl) }, 'shared state in redis');
  return {
    interactionStore: new RedisInteractionStore(redis.command),
    limiters: redisLimiters(redis.command),
    attach(io) {
      io.adapter(redisSocketAdapter(redis, log));
    },
    readiness: { redis: () => redis.ping(1_000) },
    close: () => redis.close(),
  };
}
