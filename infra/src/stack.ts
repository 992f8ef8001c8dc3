import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminClient } from './admin-client.ts';
import { startService, type ServiceProcess } from './service-process.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface StackOptions {
  /** Signaling HTTP port; 0 picks a free one (tests). */
  port?: number;
  sfuRpcPort?: number;
  host?: string;
  sfuWorkers?: number;
  /** How many sfu-server processes (default 1); with more, signaling spreads media over them (SFU_URLS). */
  sfuNodes?: number;
  /**
   * How many signaling processes (default 1), started one after another against the same SFU nodes, recorder and
   * join-token secret. More than one needs a shared DATABASE_URL in `env` (the embedded database belongs to one
   * process) and normally REDIS_URL, so sockets on different nodes see each other's broadcasts.
   */
  signalingNodes?: number;
  logLevel?: string;
  /** Serve the built browser client from classroom-client/dist. */
  serveClient?: boolean;
  echoLogs?: boolean;
  /** Run the recorder too (default true): lessons are recorded into the library. */
  recorder?: boolean;
  /**
   * Where the embedded database, library files and raw recording segments live. Default: a fresh temporary
   * folder removed on stop (tests); `npm start` passes ./data.
   */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
}

export interface Stack {
  url: string;
  adminApiKey: string;
  admin: AdminClient;
  /** The first SFU node (the only one unless `sfuNodes` > 1). */
  sfu: ServiceProcess;
  sfuNodes: ServiceProcess[];
  /** Each SFU node's RPC URL, in `sfuNodes` order (the recorder's SFU_URL is the first). */
  sfuUrls: string[];
  recorder: ServiceProcess | undefined;
  /** The first signaling node, the one `url` and `admin` talk to. */
  signaling: ServiceProcess;
  /** Every signaling node, the first one included. */
  signalingNodes: { url: string; admin: AdminClient; process: ServiceProcess }[];
  dataDir: string;
  stop(): Promise<void>;
}

const portFrom = (msg: string) => (line: Record<string, unknown>) =>
  line.msg === msg && typeof line.port === 'number' ? line.port : undefined;

/**
 * One sfu-server process, resolved once it logs its RPC port (internal RPC on loopback, whatever address
 * serves media); killed if it never gets there. startStack and the library tests both start it this way.
 */
export async function startSfuProcess(
  options: { listenIp?: string; rpcPort?: number; workers?: number; logLevel?: string; env?: NodeJS.ProcessEnv; echo?: (line: string) => void } = {},
): Promise<{ url: string; secret: string; process: ServiceProcess }> {
  // Nodes of one cluster share the secret signaling uses for all of them.
  const secret = options.env?.SFU_RPC_SECRET || randomBytes(24).toString('base64url');
  const sfu = startService(
    'sfu-server',
    path.join(REPO_ROOT, 'sfu-server/src/main.ts'),
    {
      SFU_RPC_PORT: String(options.rpcPort ?? 0),
      SFU_RPC_SECRET: secret,
      SFU_LISTEN_IP: options.listenIp ?? '127.0.0.1',
      ...(options.workers ? { SFU_WORKERS: String(options.workers) } : {}),
      // Readiness is read from the info-level "listening" line.
      LOG_LEVEL: options.logLevel ?? 'info',
      ...options.env,
    },
    { echo: options.echo },
  );
  try {
    const port = await sfu.waitForLog(portFrom('sfu-server listening'));
    return { url: `http://127.0.0.1:${port}`, secret, process: sfu };
  } catch (err) {
    await sfu.stop('SIGKILL');
    throw err;
  }
}

