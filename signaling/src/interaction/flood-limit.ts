import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ClassroomError } from '@dualclass/protocol';

/**
 * A per-participant limiter for one kind of message, separate from the dispatcher's general request limit.
 * Any rate-limiter-flexible limiter fits (RateLimiterRedis across signaling nodes); memory is the default.
 */
export type FloodLimiter = Pick<RateLimiterAbstract, 'consume'>;

export function memoryLimiter(points: number, durationSeconds: number, keyPrefix: string): FloodLimiter {
  return new RateLimiterMemory({ points, duration: durationSeconds, keyPrefix });
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
