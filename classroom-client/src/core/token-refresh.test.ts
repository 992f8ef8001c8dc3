import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REFRESH_MARGIN_MS, TokenRefresher, refreshDelayMs, retryDelayMs, tokenExpiresAt } from './token-refresh.ts';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (payload: Record<string, unknown>) => `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}.c2ln`;

describe('token refresh timing', () => {
  it('reads exp from a JWT (base64url, unicode claims) and nothing from garbage', () => {
    expect(tokenExpiresAt(jwt({ sub: 'par_1', name: '张老师', exp: 1_900_000_000 }))).toBe(1_900_000_000_000);
    expect(tokenExpiresAt('not-a-token')).toBeUndefined();
    expect(tokenExpiresAt(jwt({ sub: 'par_1' }))).toBeUndefined();
    expect(tokenExpiresAt('a.%%%.c')).toBeUndefined();
  });

  it('refreshes ten minutes early for long tokens, at half-life for short ones, at once when expired', () => {
    const now = 1_000_000;
    expect(refreshDelayMs(now + 2 * 3600_000, now)).toBe(2 * 3600_000 - REFRESH_MARGIN_MS);
    expect(refreshDelayMs(now + 60_000, now)).toBe(30_000);
    expect(refreshDelayMs(now - 1, now)).toBe(0);
  });

  it('retries within the remaining life and stops at expiry', () => {
    expect(retryDelayMs(3600_000, 0)).toBe(30_000);
    expect(retryDelayMs(10_000, 0)).toBe(5_000);
    expect(retryDelayMs(10_000, 10_000)).toBeUndefined();
  });
});

describe('TokenRefresher', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_800_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands each fresh token on and schedules from the new expiry; retries a failed refresh', async () => {
    const tokens: string[] = [];
    let calls = 0;
    const refresher = new TokenRefresher({
      refresh: async () => {
        calls += 1;
        if (calls === 2) throw new Error('offline');
        return { token: `tok-${calls}`, expiresAt: new Date(Date.now() + 2 * 3600_000).toISOString() };
      },
      onToken: (token) => tokens.push(token),
    });
    refresher.start(jwt({ exp: Date.now() / 1000 + 3600 }));
    await vi.advanceTimersByTimeAsync(3600_000 - REFRESH_MARGIN_MS - 1);
    expect(calls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(tokens).toEqual(['tok-1']);
    await vi.advanceTimersByTimeAsync(2 * 3600_000 - REFRESH_MARGIN_MS);
    expect(calls).toBe(2);
    expect(tokens).toEqual(['tok-1']);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(tokens).toEqual(['tok-1', 'tok-3']);
    refresher.stop();
    await vi.advanceTimersByTimeAsync(24 * 3600_000);
    expect(calls).toBe(3);
  });

  it('gives up once the token has expired without a successful refresh', async () => {
    let calls = 0;
    const refresher = new TokenRefresher({
      refresh: async () => {
        calls += 1;
        throw new Error('offline');
      },
      onToken: () => undefined,
    });
    refresher.start(jwt({ exp: Date.now() / 1000 + 60 }));
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    // 30 s, then half of what is left each time (15 s, 7.5 s, ...) down to the expiry.
    const atExpiry = calls;
    await vi.advanceTimersByTimeAsync(3600_000);
    expect(calls).toBe(atExpiry);
    expect(calls).toBeGreaterThan(1);
  });
});
