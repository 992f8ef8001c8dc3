import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ClassroomError } from '@dualclass/protocol';
import { SFU_NODE_INFO_KEY, SFU_NODES_KEY, SfuClient, SfuNodeInfoSchema } from '@dualclass/sfu-server/client';
import { SfuCluster } from './sfu-cluster.ts';

/**
 * SFU nodes found in the Redis registry they keep themselves (sfu-server/src/node-registration.ts) instead of a
 * static list: a node that starts is used within a couple of seconds, a draining or vanished one gets no new
 * participants, and placement follows the load each node reports (its participants from every signaling node).
 */

const POLL_MS = 2_000;

export interface SfuDiscovery {
  cluster: SfuCluster;
  close(): void;
}

export async function discoverSfuNodes(redisUrl: string, secret: string, log: Logger, options: { firstNodeTimeoutMs?: number } = {}): Promise<SfuDiscovery> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, connectTimeout: 2_000 });
  redis.on('error', () => undefined); // the poll logs what matters
  await redis.connect();
  const cluster = new SfuCluster([], log.child({ component: 'sfu-cluster' }));
  const clients: SfuClient[] = [];
  const connecting = new Set<string>();

  const poll = async () => {
    const live = await redis.zrangebyscore(SFU_NODES_KEY, Date.now(), '+inf');
    const infos = live.length > 0 ? await redis.hmget(SFU_NODE_INFO_KEY, ...live) : [];
    const seen = new Set<string>();
    for (const [i, id] of live.entries()) {
      const parsed = SfuNodeInfoSchema.safeParse(JSON.parse(infos[i] ?? 'null'));
      if (!parsed.success) continue;
      seen.add(id);
      const info = parsed.data;
      if (!cluster.hasNode(id) && !connecting.has(id)) {
        connecting.add(id);
        try {
          const client = await SfuClient.connect(info.url, secret, { timeoutMs: 5_000 });
          clients.push(client);
          cluster.addNode({ id, url: info.url, client });
          log.info({ node: id, url: info.url }, 'sfu node found in the registry');
        } catch (err) {
          log.warn({ err, node: id, url: info.url }, 'cannot reach a registered sfu node');
        } finally {
          connecting.delete(id);
        }
      }
      cluster.reportNode(id, { peers: info.peers, accepting: !info.draining });
    }
    for (const id of knownIds) if (!seen.has(id)) cluster.reportNode(id, { peers: 0, accepting: false });
    knownIds = seen;
  };
  let knownIds = new Set<string>();

  const deadline = Date.now() + (options.firstNodeTimeoutMs ?? 10_000);
  for (;;) {
    await poll().catch((err: unknown) => log.warn({ err }, 'sfu registry poll failed'));
    if (knownIds.size > 0 && [...knownIds].some((id) => cluster.hasNode(id))) break;
    if (Date.now() > deadline) {
      redis.disconnect();
      for (const client of clients) client.close();
      throw new ClassroomError('UNAVAILABLE', 'no SFU node registered in Redis');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const timer = setInterval(() => void poll().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'sfu registry poll failed')), POLL_MS);
  timer.unref();
  return {
    cluster,
    close() {
      clearInterval(timer);
      redis.disconnect();
      for (const client of clients) client.close();
    },
  };
}
