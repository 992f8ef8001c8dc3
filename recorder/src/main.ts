import { pino } from 'pino';
import { loadRecorderConfig, startRecorder } from './index.ts';

// A bad configuration or an unreachable SFU at start still ends in one JSON line, for supervisors that parse logs.
const recorder = await Promise.resolve()
  .then(() => startRecorder(loadRecorderConfig()))
  .catch((err: unknown) => {
    pino({ base: { service: 'recorder' } }).fatal({ err }, 'recorder could not start');
    process.exit(1);
  });
const stop = () => {
  void recorder.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
