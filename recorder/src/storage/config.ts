import { z } from 'zod';
import type { FileStore } from './file-store.ts';
import { LocalDirStore } from './local-store.ts';
import { S3Store } from './s3-store.ts';

export type StorageConfig =
  | { kind: 'local'; dir: string }
  | {
      kind: 's3';
      bucket: string;
      region: string;
      endpoint: string | undefined;
      accessKeyId: string | undefined;
      secretAccessKey: string | undefined;
      forcePathStyle: boolean;
    };

const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const EnvSchema = z.object({
  STORAGE_DIR: z.string().min(1).default('./data/files'),
  S3_BUCKET: z.string().min(1).optional(),
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: flag,
});

/**
 * Library files go to STORAGE_DIR (default ./data/files) unless S3_BUCKET is set, in which case they go to that
 * bucket (S3_ENDPOINT for an S3-compatible service; credentials from S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY or
 * the SDK's usual chain).
 */
export function loadStorageConfig(env: NodeJS.ProcessEnv = process.env): StorageConfig {
  const e = EnvSchema.parse(env);
  if (!e.S3_BUCKET && !e.S3_ENDPOINT) return { kind: 'local', dir: e.STORAGE_DIR };
  if (!e.S3_BUCKET) throw new Error('S3_ENDPOINT is set but S3_BUCKET is not');
  if (!!e.S3_ACCESS_KEY_ID !== !!e.S3_SECRET_ACCESS_KEY) throw new Error('set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither');
  return {
    kind: 's3',
    bucket: e.S3_BUCKET,
    region: e.S3_REGION,
    endpoint: e.S3_ENDPOINT,
    accessKeyId: e.S3_ACCESS_KEY_ID,
    secretAccessKey: e.S3_SECRET_ACCESS_KEY,
    forcePathStyle: e.S3_FORCE_PATH_STYLE,
  };
}

export function createFileStore(config: StorageConfig): FileStore {
  if (config.kind === 'local') return new LocalDirStore(config.dir);
  return new S3Store({
    bucket: config.bucket,
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.accessKeyId ? { accessKeyId: config.accessKeyId } : {}),
    ...(config.secretAccessKey ? { secretAccessKey: config.secretAccessKey } : {}),
    forcePathStyle: config.forcePathStyle,
  });
}
