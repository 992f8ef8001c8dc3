import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { loadStorageConfig, type StorageConfig } from '@dualclass/recorder/storage';
import type { TurnConfig } from './auth/turn-credentials.ts';

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  /** Public origin used in printed join links and for the Origin check. */
  PUBLIC_URL: z.string().url().optional(),
  /** Extra allowed browser origins, comma separated. */
  ALLOWED_ORIGINS: z.string().default(''),
  JWT_SECRET: z.string().min(32).optional(),
  ADMIN_API_KEY: z.string().min(16).optional(),
  SFU_URL: z.string().url().default('http://127.0.0.1:4100'),
  /** Several SFU nodes (comma separated RPC URLs): a lesson's viewers spread over them, cascaded by pipe links. */
  SFU_URLS: z.string().optional(),
  /** `redis`: find SFU nodes in the registry they keep in REDIS_URL instead of SFU_URL(S). */
  SFU_DISCOVERY: z.enum(['static', 'redis']).default('static'),
  SFU_RPC_SECRET: z.string().min(16),
  /** The recorder service; unset means lessons are not recorded. */
  RECORDER_URL: z.string().url().optional(),
  RECORDER_RPC_SECRET: z.string().min(16).optional(),
  CLIENT_DIST: z.string().optional(),
  /** How many classrooms or students may be on stage (连麦) at once. */
  STAGE_LIMIT: z.coerce.number().int().min(1).max(16).default(4),
  /** How long a participant whose connection dropped keeps its place (stage, hand, media) waiting to resume. */
  RESUME_GRACE_SECONDS: z.coerce.number().min(1).max(3600).default(45),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** A Postgres server for durable data; without it the embedded engine (PGlite) runs in this process. */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL').optional(),
  /** Where the embedded database keeps its files (`<DATA_DIR>/pglite`); in memory when unset. */
  DATA_DIR: z.string().min(1).optional(),
  /** Redis shared by every signaling node (interaction records, rate limits, socket.io broadcasts); in this process when unset. */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// or rediss:// URL').optional(),
  /** Largest library upload, in megabytes. */
  LIBRARY_MAX_UPLOAD_MB: z.coerce.number().positive().max(100_000).default(500),
  /** When set, /metrics wants `Authorization: Bearer <METRICS_TOKEN>`; /healthz and /readyz stay open for probes. */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** coturn's static-auth-secret; with TURN_URLS, clients get time-limited TURN credentials with every transport. */
  TURN_SECRET: z.string().min(16).optional(),
  /** Comma-separated turn: / turns: URLs. */
  TURN_URLS: z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^turns?:[^\s]+$/, 'TURN_URLS must be turn: or turns: URLs'))),
  /** Lifetime of a TURN credential; it must cover a lesson, ICE restarts reuse it. Default 6 h. */
  TURN_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(6 * 3600),
}).refine((e) => !e.TURN_SECRET === !e.TURN_URLS.length, { message: 'TURN_SECRET and TURN_URLS are set together', path: ['TURN_URLS'] });

export interface SignalingConfig {
  port: number;
  host: string;
  publicUrl: string | undefined;
  allowedOrigins: string[];
  jwtSecret: string;
  adminApiKey: string;
  /** One or more SFU nodes. */
  sfuUrls: string[];
  /** Find SFU nodes in Redis (needs REDIS_URL). */
  sfuDiscovery: 'static' | 'redis';
  sfuRpcSecret: string;
  recorder: { url: string; secret: string } | undefined;
  clientDist: string | undefined;
  stageLimit: number;
  resumeGraceMs: number;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  databaseUrl: string | undefined;
  dataDir: string | undefined;
  redisUrl: string | undefined;
  libraryMaxUploadBytes: number;
  /** Library files: STORAGE_DIR, or an S3 bucket (S3_*); see recorder/src/storage/config.ts. */
  storage: StorageConfig;
  metricsToken: string | undefined;
  /** TURN relays with REST credentials; unset means clients only get the SFU's own candidates. */
  turn: TurnConfig | undefined;
}

/**
 * Embedded defaults: a single machine needs no secrets configured, so missing JWT/admin secrets
 * are generated per process (tokens then die with the process, which is what a demo wants).
 */
export function loadSignalingConfig(env: NodeJS.ProcessEnv = process.env): SignalingConfig {
  const e = EnvSchema.parse(env);
  if (e.SFU_DISCOVERY === 'redis' && !e.REDIS_URL) throw new Error('SFU_DISCOVERY=redis needs REDIS_URL');
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL,
    allowedOrigins: e.ALLOWED_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean),
    jwtSecret: e.JWT_SECRET ?? randomBytes(32).toString('base64url'),
    adminApiKey: e.ADMIN_API_KEY ?? randomBytes(24).toString('base64url'),
    sfuDiscovery: e.SFU_DISCOVERY,
    sfuUrls: e.SFU_URLS ? e.SFU_URLS.split(',').map((u) => z.string().url().parse(u.trim())) : [e.SFU_URL],
    sfuRpcSecret: e.SFU_RPC_SECRET,
    recorder: e.RECORDER_URL ? { url: e.RECORDER_URL, secret: e.RECORDER_RPC_SECRET ?? e.SFU_RPC_SECRET } : undefined,
    clientDist: e.CLIENT_DIST,
    stageLimit: e.STAGE_LIMIT,
    resumeGraceMs: e.RESUME_GRACE_SECONDS * 1000,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL,
    libraryMaxUploadBytes: Math.floor(e.LIBRARY_MAX_UPLOAD_MB * 1024 * 1024),
    storage: loadStorageConfig(env),
    metricsToken: e.METRICS_TOKEN,
    turn: e.TURN_SECRET ? { secret: e.TURN_SECRET, urls: e.TURN_URLS, ttlSeconds: e.TURN_TTL_SECONDS } : undefined,
  };
}
