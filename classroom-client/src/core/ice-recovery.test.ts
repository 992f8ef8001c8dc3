import { ClassroomError } from '@dualclass/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IceRecovery, type IceRecoveryTiming } from './ice-recovery.ts';

const timing: IceRecoveryTiming = { disconnectedGraceMs: 2000, attemptTimeoutMs: 8000, minIntervalMs: 5000, maxAttempts: 3 };

describe('ICE recovery', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(restart: (id: string) => Promise<void> = async () => undefined) {
    const calls: string[] = [];
    const gaveUp: string[] = [];
    const recovery = new IceRecovery(
      async (id) => {
        calls.push(id);
        await restart(id);
      },
      (reason) => gaveUp.push(reason),
      timing,
      () => Date.now(),
    );
    return { recovery, calls, gaveUp };
  }

  it('leaves a short disconnect to ICE itself', async () => {
    const { recovery, calls } = setup();
    recovery.onState('t1', 'connected');
    recovery.onState('t1', 'disconnected');
    await vi.advanceTimersByTimeAsync(1500);
    recovery.onState('t1', 'connected');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toEqual([]);
  });

  it('restarts after the grace, and at once on failed', async () => {
    const { recovery, calls } = setup();
    recovery.onState('t1', 'disconnected');
    await vi.advanceTimersByTimeAsync(2000);
    expect(calls).toEqual(['t1']);
    recovery.onState('t2', 'failed');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual(['t1', 't2']);
    expect(recovery.restarts).toBe(2);
  });

  it('spaces restarts out and gives up after maxAttempts that do not reconnect', async () => {
    const { recovery, calls, gaveUp } = setup();
    recovery.onState('t1', 'failed');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(7999);
    expect(calls).toHaveLength(1); // still within the attempt's time
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(8000);
    expect(calls).toHaveLength(3);
    expect(gaveUp).toEqual([]);
    await vi.advanceTimersByTimeAsync(8000);
    expect(calls).toHaveLength(3);
    expect(gaveUp).toEqual(['ICE restart failed 3 times']);
  });

  it('a state flapping back to failed right after a restart waits for the minimum interval', async () => {
    const { recovery, calls } = setup();
    recovery.onState('t1', 'failed');
    await vi.advanceTimersByTimeAsync(0);
    recovery.onState('t1', 'connected');
    recovery.onState('t1', 'failed');
    await vi.advanceTimersByTimeAsync(4999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
  });

  it('gives up at once when the SFU no longer knows the transport', async () => {
    const { recovery, gaveUp } = setup(async () => {
      throw new ClassroomError('NOT_FOUND', 'transport not found');
    });
    recovery.onState('t1', 'failed');
    await vi.advanceTimersByTimeAsync(0);
    expect(gaveUp).toEqual(['transport gone at the SFU']);
    recovery.onState('t1', 'failed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(gaveUp).toHaveLength(1);
  });

  it('waits as long as the server asks when rate-limited, without counting it as an attempt', async () => {
    let refuse = true;
    const { recovery, calls, gaveUp } = setup(async () => {
      if (refuse) {
        refuse = false;
        throw new ClassroomError('RATE_LIMITED', 'too many', { retryAfter: 20 });
      }
    });
    recovery.onState('t1', 'failed');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(19_999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    recovery.onState('t1', 'connected');
    expect(gaveUp).toEqual([]);
  });

  it('stop() cancels what is pending', async () => {
    const { recovery, calls } = setup();
    recovery.onState('t1', 'disconnected');
    recovery.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toEqual([]);
  });
});
