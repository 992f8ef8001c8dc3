import { startPostgresServer, type PostgresServer } from './postgres-server.ts';
import { startRedisServer, type RedisServer } from './redis-server.ts';
import { startStack, type Stack, type StackOptions } from './stack.ts';

export interface ClusterStack {
  stack: Stack;
  postgres: PostgresServer;
  redis: RedisServer;
  /** Stops the stack, then Redis and Postgres. */
  stop(): Promise<void>;
}

/**
 * The district set-up on one machine, as the cluster tests run it: signaling nodes (two unless told) sharing a
 * throwaway Postgres (lessons) and redis-server (live state, broadcasts), over `options`' SFU nodes.
 */
export async function startClusterStack(options: StackOptions = {}): Promise<ClusterStack> {
  const [postgres, redis] = await Promise.all([startPostgresServer(), startRedisServer()]);
  const stopServers = () => Promise.all([redis.stop(), postgres.stop()]);
  try {
    const stack = await startStack({ signalingNodes: 2, ...options, env: { ...options.env, DATABASE_URL: postgres.url, REDIS_URL: redis.url } });
    return {
      stack,
      postgres,
      redis,
      async stop() {
        await stack.stop();
        await stopServers();
      },
    };
  } catch (err) {
    await stopServers();
    throw err;
  }
}
