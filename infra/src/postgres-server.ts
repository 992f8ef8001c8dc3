import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.ts';

const run = promisify(execFile);

export const POSTGRES_BIN = process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/<database>`, trust auth on loopback only. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

async function uidGid(user: string): Promise<{ uid: number; gid: number }> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A throwaway Debian PostgreSQL for tests: initdb into a fresh temp dir, `postgres` on 127.0.0.1 and a free
 * port (as the `postgres` user when we are root, since postgres refuses to run as root), one database created.
 * Durability is switched off: the data dir is deleted on stop anyway.
 */
export async function startPostgresServer(options: { database?: string } = {}): Promise<PostgresServer> {
  const database = options.database ?? 'dualclass_test';
  const dir = await mkdtemp(path.join(tmpdir(), 'dualclass-pg-'));
  const dataDir = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = await uidGid('postgres');
    await chown(dir, uid, gid);
  }
  const command = (bin: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(POSTGRES_BIN, bin), ...args]] : [path.join(POSTGRES_BIN, bin), args];

  let child: ReturnType<typeof spawn> | undefined;
  const killPostmaster = (signal: NodeJS.Signals) => {
    // runuser may not pass signals on; the postmaster's own pid is in its pid file.
    try {
      const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, signal);
    } catch {
      // not started, or already gone
    }
    if (child && child.exitCode === null) child.kill(signal);
  };
  const onExit = () => killPostmaster('SIGQUIT');
  process.once('exit', onExit);

  try {
    const [initdb, initArgs] = command('initdb', [
      '-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync',
    ]);
    await run(initdb, initArgs, { cwd: dir });

    let lastErr: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const [postgres, args] = command('postgres', [
        '-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', dir,
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=50',
      ]);
      child = spawn(postgres, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
      const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
      const ready = await waitUntilAccepting(admin, exited, 30_000);
      if (ready !== true) {
        lastErr = new Error(`postgres did not start on port ${port}: ${ready}\n${stderr}`);
        killPostmaster('SIGQUIT');
        await exited;
        continue;
      }
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      await client.query(`CREATE DATABASE ${database} TEMPLATE template0 ENCODING 'UTF8'`);
      await client.end();

      const running = child;
      return {
        url: `postgres://postgres@127.0.0.1:${port}/${database}`,
        port,
        async stop() {
          process.off('exit', onExit);
          if (running.exitCode === null) {
            killPostmaster('SIGINT'); // fast shutdown
            const gone = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
            if (!gone) {
              killPostmaster('SIGKILL');
              await exited;
            }
          }
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    throw lastErr;
  } catch (err) {
    process.off('exit', onExit);
    killPostmaster('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** true once a connection succeeds; a reason string if the server exited or the time ran out. */
async function waitUntilAccepting(url: string, exited: Promise<number | null>, timeoutMs: number): Promise<true | string> {
  let gone: string | undefined;
  void exited.then((code) => (gone = `exited with code ${code}`));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) return gone;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch {
      await client.end().catch(() => undefined);
      await sleep(100);
    }
  }
  return 'timed out';
}
