import { describe, expect, it } from 'vitest';
import { loadSfuConfig } from './config.ts';

const SECRET = 'a-long-enough-shared-secret';

describe('loadSfuConfig', () => {
  it('applies defaults for everything but the secret', () => {
    const config = loadSfuConfig({ SFU_RPC_SECRET: SECRET });
    expect(config).toMatchObject({
      rpcPort: 4100,
      rpcHost: '127.0.0.1',
      rpcSecret: SECRET,
      listenIp: '127.0.0.1',
      announcedIp: undefined,
      rtcMinPort: 40_000,
      rtcMaxPort: 49_999,
      keyFrameRequestDelayMs: 1_000,
      logLevel: 'info',
    });
    expect(config.workers).toBeGreaterThanOrEqual(1);
  });

  it('parses numbers, allows port 0 and treats empty strings as unset', () => {
    const config = loadSfuConfig({
      SFU_RPC_SECRET: SECRET,
      SFU_RPC_PORT: '0',
      SFU_WORKERS: '2',
      SFU_ANNOUNCED_IP: '',
      SFU_RTC_MIN_PORT: '',
      LOG_LEVEL: 'silent',
    });
    expect(config).toMatchObject({ rpcPort: 0, workers: 2, announcedIp: undefined, rtcMinPort: 40_000, logLevel: 'silent' });
  });

  it('requires a secret of at least 16 characters without echoing it', () => {
    expect(() => loadSfuConfig({})).toThrow(/SFU_RPC_SECRET/);
    const attempt = () => loadSfuConfig({ SFU_RPC_SECRET: 'short-secret' });
    expect(attempt).toThrow(/at least 16/);
    expect(attempt).not.toThrow(/short-secret/);
  });

  it('rejects bad ports, counts, levels and an inverted RTC range', () => {
    expect(() => loadSfuConfig({ SFU_RPC_SECRET: SECRET, SFU_RPC_PORT: '70000' })).toThrow(/SFU_RPC_PORT/);
    expect(() => loadSfuConfig({ SFU_RPC_SECRET: SECRET, SFU_WORKERS: '0' })).toThrow(/SFU_WORKERS/);
    expect(() => loadSfuConfig({ SFU_RPC_SECRET: SECRET, LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadSfuConfig({ SFU_RPC_SECRET: SECRET, SFU_LISTEN_IP: 'localhost' })).toThrow(/SFU_LISTEN_IP/);
    expect(() => loadSfuConfig({ SFU_RPC_SECRET: SECRET, SFU_RTC_MIN_PORT: '45000', SFU_RTC_MAX_PORT: '44000' })).toThrow(
      /must not exceed/,
    );
  });
});
