import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { SFU_NODE_INFO_KEY, SFU_NODES_KEY, type SfuNodeInfo } from './registry-contract.ts';

/**
 * An SFU node announcing itself in Redis, so signaling nodes find every SFU node without a static list: its RPC
 * URL and its load, refreshed every 2 s. A node that stops refreshing (crashed) drops out after 6 s; a draining
 * node says so and is given no new lessons; a node that stops cleanly removes itself.
 */


const REFRESH_MS = 2_000;
const EXPIRY_MS = 6_000;

export class NodeRegistration {
  readonly #timer: NodeJS.Timeout;
  #draining = false;

  private constructor(
    private readonly redis: Redis,
    readonly id: string,
    private readonly url: string,
    private readonly load: () => { peers: number; workers: number },
    private readonly log: Logger,
  ) {
    this.#timer = setInterval(() => void this.#refresh(), REFRESH_MS);
    this.#timer.unref();
  }

  static async start(redisUrl: string, id: string, url: string, load: () => { peers: number; workers: number }, log: Logger): Promise<NodeRegistration> {
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, connectTimeout: 2_000 });
    // Outages are logged by the refresh; reconnects are ioredis's own.
    redis.on('error', () => undefined);
    await redis.connect();
    const registration = new NodeRegistration(redis, id, url, load, log);
    await registration.#refresh();
    log.info({ nodeId: id, url }, 'sfu node registered');
    return registration;
  }

  /** From now on signaling gives this node no new lessons. */
  async markDraining(): Promise<void> {
    this.#draining = true;
    await this.#refresh();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.redis
      .multi()
      .zrem(SFU_NODES_KEY, this.id)
      .hdel(SFU_NODE_INFO_KEY, this.id)
      .exec()
      .catch(() => undefined);
    this.redis.disconnect();
  }

  async #refresh(): Promise<void> {
    const info: SfuNodeInfo = { url: this.url, ...this.load(), draining: this.#draining };
    try {
      await this.redis
        .multi()
        .zadd(SFU_NODES_KEY, Date.now() + EXPIRY_MS, this.id)
        .hset(SFU_NODE_INFO_KEY, this.id, JSON.stringify(info))
        .exec();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not refresh the sfu node registration');
    }
  }
}
