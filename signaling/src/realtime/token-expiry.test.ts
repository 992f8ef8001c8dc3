import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenExpiry } from './token-expiry.ts';

describe('TokenExpiry', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-03-02T08:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  it('fires once when the exp passes', () => {
    const expired = vi.fn();
    new TokenExpiry(nowSeconds() + 60, expired);
    vi.advanceTimersByTime(59_999);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    vi.advanceTimersByTime(120_000);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('moves the deadline on extend and never fires after stop', () => {
    const expired = vi.fn();
    const expiry = new TokenExpiry(nowSeconds() + 60, expired);
    vi.advanceTimersByTime(30_000);
    expiry.extend(nowSeconds() + 7200);
    expect(expiry.expiresAt.getTime()).toBe(Date.now() + 7_200_000);
    vi.advanceTimersByTime(7_199_000);
    expect(expired).not.toHaveBeenCalled();
    expiry.stop();
    vi.advanceTimersByTime(10_000_000);
    expect(expired).not.toHaveBeenCalled();
  });

  it('reaches a deadline past the longest timer in steps, and an already past one at once', () => {
    const far = vi.fn();
    new TokenExpiry(nowSeconds() + 40 * 24 * 3600, far);
    vi.advanceTimersByTime(30 * 24 * 3600 * 1000);
    expect(far).not.toHaveBeenCalled();
    vi.advanceTimersByTime(10 * 24 * 3600 * 1000);
    expect(far).toHaveBeenCalledTimes(1);
    const past = vi.fn();
    new TokenExpiry(nowSeconds() - 5, past);
    vi.advanceTimersByTime(0);
    expect(past).toHaveBeenCalledTimes(1);
  });
});
