import { SfuClient } from '@dualclass/sfu-server/client';
import type { Logger } from 'pino';
import { SfuCluster, type Placement, type SfuApi } from './sfu-cluster.ts';
import { discoverSfuNodes } from './sfu-discovery.ts';
import type { Role } from '@dualclass/protocol';

export interface SfuConnection {
  api: SfuApi;
  /** Tells a cluster where each participant belongs (a single node ignores it). */
  placeBy(roleOf: (lessonId: string, participantId: string) => Role | undefined): void;
  /** A lesson's media placement over several nodes (null on one node), saved and restored with its live state. */
  exportLesson(lessonId: string): Placement | null;
  importLesson(lessonId: string, placement: Placement): void;
  /** The RPC URL of the node holding a producer, for the recorder to tap it there (undefined on one node). */
  producerUrl(lessonId: string, producerId: string): string | undefined;
  close(): void;
}

/**
 * One SFU is used directly; several (SFU_URLS) go behind a cascade-aware cluster with the same interface; with
 * `discovery` the nodes come from the Redis registry they keep themselves.
 */
export async function connectSfu(urls: readonly string[], secret: string, log: Logger, discovery?: { redisUrl: string }): Promise<SfuConnection> {
  if (discovery) {
    const found = await discoverSfuNodes(discovery.redisUrl, secret, log);
    log.info('sfu nodes from the redis registry');
    return clusterConnection(found.cluster, () => found.close());
  }
  const settled = await Promise.allSettled(urls.map((url) => SfuClient.connect(url, secret, { timeoutMs: 10_000 })));
  const clients = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    for (const client of clients) client.close();
    throw failed.reason;
  }
  const close = () => clients.forEach((client) => client.close());
  if (clients.length === 1) {
    return { api: clients[0]!, placeBy: () => undefined, exportLesson: () => null, importLesson: () => undefined, producerUrl: () => undefined, close };
  }
  const cluster = new SfuCluster(
    clients.map((client, i) => ({ id: `sfu${i}`, url: urls[i]!, client })),
    log.child({ component: 'sfu-cluster' }),
  );
  log.info({ nodes: urls.length }, 'media spread over several SFU nodes');
  return clusterConnection(cluster, close);
}

function clusterConnection(cluster: SfuCluster, close: () => void): SfuConnection {
  return {
    api: cluster,
    placeBy: (roleOf) => cluster.placeBy(roleOf),
    exportLesson: (lessonId) => cluster.exportLesson(lessonId),
    importLesson: (lessonId, placement) => cluster.importLesson(lessonId, placement),
    producerUrl: (lessonId, producerId) => cluster.producerUrl(lessonId, producerId),
    close,
  };
}
