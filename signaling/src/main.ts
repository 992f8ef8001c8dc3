import { loadSignalingConfig } from './config.ts';
import { startSignaling } from './server.ts';

const server = await startSignaling(loadSignalingConfig());
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
