import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { ClassroomError } from '@dualclass/protocol';

/** The command client and the pub/sub pair socket.io's Redis adapter needs (a subscribed connection can do nothing else). */
export interface RedisConnections {
  command: Redis;
  pub: Redis;
  sub: Redis;
  /** PING on the command connection; rejects with UNAVAILABLE when no PONG comes back within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const OPTIONS: RedisOptions = {
  lazyConnect: true,
  // Live-classroom requests want an answer now: a tap on 举手 that hangs for a minute and then replays is worse
  // than a clear "try again". With no offline queue a command issued while Redis is down fails at once (and
  // orUnavailable turns that into UNAVAILABLE); nothing piles up in memory during a long outage, and nothing
  // stale is replayed after it.
  enableOfflineQueue: false,
  // Commands already sent when the connection drops fail on the first reconnect attempt instead of being resent:
  // a resent non-idempotent write could apply twice.
  maxRetriesPerRequest: 0,
  // A half-open connection (server gone without a FIN) must not hold a request for the TCP keep-alive time.
  commandTimeout: 2_000,
  connectTimeout: 2_000,
  // Reconnect forever, quickly at first and then every 2 s (with jitter so nodes do not reconnect in lock-step):
  // Redis coming back is noticed within about 2 s.
  retryStrategy: (attempt) => Math.min(100 * 2 ** (attempt - 1), 2_000) + Math.floor(Math.random() * 100),
};

/** `redis://host:port` without credentials, for logs and error messages. */
export function redisAddress(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
}

/**
 * Opens the connections once Redis answers (startup fails with UNAVAILABLE after `connectTimeoutMs` otherwise, so a
 * misconfigured REDIS_URL is noticed at once). Afterwards every connection reconnects on its own, and each outage
 * is logged once when it starts and once when it ends rather than at every retry.
 */
export async function openRedis(url: string, log: Logger, options: { connectTimeoutMs?: number } = {}): Promise<RedisConnections> {
  const address = redisAddress(url);
  const clients = (['command', 'pub', 'sub'] as const).map((role) => {
    const client = new Redis(url, { ...OPTIONS, connectionName: `dualclass-signaling-${role}` });
    watch(client, log.child({ redis: address, connection: role }));
    return client;
  });
  const [command, pub, sub] = clients as [Redis, Redis, Redis];
  const closeAll = () => Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect()))).then(() => undefined);

  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  try {
    await withTimeout(Promise.all(clients.map((c) => c.connect())), timeoutMs, `Redis at ${address} did not answer within ${timeoutMs} ms`);
  } catch (err) {
    clients.forEach((c) => c.disconnect());
    throw err instanceof ClassroomError ? err : new ClassroomError('UNAVAILABLE', `cannot connect to Redis at ${address}: ${(err as Error).message}`, { cause: err });
  }
  return {
    command,
    pub,
    sub,
    async ping(pingTimeoutMs = 1_000) {
      try {
        await withTimeout(command.ping(), pingTimeoutMs, `Redis at ${address} did not answer PING within ${pingTimeoutMs} ms`);
      } catch (err) {
        throw err instanceof ClassroomError ? err : new ClassroomError('UNAVAILABLE', `Redis at ${address}: ${(err as Error).message}`, { cause: err });
      }
    },
    close: closeAll,
  };
}

function watch(client: Redis, log: Logger): void {
  let down = false;
  client.on('ready', () => {
    if (down) log.info('redis connection restored');
    down = false;
  });
  // ioredis emits `error` for every failed reconnect attempt and `reconnecting` before each one: log the first of
  // an outage, not every retry.
  client.on('error', (err: Error) => {
    if (!down) log.warn({ err: err.message }, 'redis error');
  });
  client.on('reconnecting', () => {
    if (!down) log.warn('redis connection lost; reconnecting');
    down = true;
  });
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ClassroomError('UNAVAILABLE', message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
