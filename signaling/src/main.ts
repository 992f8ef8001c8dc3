import { pino } from 'pino';
import { loadSignalingConfig } from './config.ts';
import { startSignaling } from './server.ts';

// A bad configuration or an unreachable dependency at start still ends in one JSON line, for supervisors that parse logs.
const server = await Promise.resolve()
  .then(() => startSignaling(loadSignalingConfig()))
  .catch((err: unknown) => {
    pino({ base: { service: 'signaling' } }).fatal({ err }, 'signaling could not start');
    process.exit(1);
  });
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
