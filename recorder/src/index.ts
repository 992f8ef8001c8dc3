import { pino, type Logger } from 'pino';
import { recorderService } from '@dualclass/protocol';
import { createMetricsRegistry, opsHandler, Readiness } from '@dualclass/protocol/ops';
import { startRpcServer, type RpcServer } from '@dualclass/protocol/rpc-server';
import { SfuNodes } from './capture/sfu-nodes.ts';
import type { RecorderConfig } from './config.ts';
import { registerRecorderMetrics } from './metrics.ts';
import { RecorderService } from './recorder-service.ts';
import { createFileStore } from './storage/config.ts';

export { loadRecorderConfig, type RecorderConfig } from './config.ts';

export interface Recorder {
  port: number;
  service: RecorderService;
  close(): Promise<void>;
}

const SFU_PING_TIMEOUT_MS = 1_000;

/** Connects to its SFU (other nodes as tracks name them), then serves the recorder RPC that signaling drives. */
export async function startRecorder(config: RecorderConfig, options: { log?: Logger } = {}): Promise<Recorder> {
  const log = options.log ?? pino({ level: config.logLevel, base: { service: 'recorder' } });
  const sfu = await SfuNodes.connect(config.sfuUrl, config.sfuRpcSecret);
  const store = createFileStore(config.storage);
  let rpc: RpcServer<typeof recorderService.notifications> | undefined;
  const service = new RecorderService(config, sfu, store, (name, data) => rpc?.notify(name, data), log);
  const metrics = createMetricsRegistry();
  registerRecorderMetrics(metrics, service, sfu);
  // Taps are opened at the SFU; without its own node (where tracks that name none are tapped) the recorder is not ready.
  const readiness = new Readiness([{ name: 'sfu', run: () => sfu.home.client.ping(SFU_PING_TIMEOUT_MS) }], { log });
  // The ops endpoints share the internal RPC port, which only the cluster network reaches (see sfu-server).
  rpc = await startRpcServer({
    service: recorderService,
    host: config.rpcHost,
    port: config.rpcPort,
    secret: config.rpcSecret,
    handlers: service.handlers(),
    log: log.child({ component: 'rpc' }),
    http: opsHandler({ readiness, metrics, metricsToken: config.metricsToken }),
  });
  const server = rpc;
  log.info({ port: server.port }, 'recorder listening');
  return {
    port: server.port,
    service,
    async close() {
      await server.close();
      await service.close();
      await sfu.close();
    },
  };
}
