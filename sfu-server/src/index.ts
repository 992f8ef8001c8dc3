import { pino, type Logger } from 'pino';
import type { SfuConfig } from './config.ts';
import { NodeRegistration } from './node-registration.ts';
import { createRpcHandlers } from './handlers.ts';
import { MediaService } from './media-service.ts';
import type { Notify } from './media-room.ts';
import { ClassroomError, sfuService } from '@dualclass/protocol';
import { createMetricsRegistry, opsHandler, Readiness } from '@dualclass/protocol/ops';
import { startRpcServer, type RpcServer } from '@dualclass/protocol/rpc-server';
import { registerSfuMetrics } from './metrics.ts';
import { WorkerPool } from './worker-pool.ts';

export { loadSfuConfig, type SfuConfig } from './config.ts';
export { MediaService } from './media-service.ts';
export { MediaRoom, PeerMedia } from './media-room.ts';
export { WorkerPool } from './worker-pool.ts';

export interface SfuServer {
  /** The RPC port actually bound (useful with SFU_RPC_PORT=0). */
  port: number;
  /** In-process access to the rooms, for tests and for embedding; signaling uses the RPC, never this. */
  media: MediaService;
  close(): Promise<void>;
  /** SIGTERM: refuse new lessons (and fail readiness) until those here end or the deadline passes, then close. */
  drain(deadlineMs: number): Promise<{ cut: number }>;
}

/** Starts the worker pool and the RPC server; `close()` stops accepting RPC, then closes every room and worker. */
export async function startSfuServer(config: SfuConfig, options: { log?: Logger } = {}): Promise<SfuServer> {
  const log = options.log ?? pino({ level: config.logLevel, base: { service: 'sfu-server' } });
  const pool = await WorkerPool.create({
    size: config.workers,
    rtcMinPort: config.rtcMinPort,
    rtcMaxPort: config.rtcMaxPort,
    log: log.child({ component: 'worker-pool' }),
  });
  // Rooms notify before the RPC server exists (they cannot: none exist yet), so a late-bound sink is safe.
  let rpc: RpcServer<typeof sfuService.notifications> | undefined;
  const notify: Notify = (name, data) => rpc?.notify(name, data);
  const media = new MediaService({
    pool,
    transport: {
      listenIp: config.listenIp,
      announcedIp: config.announcedIp,
      maxOutgoingBitrate: config.maxOutgoingKbps * 1000,
      keyFrameRequestDelayMs: config.keyFrameRequestDelayMs,
    },
    notify,
    log: log.child({ component: 'media' }),
  });
  const metrics = createMetricsRegistry();
  registerSfuMetrics(metrics, pool);
  const readiness = new Readiness(
    [
      {
        name: 'workers',
        run: async () => {
          if (pool.workers().length === 0) throw new ClassroomError('UNAVAILABLE', 'no live mediasoup worker');
        },
      },
      {
        // A draining node keeps its lessons but must not be given new ones.
        name: 'accepting',
        run: async () => {
          if (media.draining) throw new ClassroomError('UNAVAILABLE', 'draining');
        },
      },
    ],
    { log },
  );
  try {
    // Why the ops endpoints share the RPC port: it is internal by construction (loopback, or the cluster network
    // in a deployment; the reverse proxy never routes to it), which is where Prometheus and the kubelet are.
    rpc = await startRpcServer({
      service: sfuService,
      host: config.rpcHost,
      port: config.rpcPort,
      secret: config.rpcSecret,
      handlers: createRpcHandlers(media),
      log: log.child({ component: 'rpc' }),
      http: opsHandler({ readiness, metrics, metricsToken: config.metricsToken }),
    });
  } catch (err) {
    media.close();
    throw err;
  }
  const server = rpc;
  const registration = config.redisUrl
    ? await NodeRegistration.start(
        config.redisUrl,
        config.nodeId,
        config.advertiseUrl ?? `http://${config.rpcHost}:${server.port}`,
        () => ({ peers: pool.peerCount(), workers: pool.workers().length }),
        log.child({ component: 'registration' }),
      ).catch(async (err: unknown) => {
        await server.close();
        media.close();
        throw err;
      })
    : undefined;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (registration?.stop() ?? Promise.resolve()).then(() => server.close()).finally(() => media.close());
    return closing;
  };
  return {
    port: server.port,
    media,
    close,
    async drain(deadlineMs) {
      await registration?.markDraining();
      const result = await media.drain(deadlineMs);
      await close();
      return result;
    },
  };
}
