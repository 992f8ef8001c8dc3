import os from 'node:os';
import { z } from 'zod';

// Environment variables are strings and an unset variable is often exported as ''; treat '' as unset
// so defaults apply instead of failing a number coercion.
const env = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema);
const port = z.coerce.number().int().min(0).max(65_535);
const rtcPort = z.coerce.number().int().min(1024).max(65_535);

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const SfuEnvSchema = z
  .object({
    // 0 lets tests and the local stack take any free port; the chosen one is logged at startup.
    SFU_RPC_PORT: env(port.default(4100)),
    // The RPC is internal: bind to loopback unless the deployment puts signaling on another host.
    SFU_RPC_HOST: env(z.string().min(1).default('127.0.0.1')),
    SFU_RPC_SECRET: env(z.string().min(16, 'SFU_RPC_SECRET must be at least 16 characters')),
    SFU_LISTEN_IP: env(z.ipv4().or(z.ipv6()).default('127.0.0.1')),
    // Public address put in ICE candidates when SFU_LISTEN_IP is a private/any address (NAT, 0.0.0.0).
    SFU_ANNOUNCED_IP: env(z.string().min(1).optional()),
    SFU_RTC_MIN_PORT: env(rtcPort.default(40_000)),
    SFU_RTC_MAX_PORT: env(rtcPort.default(49_999)),
    SFU_WORKERS: env(z.coerce.number().int().min(1).max(256).default(() => os.availableParallelism())),
    /** Server-side cap on what one participant receives, whatever its own estimate says (kbit/s). */
    SFU_MAX_OUTGOING_KBPS: env(z.coerce.number().int().min(100).max(100_000).default(8_000)),
    /**
     * Least time between two keyframe requests to one video sender's stream (ms). Every viewer that joins, resumes or
     * switches layer asks for a keyframe; without a floor a join storm makes the master's encoder send keyframe after
     * keyframe, each many times a delta frame's size. 0 forwards every request.
     */
    SFU_KEYFRAME_REQUEST_DELAY_MS: env(z.coerce.number().int().min(0).max(10_000).default(1_000)),
    /** With it, this node registers itself (URL and load) for signaling nodes to find (no SFU_URLS needed). */
    REDIS_URL: env(z.string().regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// URL').optional()),
    /** Stable name of this node in the registry and in cascade link ids. */
    SFU_NODE_ID: env(z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/).optional()),
    /** How signaling nodes reach this node's RPC (default http://SFU_RPC_HOST:port). */
    SFU_ADVERTISE_URL: env(z.string().url().optional()),
    /** How long SIGTERM lets the lessons on this node go on before cutting them (seconds). */
    SFU_DRAIN_SECONDS: env(z.coerce.number().int().min(0).max(24 * 3600).default(60)),
    LOG_LEVEL: env(z.enum(LOG_LEVELS).default('info')),
    /** When set, /metrics on the RPC port wants `Authorization: Bearer <METRICS_TOKEN>`. */
    METRICS_TOKEN: env(z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional()),
  })
  .refine((e) => e.SFU_RTC_MIN_PORT <= e.SFU_RTC_MAX_PORT, {
    message: 'SFU_RTC_MIN_PORT must not exceed SFU_RTC_MAX_PORT',
    path: ['SFU_RTC_MIN_PORT'],
  });

export interface SfuConfig {
  rpcPort: number;
  rpcHost: string;
  rpcSecret: string;
  listenIp: string;
  announcedIp: string | undefined;
  rtcMinPort: number;
  rtcMaxPort: number;
  workers: number;
  maxOutgoingKbps: number;
  keyFrameRequestDelayMs: number;
  drainSeconds: number;
  redisUrl: string | undefined;
  nodeId: string;
  advertiseUrl: string | undefined;
  logLevel: LogLevel;
  metricsToken: string | undefined;
}

/** Parses the process environment (or any string map, for tests); throws one readable error listing every bad variable. */
export function loadSfuConfig(source: Record<string, string | undefined>): SfuConfig {
  const parsed = SfuEnvSchema.safeParse(source);
  // The message names variables and rules only; zod does not echo input values, so the secret stays out of logs.
  if (!parsed.success) throw new Error(`invalid sfu-server configuration:\n${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  return {
    rpcPort: e.SFU_RPC_PORT,
    rpcHost: e.SFU_RPC_HOST,
    rpcSecret: e.SFU_RPC_SECRET,
    listenIp: e.SFU_LISTEN_IP,
    announcedIp: e.SFU_ANNOUNCED_IP,
    rtcMinPort: e.SFU_RTC_MIN_PORT,
    rtcMaxPort: e.SFU_RTC_MAX_PORT,
    workers: e.SFU_WORKERS,
    maxOutgoingKbps: e.SFU_MAX_OUTGOING_KBPS,
    keyFrameRequestDelayMs: e.SFU_KEYFRAME_REQUEST_DELAY_MS,
    drainSeconds: e.SFU_DRAIN_SECONDS,
    redisUrl: e.REDIS_URL,
    nodeId: e.SFU_NODE_ID ?? `sfu-${os.hostname().replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 40)}-${process.pid}`,
    advertiseUrl: e.SFU_ADVERTISE_URL,
    logLevel: e.LOG_LEVEL,
    metricsToken: e.METRICS_TOKEN,
  };
}
