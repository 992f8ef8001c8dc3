import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ClassroomError } from '@dualclass/protocol';
import { startSfuProcess } from '../../infra/src/stack.ts';
import { SfuClient } from './client.ts';

/*
 * SIGTERM drains an SFU node (a rolling restart): it refuses new lessons and fails readiness, lets the lessons it has
 * go on until they end or SFU_DRAIN_SECONDS pass, then exits cleanly.
 */

const started: { stop(signal?: NodeJS.Signals): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.stop('SIGKILL');
});

async function node(drainSeconds: number) {
  const sfu = await startSfuProcess({ workers: 1, env: { SFU_DRAIN_SECONDS: String(drainSeconds) } });
  started.push(sfu.process);
  const client = await SfuClient.connect(sfu.url, sfu.secret, { timeoutMs: 5_000 });
  return { ...sfu, client };
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof ClassroomError ? e.code : String(e)));

describe('draining an SFU node', () => {
  it('keeps a running lesson until it ends, refuses new ones meanwhile, then exits 0', async () => {
    const { client, process: sfu, url } = await node(60);
    await client.call('router.ensure', { lessonId: 'les-running' });
    await client.call('transport.createWebRtc', { lessonId: 'les-running', participantId: 'viewer', direction: 'recv' });
    const exited = once(sfu.child, 'exit');
    const signalledAt = Date.now();
    sfu.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));

    expect(await codeOf(client.call('router.ensure', { lessonId: 'les-new' }))).toBe('UNAVAILABLE');
    // The running lesson goes on: its participants can still make media.
    await client.call('transport.createWebRtc', { lessonId: 'les-running', participantId: 'late', direction: 'recv' });
    const ready = await fetch(new URL('/readyz', url));
    expect(ready.status).toBe(503);
    expect(sfu.child.exitCode).toBeNull();

    await client.call('router.close', { lessonId: 'les-running' });
    const [code] = await exited;
    const drainedMs = Date.now() - signalledAt;
    expect(code).toBe(0);
    console.log('sfu drain, lesson ended:', JSON.stringify({ drainedMs }));
    client.close();
  });

  it('cuts what is left at the deadline', async () => {
    const { client, process: sfu } = await node(2);
    await client.call('router.ensure', { lessonId: 'les-long' });
    const exited = once(sfu.child, 'exit');
    const signalledAt = Date.now();
    sfu.child.kill('SIGTERM');
    const [code] = await exited;
    const drainedMs = Date.now() - signalledAt;
    expect(code).toBe(0);
    expect(drainedMs).toBeGreaterThanOrEqual(1_900);
    expect(drainedMs).toBeLessThan(6_000);
    console.log('sfu drain, deadline:', JSON.stringify({ drainedMs }));
    client.close();
  });
});
