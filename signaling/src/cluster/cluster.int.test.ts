import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClassroomError } from '@dualclass/protocol';
import { startRedisServer, type RedisServer } from '../../../infra/src/redis-server.ts';
import { RedisLessonOwners } from './lesson-owners.ts';
import { NodeBus } from './node-bus.ts';

/* Lesson ownership leases and the node-to-node bus, on a real redis-server. */

let redis: RedisServer;
const clients: Redis[] = [];
const log = pino({ level: 'silent' });

function client(): Redis {
  const c = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: false });
  clients.push(c);
  return c;
}
const ready = (c: Redis) => (c.status === 'ready' ? Promise.resolve() : new Promise<void>((r) => c.once('ready', () => r())));

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await redis?.stop();
});

const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof ClassroomError ? e.code : String(e)));

describe('lesson ownership', () => {
  it('one node claims a lesson, others see it; a node that stops renewing loses it to the next claimant', async () => {
    const [ca, cb] = [client(), client()];
    await Promise.all([ready(ca), ready(cb)]);
    const a = new RedisLessonOwners(ca, 'node-a', log, 600);
    const b = new RedisLessonOwners(cb, 'node-b', log, 600);
    const [first, second] = await Promise.all([a.ownerOf('les-1'), b.ownerOf('les-1')]);
    expect(first).toBe(second); // exactly one of them holds it
    const owner = first === 'node-a' ? a : b;
    const other = owner === a ? b : a;
    await new Promise((r) => setTimeout(r, 1_000)); // renewals keep it past its 600 ms lease
    expect(await other.ownerOf('les-1')).toBe(owner.nodeId);

    await owner.close(); // releases at once: what a draining node does
    expect(await other.ownerOf('les-1')).toBe(other.nodeId);

    const c = new RedisLessonOwners(client(), 'node-c', log, 600);
    await ready(clients.at(-1)!);
    expect(await c.ownerOf('les-2')).toBe('node-c');
    (c as unknown as { redis: Redis }).redis.disconnect(); // crashed: no release, no renewal
    const started = Date.now();
    let taken = '';
    while (Date.now() - started < 3_000 && taken !== other.nodeId) taken = await other.ownerOf('les-2');
    expect(taken).toBe(other.nodeId);
    expect(Date.now() - started).toBeLessThan(1_500);

    // The crashed node comes back with its old id: its lease is gone and renewal tells it so.
    const lost = new Promise<string>((resolve) => c.once('lost', resolve));
    (c as unknown as { redis: Redis }).redis = client();
    await ready(clients.at(-1)!);
    expect(await lost).toBe('les-2');
    await c.close();
    await other.close();
  });
});

describe('node bus', () => {
  it('answers requests across nodes, carries typed errors, and fails fast for a node that is gone', async () => {
    const conns = [client(), client(), client(), client()];
    await Promise.all(conns.map(ready));
    const a = await NodeBus.start(conns[0]!, conns[1]!, 'bus-a', log);
    const b = await NodeBus.start(conns[2]!, conns[3]!, 'bus-b', log);
    b.onRequest('math', async (body, from) => {
      const { n } = body as { n: number };
      if (n < 0) throw new ClassroomError('BAD_REQUEST', 'negative');
      return { doubled: n * 2, from };
    });
    const notices: unknown[] = [];
    b.onNotice('hello', (body) => notices.push(body));

    expect(await a.request('bus-b', 'math', { n: 21 })).toEqual({ doubled: 42, from: 'bus-a' });
    const many = await Promise.all(Array.from({ length: 50 }, (_, i) => a.request('bus-b', 'math', { n: i })));
    expect(many.map((m) => (m as { doubled: number }).doubled)).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(await codeOf(a.request('bus-b', 'math', { n: -1 }))).toBe('BAD_REQUEST');

    expect(await a.notify('bus-b', 'hello', { hello: 1 })).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(notices).toEqual([{ hello: 1 }]);

    const before = Date.now();
    expect(await codeOf(a.request('bus-gone', 'math', { n: 1 }, 5_000))).toBe('UNAVAILABLE');
    expect(Date.now() - before).toBeLessThan(500);

    b.onRequest('math', () => new Promise(() => undefined)); // never answers
    expect(await codeOf(a.request('bus-b', 'math', { n: 1 }, 300))).toBe('TIMEOUT');
    expect(await codeOf(a.request('bus-b', 'nobody-handles-this', {}))).toBe('UNAVAILABLE');
    a.close();
    b.close();
  });
});
