import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.ts';

const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

export interface RedisServer {
  /** `redis://127.0.0.1:<port>`; stays the same across down()/up()/restart(). */
  url: string;
  port: number;
  /** Kills the server (SIGKILL, like a crash) but keeps its port and folder, so up() brings the same address back. */
  down(): Promise<void>;
  /** Starts the server again on the same port; with `persist` it reloads what it had written. */
  up(): Promise<void>;
  /** down() then up(): what clients see when Redis restarts under them. */
  restart(): Promise<void>;
  /** Stops the server for good and removes its folder. */
  stop(): Promise<void>;
}

/**
 * A throwaway Debian redis-server for tests on 127.0.0.1 and a free port, working in a fresh temp dir.
 * Nothing is persisted unless `persist` is set (append-only file, fsync every second), so by default a
 * restart comes back empty: the harder case for anything that must resync its state.
 */
export async function startRedisServer(options: { persist?: boolean } = {}): Promise<RedisServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dualclass-redis-'));
  let child: ChildProcess | undefined;
  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit);

  const launch = async (port: number): Promise<true | string> => {
    const args = [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--save', '',
      '--appendonly', options.persist ? 'yes' : 'no', '--appendfsync', 'everysec', '--protected-mode', 'yes',
    ];
    const proc = spawn(REDIS_SERVER_BIN, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish('timed out'), 10_000);
      const onData = (d: Buffer) => {
        output = (output + d.toString()).slice(-4000);
        if (output.includes('Ready to accept connections')) finish(true);
      };
      const onProcExit = (code: number | null) => finish(`exited with code ${code}\n${output}`);
      function finish(result: true | string) {
        clearTimeout(timer);
        proc.stdout!.off('data', onData);
        proc.off('exit', onProcExit);
        // Keep draining its output so a chatty server never blocks on a full pipe.
        proc.stdout!.resume();
        proc.stderr!.resume();
        if (result !== true) proc.kill('SIGKILL');
        resolve(result);
      }
      proc.stdout!.on('data', onData);
      proc.once('exit', onProcExit);
    });
  };

  const kill = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  };

  let port = 0;
  try {
    let lastErr = '';
    for (let attempt = 0; attempt < 3 && !port; attempt++) {
      const candidate = await freePort();
      const started = await launch(candidate);
      if (started === true) port = candidate;
      else lastErr = started;
    }
    if (!port) throw new Error(`redis-server did not start: ${lastErr}`);
  } catch (err) {
    process.off('exit', onExit);
    await kill();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  const up = async () => {
    // The port was ours a moment ago; something else grabbing it in between is a test-machine problem worth failing on.
    const started = await launch(port);
    if (started !== true) throw new Error(`redis-server did not come back on port ${port}: ${started}`);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    down: kill,
    up,
    async restart() {
      await kill();
      await up();
    },
    async stop() {
      process.off('exit', onExit);
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
