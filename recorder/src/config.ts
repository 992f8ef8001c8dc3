import { z } from 'zod';
import { loadStorageConfig, type StorageConfig } from './storage/config.ts';

// An unset variable is often exported as ''; treat '' as unset so defaults apply.
const env = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema);
const port = z.coerce.number().int().min(0).max(65_535);
const udpPort = z.coerce.number().int().min(1024).max(65_534);

const RecorderEnvSchema = z
  .object({
    RECORDER_RPC_PORT: env(port.default(4200)),
    RECORDER_RPC_HOST: env(z.string().min(1).default('127.0.0.1')),
    RECORDER_RPC_SECRET: env(z.string().min(16, 'RECORDER_RPC_SECRET must be at least 16 characters')),
    SFU_URL: env(z.url().default('http://127.0.0.1:4100')),
    SFU_RPC_SECRET: env(z.string().min(16)),
    /** Raw segments live here until the lesson's outputs are verified and published. */
    RECORDER_WORK_DIR: env(z.string().min(1).default('./data/recorder-work')),
    /** Address ffmpeg listens on for the SFU's plain RTP; loopback when both run on one host. */
    RECORDER_MEDIA_IP: env(z.ipv4().or(z.ipv6()).default('127.0.0.1')),
    RECORDER_MIN_PORT: env(udpPort.default(50_000)),
    RECORDER_MAX_PORT: env(udpPort.default(59_998)),
    /**
     * Raw segment length. A crash loses under a second whatever this is (clusters are flushed every 0.5 s); the
     * recorder asks for a keyframe this often so video can be cut, and every keyframe costs every viewer bitrate.
     */
    RECORDER_SEGMENT_SECONDS: env(z.coerce.number().min(1).max(30).default(8)),
    LOG_LEVEL: env(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
    /** When set, /metrics on the RPC port wants `Authorization: Bearer <METRICS_TOKEN>`. */
    METRICS_TOKEN: env(z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional()),
  })
  .refine((e) => e.RECORDER_MIN_PORT < e.RECORDER_MAX_PORT, { message: 'RECORDER_MIN_PORT must be below RECORDER_MAX_PORT' });

export interface RecorderConfig {
  rpcPort: number;
  rpcHost: string;
  rpcSecret: string;
  sfuUrl: string;
  sfuRpcSecret: string;
  workDir: string;
  mediaIp: string;
  minPort: number;
  maxPort: number;
  segmentSeconds: number;
  storage: StorageConfig;
  logLevel: string;
  metricsToken: string | undefined;
}

export function loadRecorderConfig(source: NodeJS.ProcessEnv = process.env): RecorderConfig {
  const e = RecorderEnvSchema.parse(source);
  return {
    rpcPort: e.RECORDER_RPC_PORT,
    rpcHost: e.RECORDER_RPC_HOST,
    rpcSecret: e.RECORDER_RPC_SECRET,
    sfuUrl: e.SFU_URL,
    sfuRpcSecret: e.SFU_RPC_SECRET,
    workDir: e.RECORDER_WORK_DIR,
    mediaIp: e.RECORDER_MEDIA_IP,
    minPort: e.RECORDER_MIN_PORT,
    maxPort: e.RECORDER_MAX_PORT,
    segmentSeconds: e.RECORDER_SEGMENT_SECONDS,
    storage: loadStorageConfig(source),
    logLevel: e.LOG_LEVEL,
    metricsToken: e.METRICS_TOKEN,
  };
}
