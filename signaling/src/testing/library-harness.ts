import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startService, type ServiceProcess } from '../../../infra/src/service-process.ts';
import { startSfuProcess as startStackSfu } from '../../../infra/src/stack.ts';
import { loadSignalingConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import { startSignaling, type SignalingServer } from '../server.ts';
import { listFiles } from '../../../recorder/src/testing/files.ts';

/** A real sfu-server process (signaling connects to one at start), as startStack runs it. */
export const startSfuProcess = () => startStackSfu({ workers: 1 });

export interface LibraryTestServer {
  server: SignalingServer;
  url: string;
  adminApiKey: string;
  jwtSecret: string;
  storageDir: string;
  /** Every file under the storage directory, relative to it (temp files and sidecars included). */
  storedFiles(under?: string): Promise<string[]>;
  stop(): Promise<void>;
}


/** An in-process signaling server on port 0 with the given database and a fresh storage directory. */
export async function startLibraryServer(
  sfu: { url: string; secret: string },
  database: Database,
  env: Record<string, string> = {},
): Promise<LibraryTestServer> {
  const storageDir = await mkdtemp(path.join(tmpdir(), 'dualclass-library-'));
  const jwtSecret = randomBytes(32).toString('base64url');
  const adminApiKey = randomBytes(24).toString('base64url');
  const config = loadSignalingConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    SFU_URL: sfu.url,
    SFU_RPC_SECRET: sfu.secret,
    JWT_SECRET: jwtSecret,
    ADMIN_API_KEY: adminApiKey,
    STORAGE_DIR: storageDir,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const server = await startSignaling(config, { database, log: pino({ level: 'silent' }) });
  return {
    server,
    url: server.url,
    adminApiKey,
    jwtSecret,
    storageDir,
    storedFiles: (under = '') => listFiles(path.join(storageDir, under)),
    async stop() {
      await server.close();
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}
