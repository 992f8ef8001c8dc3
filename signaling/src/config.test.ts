import { describe, expect, it } from 'vitest';
import { loadSignalingConfig } from './config.ts';

const base = { SFU_RPC_SECRET: 'x'.repeat(24) };

describe('loadSignalingConfig: library settings', () => {
  it('defaults to the embedded database in memory, files in ./data/files, 500 MB uploads', () => {
    const config = loadSignalingConfig(base);
    expect(config).toMatchObject({
      databaseUrl: undefined,
      dataDir: undefined,
      libraryMaxUploadBytes: 500 * 1024 * 1024,
      storage: { kind: 'local', dir: './data/files' },
    });
  });

  it('reads DATABASE_URL, DATA_DIR, LIBRARY_MAX_UPLOAD_MB and S3 storage', () => {
    const config = loadSignalingConfig({
      ...base,
      DATABASE_URL: 'postgres://dualclass@db.internal:5432/dualclass',
      DATA_DIR: '/var/lib/dualclass',
      LIBRARY_MAX_UPLOAD_MB: '2048',
      S3_BUCKET: 'library',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_FORCE_PATH_STYLE: '1',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://dualclass@db.internal:5432/dualclass',
      dataDir: '/var/lib/dualclass',
      libraryMaxUploadBytes: 2048 * 1024 * 1024,
      storage: { kind: 's3', bucket: 'library', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true },
    });
  });

  it('refuses a DATABASE_URL that is not postgres and a non-positive upload limit', () => {
    expect(() => loadSignalingConfig({ ...base, DATABASE_URL: 'mysql://x' })).toThrow();
    expect(() => loadSignalingConfig({ ...base, LIBRARY_MAX_UPLOAD_MB: '0' })).toThrow();
  });
});

describe('loadSignalingConfig: TURN', () => {
  it('is off by default and reads secret, URLs and lifetime together', () => {
    expect(loadSignalingConfig(base).turn).toBeUndefined();
    const config = loadSignalingConfig({
      ...base,
      TURN_SECRET: 's'.repeat(32),
      TURN_URLS: 'turn:turn.example.edu:3478?transport=udp, turns:turn.example.edu:5349',
    });
    expect(config.turn).toEqual({
      secret: 's'.repeat(32),
      urls: ['turn:turn.example.edu:3478?transport=udp', 'turns:turn.example.edu:5349'],
      ttlSeconds: 6 * 3600,
    });
    expect(loadSignalingConfig({ ...base, TURN_SECRET: 's'.repeat(32), TURN_URLS: 'turn:a:3478', TURN_TTL_SECONDS: '3600' }).turn?.ttlSeconds).toBe(3600);
  });

  it('refuses one without the other and URLs that are not turn:', () => {
    expect(() => loadSignalingConfig({ ...base, TURN_SECRET: 's'.repeat(32) })).toThrow(/TURN_SECRET and TURN_URLS/);
    expect(() => loadSignalingConfig({ ...base, TURN_URLS: 'turn:a:3478' })).toThrow(/TURN_SECRET and TURN_URLS/);
    expect(() => loadSignalingConfig({ ...base, TURN_SECRET: 's'.repeat(32), TURN_URLS: 'https://a' })).toThrow(/turn: or turns:/);
  });
});
