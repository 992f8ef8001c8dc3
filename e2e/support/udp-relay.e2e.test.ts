import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { UdpRelay } from './udp-relay.ts';

/*
 * The relay alone, on real UDP sockets: "servers" echo on 127.0.0.1:P, clients send to the relay's front
 * 127.0.0.2:P (Linux routes all of 127/8 to lo). Both ends live in this process, so one clock times each leg.
 */

const FRONT = '127.0.0.2';
// Below the ephemeral range (32768+), so no client or upstream socket can be sitting on these ports.
const MIN = randomInt(20_000, 30_000);
const PORTS = { min: MIN, max: MIN + 1 };
// Timers fire late by a millisecond or so, more on a busy CI machine.
const SLACK_MS = 15;

const sockets: dgram.Socket[] = [];
let relay: UdpRelay | undefined;

afterEach(async () => {
  await relay?.close();
  relay = undefined;
  await Promise.all(sockets.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function socket(port: number, address: string): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  sockets.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, address, () => resolve());
  });
  return s;
}

/** An echo server on 127.0.0.1:port that notes when each numbered packet arrived. */
async function echoServer(port: number) {
  const arrivals = new Map<number, number>();
  const s = await socket(port, '127.0.0.1');
  s.on('message', (msg, from) => {
    arrivals.set(msg.readUInt32BE(0), performance.now());
    s.send(msg, from.port, from.address);
  });
  return arrivals;
}

/** Sends `count` numbered packets `gapMs` apart to FRONT:port, then waits `settleMs`; returns per-packet timings. */
async function exchange(client: dgram.Socket, port: number, server: Map<number, number>, count: number, gapMs: number, settleMs: number) {
  const sent = new Map<number, number>();
  const back = new Map<number, number>();
  const order: number[] = [];
  client.on('message', (msg) => {
    back.set(msg.readUInt32BE(0), performance.now());
    order.push(msg.readUInt32BE(0));
  });
  const base = randomInt(1, 1_000_000);
  for (let i = 0; i < count; i++) {
    const msg = Buffer.alloc(200);
    msg.writeUInt32BE(base + i, 0);
    sent.set(base + i, performance.now());
    client.send(msg, port, FRONT);
    await new Promise((r) => setTimeout(r, gapMs));
  }
  await new Promise((r) => setTimeout(r, settleMs));
  client.removeAllListeners('message');
  const up: number[] = [];
  const down: number[] = [];
  for (const [id, at] of sent) {
    const arrived = server.get(id);
    if (arrived !== undefined) up.push(arrived - at);
    const returned = back.get(id);
    if (arrived !== undefined && returned !== undefined) down.push(returned - arrived);
  }
  return { up, down, order };
}

const summary = (xs: number[]) => ({
  n: xs.length,
  min: Math.round(Math.min(...xs) * 10) / 10,
  mean: Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10,
  max: Math.round(Math.max(...xs) * 10) / 10,
});

describe('UdpRelay', () => {
  it('adds the configured delay ± jitter each way without reordering, counts it, and applies changes at run time', async () => {
    const server = await echoServer(PORTS.max);
    relay = await UdpRelay.start({ front: FRONT, ports: PORTS, impairment: { delayMs: 50, jitterMs: 20 } });
    const client = await socket(0, '127.0.0.1');

    const delayed = await exchange(client, PORTS.max, server, 200, 5, 300);
    const up = summary(delayed.up);
    const down = summary(delayed.down);
    console.log('50 ± 20 ms, packet every 5 ms:', JSON.stringify({ up, down, counters: relay.stats('127.0.0.1') }));
    for (const leg of [up, down]) {
      expect(leg.n).toBe(200);
      expect(leg.min).toBeGreaterThanOrEqual(30 - 1);
      expect(leg.max).toBeLessThanOrEqual(70 + SLACK_MS);
      expect(leg.max - leg.min).toBeGreaterThan(20); // jitter really varies the delay
      expect(leg.mean).toBeGreaterThan(45);
      expect(leg.mean).toBeLessThan(70);
    }
    expect(delayed.order).toEqual([...delayed.order].sort((a, b) => a - b));
    const counted = relay.stats('127.0.0.1');
    for (const leg of [counted.toServer, counted.toClient]) {
      expect(leg).toMatchObject({ forwarded: 200, dropped: 0 });
      expect(leg.meanDelayMs).toBeGreaterThan(45);
      expect(leg.maxDelayMs).toBeLessThanOrEqual(70);
    }

    relay.setImpairment({ delayMs: 0, jitterMs: 0 });
    const direct = await exchange(client, PORTS.max, server, 50, 5, 50);
    console.log('0 ms:', JSON.stringify({ up: summary(direct.up), down: summary(direct.down) }));
    expect(direct.up).toHaveLength(50);
    expect(relay.stats('127.0.0.1').toServer).toMatchObject({ forwarded: 50, dropped: 0 }); // counters restarted with the change
    expect(Math.max(...direct.up, ...direct.down)).toBeLessThan(SLACK_MS);

    relay.setImpairment({ delayMs: 0, jitterMs: 0, lossPercent: 50 });
    const lossy = await exchange(client, PORTS.max, server, 400, 1, 100);
    const afterLoss = relay.stats('127.0.0.1');
    console.log('50 % loss:', JSON.stringify({ reachedServer: lossy.up.length, cameBack: lossy.down.length, counters: afterLoss }));
    expect(afterLoss.toServer.forwarded + afterLoss.toServer.dropped).toBe(400);
    expect(lossy.up.length).toBe(afterLoss.toServer.forwarded);
    expect(lossy.up.length).toBeGreaterThan(120);
    expect(lossy.up.length).toBeLessThan(280);
    expect(lossy.down.length).toBe(afterLoss.toClient.forwarded);
    expect(afterLoss.toClient.forwarded + afterLoss.toClient.dropped).toBe(afterLoss.toServer.forwarded);
    expect(lossy.down.length).toBeLessThan(lossy.up.length);
  });

  it('keeps clients apart, impairs only the listed ones, and releases its ports on close', async () => {
    const servers = [await echoServer(PORTS.min), await echoServer(PORTS.max)];
    relay = await UdpRelay.start({ front: FRONT, ports: PORTS, impairment: { delayMs: 40, jitterMs: 0 }, impairedClients: ['127.0.0.1'] });
    const impaired = await socket(0, '127.0.0.1');
    const clear = await socket(0, '127.0.0.3');

    const [slow, fast] = await Promise.all([exchange(impaired, PORTS.min, servers[0]!, 20, 5, 150), exchange(clear, PORTS.min, servers[0]!, 20, 5, 150)]);
    console.log('listed client:', JSON.stringify(summary(slow.up)), 'other client:', JSON.stringify(summary(fast.up)));
    // Each client got exactly its own 20 echoes back (exchange numbers packets from a random base per call).
    expect(slow.down).toHaveLength(20);
    expect(fast.down).toHaveLength(20);
    expect(Math.min(...slow.up, ...slow.down)).toBeGreaterThanOrEqual(39);
    expect(Math.max(...fast.up, ...fast.down)).toBeLessThan(SLACK_MS);
    expect(relay.stats('127.0.0.3').toServer).toMatchObject({ forwarded: 20, maxDelayMs: 0 });
    expect(relay.stats('127.0.0.1').toClient.forwarded).toBe(20);

    // A second port works as the first does.
    const other = await exchange(clear, PORTS.max, servers[1]!, 10, 5, 50);
    expect(other.down).toHaveLength(10);

    await relay.close();
    relay = undefined;
    for (let port = PORTS.min; port <= PORTS.max; port++) await socket(port, FRONT);
  });
});
