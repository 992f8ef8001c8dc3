import { describe, expect, it } from 'vitest';
import { createFileStore, loadStorageConfig } from './config.ts';
import { LocalDirStore } from './local-store.ts';
import { S3Store } from './s3-store.ts';

describe('loadStorageConfig', () => {
  it('defaults to a local directory', () => {
    expect(loadStorageConfig({})).toEqual({ kind: 'local', dir: './data/files' });
    expect(loadStorageConfig({ STORAGE_DIR: '/srv/dualclass/files' })).toEqual({ kind: 'local', dir: '/srv/dualclass/files' });
    expect(createFileStore(loadStorageConfig({ STORAGE_DIR: '/srv/files' }))).toBeInstanceOf(LocalDirStore);
  });

  it('switches to S3 when a bucket is named', () => {
    const config = loadStorageConfig({
      S3_BUCKET: 'library',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_ACCESS_KEY_ID: 'key',
      S3_SECRET_ACCESS_KEY: 'secret',
      S3_FORCE_PATH_STYLE: 'true',
    });
    expect(config).toEqual({
      kind: 's3',
      bucket: 'library',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9000',
      accessKeyId: 'key',
      secretAccessKey: 'secret',
      forcePathStyle: true,
    });
    const store = createFileStore(config);
    expect(store).toBeInstanceOf(S3Store);
    (store as S3Store).client.destroy();
    expect(loadStorageConfig({ S3_BUCKET: 'b', S3_REGION: 'cn-north-1' })).toMatchObject({ kind: 's3', region: 'cn-north-1', forcePathStyle: false });
  });

  it('refuses half an S3 configuration', () => {
    expect(() => loadStorageConfig({ S3_ENDPOINT: 'http://127.0.0.1:9000' })).toThrow(/S3_BUCKET/);
    expect(() => loadStorageConfig({ S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'k' })).toThrow(/S3_SECRET_ACCESS_KEY/);
    expect(() => loadStorageConfig({ S3_BUCKET: 'b', S3_FORCE_PATH_STYLE: 'maybe' })).toThrow();
  });
});
