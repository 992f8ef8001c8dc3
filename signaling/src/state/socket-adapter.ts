import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisConnections } from './redis-connections.ts';

type AdapterFactory = ReturnType<typeof createAdapter>;

/**
 * socket.io's Redis adapter over our pub/sub connections, so a broadcast on one signaling node reaches the sockets
 * of every node. The adapter fires PUBLISH and (UN)SUBSCRIBE without awaiting them; while Redis is down each of
 * those rejections would be unhandled, and Node ends the process on an unhandled rejection. So the adapter gets
 * the same clients with those commands' failures logged: local delivery carries on, and other nodes miss the
 * broadcasts of the outage (clients resync their state when they rejoin).
 */
export function redisSocketAdapter(redis: RedisConnections, log: Logger): AdapterFactory {
  const adapterLog = log.child({ component: 'socket.io-redis-adapter' });
  logFailures(redis.pub, ['publish'], adapterLog);
  logFailures(redis.sub, ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'], adapterLog);
  return createAdapter(redis.pub, redis.sub, { key: 'dualclass:io' });
}

function logFailures(client: Redis, commands: readonly ('publish' | 'subscribe' | 'psubscribe' | 'unsubscribe' | 'punsubscribe')[], log: Logger): void {
  for (const name of commands) {
    const send = client[name].bind(client) as (...args: unknown[]) => Promise<unknown>;
    Object.defineProperty(client, name, {
      configurable: true,
      value: (...args: unknown[]) => {
        const reply = send(...args);
        reply.catch((err: unknown) => log.warn({ err: (err as Error).message, command: name }, 'redis adapter command failed'));
        return reply;
      },
    });
  }
}
