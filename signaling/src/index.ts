export { startSignaling, type SignalingServer } from './server.ts';
export { loadSignalingConfig, type SignalingConfig } from './config.ts';