/**
 * Starts sfu-server and signaling as separate processes with embedded defaults, exactly as
 * `npm start` does, so tests exercise the production wiring.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const signalingCount = options.signalingNodes ?? 1;
  if (signalingCount > 1 && !options.env?.DATABASE_URL) throw new Error('several signaling nodes need a shared DATABASE_URL in env');
  const host = options.host ?? '127.0.0.1';
  const adminApiKey = options.env?.ADMIN_API_KEY ?? randomBytes(24).toString('base64url');
  // Readiness is read from the services' info-level "listening" lines.
  const logLevel = options.logLevel ?? 'info';
  const echo = options.echoLogs ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'dualclass-stack-')));
  const ownsDataDir = options.dataDir === undefined;
  const recorderRpcSecret = randomBytes(24).toString('base64url');
  const storage = { STORAGE_DIR: path.join(dataDir, 'files') };
  // One secret for every signaling node, so a join token issued by one is accepted by all.
  const jwtSecret = options.env?.JWT_SECRET ?? randomBytes(32).toString('base64url');

  const dataDirCleanup = async () => {
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
  };
  const sfuRpcSecret = options.env?.SFU_RPC_SECRET || randomBytes(24).toString('base64url');
  const sfuEnv = { ...options.env, SFU_RPC_SECRET: sfuRpcSecret };
  const nodes = await Promise.allSettled(
    Array.from({ length: options.sfuNodes ?? 1 }, (_, i) =>
      startSfuProcess({ listenIp: host, rpcPort: i === 0 ? options.sfuRpcPort : 0, workers: options.sfuWorkers, logLevel, env: sfuEnv, echo }),
    ),
  );
  const sfuNodes = nodes.flatMap((n) => (n.status === 'fulfilled' ? [n.value] : []));
  const failedNode = nodes.find((n) => n.status === 'rejected');
  if (failedNode) {
    await Promise.all(sfuNodes.map((n) => n.process.stop('SIGKILL')));
    await dataDirCleanup();
    throw failedNode.reason;
  }
  const sfu = sfuNodes[0]!.process;
  const sfuUrl = sfuNodes[0]!.url;
  const stopSfus = (signal?: NodeJS.Signals) => Promise.all(sfuNodes.map((n) => n.process.stop(signal)));
  const signalingNodes: Stack['signalingNodes'] = [];
  const signalingProcesses: ServiceProcess[] = [];
  const stopSignaling = (signal?: NodeJS.Signals) => Promise.all(signalingProcesses.map((p) => p.stop(signal)));
  let recorder: ServiceProcess | undefined;
  try {
    let recorderUrl: string | undefined;
    if (options.recorder ?? true) {
      recorder = startService(
        'recorder',
        path.join(REPO_ROOT, 'recorder/src/main.ts'),
        {
          RECORDER_RPC_PORT: '0',
          RECORDER_RPC_SECRET: recorderRpcSecret,
          SFU_URL: sfuUrl,
          SFU_RPC_SECRET: sfuRpcSecret,
          RECORDER_WORK_DIR: path.join(dataDir, 'recorder-work'),
          ...storage,
          LOG_LEVEL: logLevel,
          ...options.env,
        },
        { echo },
      );
      recorderUrl = `http://127.0.0.1:${await recorder.waitForLog(portFrom('recorder listening'))}`;
    }
    // One at a time: each node migrates the database when it starts.
    for (let i = 0; i < signalingCount; i++) {
      const signaling = startService(
        'signaling',
        path.join(REPO_ROOT, 'signaling/src/main.ts'),
        {
          PORT: String(i === 0 ? (options.port ?? 0) : 0),
          HOST: host,
          SFU_URL: sfuUrl,
          ...(sfuNodes.length > 1 ? { SFU_URLS: sfuNodes.map((n) => n.url).join(',') } : {}),
          SFU_RPC_SECRET: sfuRpcSecret,
          ...(recorderUrl ? { RECORDER_URL: recorderUrl, RECORDER_RPC_SECRET: recorderRpcSecret } : {}),
          DATA_DIR: dataDir,
          ...storage,
          ADMIN_API_KEY: adminApiKey,
          JWT_SECRET: jwtSecret,
          LOG_LEVEL: logLevel,
          ...(options.serveClient ? { CLIENT_DIST: path.join(REPO_ROOT, 'classroom-client/dist') } : {}),
          ...options.env,
        },
        { echo },
      );
      signalingProcesses.push(signaling);
      const url = `http://${host}:${await signaling.waitForLog(portFrom('signaling listening'))}`;
      signalingNodes.push({ url, admin: new AdminClient(url, adminApiKey), process: signaling });
    }
    const first = signalingNodes[0]!;
    return {
      url: first.url,
      adminApiKey,
      admin: first.admin,
      sfu,
      sfuNodes: sfuNodes.map((n) => n.process),
      sfuUrls: sfuNodes.map((n) => n.url),
      recorder,
      signaling: first.process,
      signalingNodes,
      dataDir,
      async stop() {
        await stopSignaling();
        await recorder?.stop();
        await stopSfus();
        await dataDirCleanup();
      },
    };
  } catch (err) {
    await stopSignaling('SIGKILL');
    await recorder?.stop('SIGKILL');
    await stopSfus('SIGKILL');
    await dataDirCleanup();
    throw err;
  }
}
