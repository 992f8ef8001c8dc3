import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../infra/src/free-port.ts';

const JANUS_BIN = process.env.JANUS_BIN ?? '/usr/bin/janus';
const JANUS_LIB_DIR = process.env.JANUS_LIB_DIR ?? '/usr/lib/x86_64-linux-gnu/janus';
const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 3_000;

export interface JanusServer {
  pid: number;
  /** Base URL of the Janus HTTP API, e.g. http://127.0.0.1:41234/janus */
  apiUrl: string;
  /** Last lines Janus logged, for error messages. */
  logTail(lines?: number): string;
  /** Kills Janus (SIGTERM, then SIGKILL) and removes its folder; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * A throwaway Janus on 127.0.0.1 that loads nothing but the VideoRoom plugin and the HTTP transport: the
 * plugin/transport folders are temp folders holding links to just those two libraries, event handlers and
 * loggers get empty folders, and the admin API is off. Its RTP ports come from `rtpPortRange`.
 * `core` pins every Janus thread from exec on (taskset), so threads it starts later stay there too.
 */
export async function startJanus(options: { core: number; rtpPortRange: [number, number] }): Promise<JanusServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dualclass-janus-'));
  const logFile = path.join(dir, 'janus.log');
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    const proc = child;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const logTail = (lines = 30) => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no janus log)';
    }
  };

  try {
    const port = await freePort();
    await writeConfig(dir, port, options.rtpPortRange);
    const logFd = openSync(logFile, 'a');
    try {
      child = spawn(
        'taskset',
        ['-c', String(options.core), JANUS_BIN, '--config', path.join(dir, 'janus.jcfg'), '--configs-folder', dir, '--disable-colors'],
        { cwd: dir, stdio: ['ignore', logFd, logFd] },
      );
    } finally {
      closeSync(logFd);
    }
    const apiUrl = `http://127.0.0.1:${port}/janus`;
    await waitUntilServing(apiUrl, child);
    return { pid: child.pid!, apiUrl, logTail, stop };
  } catch (err) {
    const tail = logTail();
    await stop();
    throw new Error(`janus did not start: ${(err as Error).message}\n--- janus log (tail) ---\n${tail}`, { cause: err });
  }
}

async function writeConfig(dir: string, httpPort: number, [rtpMin, rtpMax]: [number, number]): Promise<void> {
  const folders = { plugins: 'libjanus_videoroom.so', transports: 'libjanus_http.so', events: null, loggers: null };
  for (const [folder, library] of Object.entries(folders)) {
    await mkdir(path.join(dir, folder));
    if (library) await symlink(path.join(JANUS_LIB_DIR, folder, library), path.join(dir, folder, library));
  }
  // Session timeouts off: the bench holds one session for the whole run and sends no keepalives.
  await writeFile(
    path.join(dir, 'janus.jcfg'),
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${dir}/plugins"
  transports_folder = "${dir}/transports"
  events_folder = "${dir}/events"
  loggers_folder = "${dir}/loggers"
  debug_level = 4
  session_timeout = 0
}
media: {
  rtp_port_range = "${rtpMin}-${rtpMax}"
}
nat: {
  ice_enforce_list = "lo"
}
events: {
  broadcast = false
}
`,
  );
  await writeFile(
    path.join(dir, 'janus.transport.http.jcfg'),
    `general: {
  json = "plain"
  base_path = "/janus"
  http = true
  port = ${httpPort}
  ip = "127.0.0.1"
  https = false
}
admin: {
  admin_http = false
  admin_https = false
}
`,
  );
  await writeFile(path.join(dir, 'janus.plugin.videoroom.jcfg'), 'general: {\n  events = false\n}\n');
}

async function waitUntilServing(apiUrl: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`janus exited (${child.exitCode ?? child.signalCode}) before serving HTTP`);
    }
    try {
      const res = await fetch(`${apiUrl}/info`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`janus HTTP API not up within ${READY_TIMEOUT_MS} ms`);
}
