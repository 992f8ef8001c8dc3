import { createConnection } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from './redis-server.ts';

/** One inline command over a fresh connection; the raw RESP reply, or the connection error's code. */
function send(port: number, command: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write(`${command}\r\n`));
    socket.once('data', (d) => {
      resolve(d.toString());
      socket.end();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

let server: RedisServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

it('comes back on the same port after down/up, empty unless asked to persist', async () => {
  server = await startRedisServer();
  expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
  expect(await send(server.port, 'SET lesson live')).toBe('+OK\r\n');
  await server.down();
  expect(await send(server.port, 'PING')).toBe('ECONNREFUSED');
  await server.up();
  expect(await send(server.port, 'GET lesson')).toBe('$-1\r\n');
});

it('keeps what it wrote across restart() with persist', async () => {
  server = await startRedisServer({ persist: true });
  expect(await send(server.port, 'SET lesson live')).toBe('+OK\r\n');
  // appendfsync everysec: give the append-only file its second before the kill.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await server.restart();
  expect(await send(server.port, 'GET lesson')).toBe('$4\r\nlive\r\n');
});
