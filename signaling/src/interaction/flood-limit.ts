import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ClassroomError } from '@dualclass/protocol';

/**
 * A per-participant limiter for one kind of message, separate from the dispatcher's general request limit.
 * Any rate-limiter-flexible limiter fits (RateLimiterRedis across signaling nodes); memory is the default.
 */
export type FloodLimiter = Pick<RateLimiterAbstract, 'consume'>;

export interface LimitSpec {
  points: number;
  durationSeconds: number;
  /** One prefix per kind of message, so kinds never share a budget (and Redis keys never collide). */
  keyPrefix: string;
}

/**
 * Makes every limiter the signaling server uses (requests per user, chat, reactions, ICE restarts), so one choice
 * decides whether counts live in this process or are shared by all signaling nodes.
 */
export type LimiterFactory = (spec: LimitSpec) => FloodLimiter;

export const memoryLimiters: LimiterFactory = ({ points, durationSeconds, keyPrefix }) =>
  new RateLimiterMemory({ points, duration: durationSeconds, keyPrefix });

/**
 * Counts kept in Redis, shared by every signaling node. `storeClient` is an ioredis client (or a node-redis v4+
 * client with `useRedisPackage`). While Redis is unreachable each node falls back to its own memory counts, so an
 * outage loosens the limits instead of refusing every request.
 */
export function redisLimiters(storeClient: unknown, options: { useRedisPackage?: boolean } = {}): LimiterFactory {
  return (spec) =>
    new RateLimiterRedis({
      storeClient,
      useRedisPackage: options.useRedisPackage,
      points: spec.points,
      duration: spec.durationSeconds,
      keyPrefix: `dualclass:rl:${spec.keyPrefix}`,
      insuranceLimiter: new RateLimiterMemory({ points: spec.points, duration: spec.durationSeconds, keyPrefix: spec.keyPrefix }),
    });
}

/** Takes one point for `key`, or refuses with RATE_LIMITED and how many whole seconds to wait (at least 1). */
export async function consumeOrRefuse(limiter: FloodLimiter, key: string, what: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (res: unknown) {
    if (res instanceof RateLimiterRes) {
      throw new ClassroomError('RATE_LIMITED', `too many ${what}, slow down`, { retryAfter: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) });
    }
    throw res;
  }
}
