import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pino } from 'pino';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { startRedisServer, type RedisServer } from '../../../infra/src/redis-server.ts';
import { openRedis, type RedisConnections } from './redis-connections.ts';
import { redisSocketAdapter } from './socket-adapter.ts';

// Two socket.io servers, as two signaling nodes have, each with the adapter over its own Redis connections.
let redis: RedisServer;
const nodes: { http: HttpServer; io: Server; connections: RedisConnections }[] = [];
let client: Socket;

beforeAll(async () => {
  redis = await startRedisServer();
  for (let i = 0; i < 2; i++) {
    const http = createServer();
    const io = new Server(http);
    const connections = await openRedis(redis.url, pino({ level: 'silent' }));
    io.adapter(redisSocketAdapter(connections, pino({ level: 'silent' })));
    io.on('connection', (socket) => void socket.join('lesson:les_1'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    nodes.push({ http, io, connections });
  }
  client = connect(`http://127.0.0.1:${(nodes[1]!.http.address() as AddressInfo).port}`, { transports: ['websocket'], forceNew: true });
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
});

afterAll(async () => {
  client?.disconnect();
  for (const { io, connections } of nodes) {
    await io.close();
    await connections.close();
  }
  await redis?.stop();
});

/** Emits from node 0 until the client on node 1 gets it; false if it never does before the deadline. */
async function crossesNodes(text: string, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const got = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      client.once(text, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    nodes[0]!.io.to('lesson:les_1').emit(text);
    if (await got) return true;
    client.off(text);
  }
  return false;
}

it('delivers a room broadcast from one node to a socket on the other', async () => {
  expect(await crossesNodes('chat:state', 2_000)).toBe(true);
});

it('keeps broadcasting locally while Redis is down (no unhandled rejection), and across nodes again after it restarts', async () => {
  await redis.down();
  const local = connect(`http://127.0.0.1:${(nodes[0]!.http.address() as AddressInfo).port}`, { transports: ['websocket'], forceNew: true });
  await new Promise<void>((resolve) => local.once('connect', () => resolve()));
  const gotLocally = new Promise((resolve) => local.once('while-down', resolve));
  // The adapter publishes this and the PUBLISH fails; the local socket still gets it.
  nodes[0]!.io.to('lesson:les_1').emit('while-down');
  await gotLocally;
  expect(await crossesNodes('while-down', 600)).toBe(false);
  local.disconnect();

  await redis.up();
  // The subscriber reconnects within its backoff and resubscribes on its own.
  expect(await crossesNodes('after-restart', 10_000)).toBe(true);
});
