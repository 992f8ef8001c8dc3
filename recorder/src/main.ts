import { loadRecorderConfig, startRecorder } from './index.ts';

const recorder = await startRecorder(loadRecorderConfig());
const stop = () => {
  void recorder.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
