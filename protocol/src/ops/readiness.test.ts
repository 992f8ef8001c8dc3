import { describe, expect, it } from 'vitest';
import { ClassroomError } from '../errors.ts';
import { Readiness } from './readiness.ts';

describe('Readiness', () => {
  it('is ready when every check answers, and names the ones that fail or time out', async () => {
    const readiness = new Readiness([
      { name: 'db', run: async () => undefined },
      { name: 'sfu', run: async () => Promise.reject(new ClassroomError('UNAVAILABLE', 'sfu is not connected')) },
      { name: 'slow', run: () => new Promise<void>((resolve) => setTimeout(resolve, 500)) },
    ], { timeoutMs: 50 });
    expect(await readiness.report()).toEqual({ ready: false, failing: ['sfu', 'slow'], checks: { db: 'ok', sfu: 'UNAVAILABLE', slow: 'TIMEOUT' } });
    expect(await new Readiness([{ name: 'db', run: async () => undefined }]).report()).toEqual({ ready: true, failing: [], checks: { db: 'ok' } });
  });

  it('runs the checks at most once per cache interval, however many probes come', async () => {
    let runs = 0;
    const readiness = new Readiness([{ name: 'db', run: async () => void runs++ }], { cacheMs: 60_000 });
    await Promise.all(Array.from({ length: 20 }, () => readiness.report()));
    await readiness.report();
    expect(runs).toBe(1);
  });

  it('refuses two checks of one name, so an added dependency cannot shadow another', () => {
    const readiness = new Readiness([{ name: 'redis', run: async () => undefined }]);
    expect(() => readiness.add({ name: 'redis', run: async () => undefined })).toThrow(/already registered/);
  });
});
