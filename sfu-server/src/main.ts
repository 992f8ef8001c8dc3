import { pino } from 'pino';
import { loadSfuConfig, type SfuConfig } from './config.ts';
import { startSfuServer } from './index.ts';

let config: SfuConfig;
try {
  config = loadSfuConfig(process.env);
} catch (err) {
  // Still one JSON line, so supervisors that parse our logs see why we stopped.
  pino({ base: { service: 'sfu-server' } }).fatal({ err }, 'sfu-server configuration is invalid');
  process.exit(1);
}
const log = pino({ level: config.logLevel, base: { service: 'sfu-server' } });
const server = await startSfuServer(config, { log });
// Readiness line that process supervisors and the test stack wait for; logged even when LOG_LEVEL is quieter.
log.child({}, { level: 'info' }).info({ port: server.port, host: config.rpcHost, workers: config.workers }, 'sfu-server listening');

let stopping = false;
// SIGTERM (a rolling restart, Kubernetes) drains: lessons here may finish until SFU_DRAIN_SECONDS; SIGINT stops now.
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'sfu-server stopping');
  (signal === 'SIGTERM' ? server.drain(config.drainSeconds * 1000) : server.close()).then(
    () => process.exit(0),
    (err: unknown) => {
      log.error({ err }, 'sfu-server did not close cleanly');
      process.exit(1);
    },
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
