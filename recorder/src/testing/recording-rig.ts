import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { recorderService, type IngestInfo, type RecordingManifest } from '@dualclass/protocol';
import { RpcClient } from '@dualclass/protocol/rpc-client';
import { loadSfuConfig, startSfuServer, type SfuServer } from '@dualclass/sfu-server';
import { SfuClient } from '@dualclass/sfu-server/client';
import { startStudioFeed } from '../../../infra/src/studio-feed.ts';
import { loadRecorderConfig, startRecorder, type Recorder, type RecorderConfig } from '../index.ts';

export type RecorderClient = RpcClient<typeof recorderService.methods, typeof recorderService.notifications>;

/**
 * A real SFU, a real recorder and synthetic studio feeds (ffmpeg → plain RTP ingest), wired the way signaling
 * wires them, for tests and benchmarks of the recording path.
 */
/** A further SFU node of the rig's cluster, reached at `url`. */
export interface RigSfuNode {
  url: string;
  server: SfuServer;
  client: SfuClient;
}

export class RecordingRig {
  feeds: ChildProcess[] = [];
  readonly #extraNodes: RigSfuNode[] = [];
  private constructor(
    readonly dir: string,
    readonly sfuServer: SfuServer,
    readonly sfu: SfuClient,
    private readonly config: RecorderConfig,
    public recorder: Recorder,
    public client: RecorderClient,
  ) {}

  static async start(options: { segmentSeconds?: number } = {}): Promise<RecordingRig> {
    const dir = await mkdtemp(path.join(tmpdir(), 'dualclass-rec-'));
    const secret = randomBytes(24).toString('base64url');
    const sfuServer = await startRigSfu(secret);
    const sfuUrl = `http://127.0.0.1:${sfuServer.port}`;
    const config = loadRecorderConfig({
      RECORDER_RPC_PORT: '0',
      RECORDER_RPC_SECRET: secret,
      SFU_URL: sfuUrl,
      SFU_RPC_SECRET: secret,
      RECORDER_WORK_DIR: path.join(dir, 'work'),
      STORAGE_DIR: path.join(dir, 'files'),
      RECORDER_SEGMENT_SECONDS: String(options.segmentSeconds ?? 2),
      LOG_LEVEL: process.env.RECORDER_TEST_LOG ?? 'silent',
    });
    const recorder = await startRecorder(config);
    const sfu = await SfuClient.connect(sfuUrl, secret, { timeoutMs: 5_000 });
    return new RecordingRig(dir, sfuServer, sfu, config, recorder, await RecordingRig.#connect(config, recorder));
  }

  static #connect(config: RecorderConfig, recorder: Recorder): Promise<RecorderClient> {
    return RpcClient.connect(recorderService, `http://127.0.0.1:${recorder.port}`, config.rpcSecret, { timeoutMs: 5_000 });
  }

  /** The recorder shut down (as on SIGTERM) and a new one started on the same work folder; `client` talks to it. */
  async restartRecorder(): Promise<void> {
    this.client.close();
    await this.recorder.close();
    this.recorder = await startRecorder(this.config);
    this.client = await RecordingRig.#connect(this.config, this.recorder);
  }

  /** Another SFU node with the same secret, as in a cluster (not the recorder's SFU_URL); stopped with the rig. */
  async addSfuNode(): Promise<RigSfuNode> {
    const server = await startRigSfu(this.config.sfuRpcSecret);
    const url = `http://127.0.0.1:${server.port}`;
    const node = { url, server, client: await SfuClient.connect(url, this.config.sfuRpcSecret, { timeoutMs: 5_000 }) };
    this.#extraNodes.push(node);
    return node;
  }

  get workDir(): string {
    return path.join(this.dir, 'work');
  }

  get filesDir(): string {
    return path.join(this.dir, 'files');
  }

  /** A studio angle fed by ffmpeg's test pattern (and a tone when `audio`), published as one SFU participant. */
  async studioAngle(
    lessonId: string,
    participantId: string,
    options: { audio: boolean; pattern?: string; width?: number; height?: number; bitrateKbps?: number },
    sfu: SfuClient = this.sfu,
  ): Promise<IngestInfo> {
    await sfu.call('router.ensure', { lessonId });
    const { tracks } = await sfu.call('ingest.createPlainRtp', {
      lessonId,
      participantId,
      tracks: [
        { kind: 'video', mimeType: 'video/H264', payloadType: 101, ssrcs: [22222222] },
        ...(options.audio ? [{ kind: 'audio' as const, mimeType: 'audio/opus' as const, payloadType: 100, ssrcs: [11111111] }] : []),
      ],
    });
    const endpoint = (kind: 'audio' | 'video') => {
      const t = tracks.find((track) => track.kind === kind);
      return t && { ip: t.ip, port: t.port, producerId: t.producerId };
    };
    const info: IngestInfo = { participantId, video: endpoint('video')!, audio: endpoint('audio') };
    const { width = 640, height = 360, bitrateKbps = 600, pattern } = options;
    this.feeds.push(startStudioFeed(info, { width, height, bitrateKbps, pattern }));
    return info;
  }

  /** Ends the lesson now (`recording.finish`) and waits for its published manifest; `status` is the finish answer. */
  async finish(lessonId: string) {
    const endedAt = new Date();
    const published = this.published(lessonId, 30_000);
    const status = await this.client.call('recording.finish', { lessonId, endedAt: endedAt.toISOString() });
    return { endedAt, status, manifest: await published };
  }

  published(lessonId: string, timeoutMs: number): Promise<RecordingManifest> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no recording.published within ${timeoutMs} ms`)), timeoutMs);
      const offOk = this.client.on('recording.published', (data) => data.lessonId === lessonId && done(undefined, data.manifest));
      const offFail = this.client.on('recording.failed', (data) => data.lessonId === lessonId && done(new Error(`recording failed: ${data.reason}`)));
      function done(err: Error | undefined, manifest?: RecordingManifest) {
        clearTimeout(timer);
        offOk();
        offFail();
        if (err) reject(err);
        else resolve(manifest!);
      }
    });
  }

  async stop(): Promise<void> {
    for (const feed of this.feeds) feed.kill('SIGKILL');
    this.client.close();
    this.sfu.close();
    await this.recorder.close();
    await this.sfuServer.close();
    for (const node of this.#extraNodes) {
      node.client.close();
      await node.server.close();
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

function startRigSfu(secret: string): Promise<SfuServer> {
  return startSfuServer(loadSfuConfig({ SFU_RPC_PORT: '0', SFU_RPC_SECRET: secret, SFU_WORKERS: '1', LOG_LEVEL: 'silent' }));
}
