import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClassroomError,
  type RtpCapabilitiesWire,
  type SfuNotification,
  type SfuNotificationName,
  type SfuRpcMethod,
} from '@dualclass/protocol';
import { SfuClient } from './client.ts';
import { loadSfuConfig } from './config.ts';
import { startSfuServer, type SfuServer } from './index.ts';
import { until } from './testing/until.ts';

/*
 * Real mediasoup workers, real socket.io RPC, real UDP on loopback: the path signaling uses in production.
 */

const SECRET = randomBytes(24).toString('base64url');
const HERE = path.dirname(fileURLToPath(import.meta.url));

let server: SfuServer;
let client: SfuClient;
let url: string;

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (err: unknown) => (err instanceof ClassroomError ? err.code : `not a ClassroomError: ${String(err)}`),
  );

function nextNotification<N extends SfuNotificationName>(
  name: N,
  match: (data: SfuNotification<N>) => boolean,
  timeoutMs = 5_000,
): Promise<SfuNotification<N>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${name} notification within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = client.on(name, (data) => {
      if (!match(data)) return;
      clearTimeout(timer);
      off();
      resolve(data);
    });
  });
}

beforeAll(async () => {
  const config = loadSfuConfig({ SFU_RPC_PORT: '0', SFU_RPC_SECRET: SECRET, SFU_WORKERS: '2', LOG_LEVEL: 'silent' });
  server = await startSfuServer(config);
  url = `http://127.0.0.1:${server.port}`;
  client = await SfuClient.connect(url, SECRET, { timeoutMs: 5_000 });
});

afterAll(async () => {
  client?.close();
  await server?.close();
});

describe('sfu-server rpc', () => {
  let rtpCapabilities: RtpCapabilitiesWire;

  it('rejects a wrong secret at the handshake', async () => {
    expect(await codeOf(SfuClient.connect(url, 'not-the-secret-at-all', { timeoutMs: 3_000 }))).toBe('UNAUTHENTICATED');
    expect(client.connected).toBe(true);
  });

  it('router.ensure returns capabilities with VP8, H264 and Opus, idempotently', async () => {
    const [first, again] = await Promise.all([
      client.call('router.ensure', { lessonId: 'lesson-a' }),
      client.call('router.ensure', { lessonId: 'lesson-a' }),
    ]);
    const mimeTypes = first.rtpCapabilities.codecs?.map((c) => c.mimeType) ?? [];
    expect(mimeTypes).toEqual(expect.arrayContaining(['video/VP8', 'video/H264', 'audio/opus']));
    expect(again).toEqual(first);
    const { workers } = await client.call('worker.list', {});
    expect(workers.reduce((n, w) => n + w.routers, 0)).toBe(1);
    rtpCapabilities = first.rtpCapabilities;
  });

  it('creates WebRTC transports with UDP and TCP candidates on the listen ip', async () => {
    const send = await client.call('transport.createWebRtc', { lessonId: 'lesson-a', participantId: 'alice', direction: 'send' });
    const recv = await client.call('transport.createWebRtc', { lessonId: 'lesson-a', participantId: 'bob', direction: 'recv' });
    for (const t of [send, recv]) {
      expect(t.iceCandidates.map((c) => c.protocol).sort()).toEqual(['tcp', 'udp']);
      expect(t.iceCandidates.every((c) => c.ip === '127.0.0.1')).toBe(true);
      expect(t.dtlsParameters.fingerprints.length).toBeGreaterThan(0);
    }
    expect(send.id).not.toBe(recv.id);
  });

  it('answers unknown methods and malformed params with BAD_REQUEST', async () => {
    expect(await codeOf(client.call('router.explode' as SfuRpcMethod, {} as never))).toBe('BAD_REQUEST');
    expect(await codeOf(client.call('constructor' as SfuRpcMethod, {} as never))).toBe('BAD_REQUEST');
    const bad = client.call('transport.createWebRtc', { lessonId: 'lesson-a', participantId: 'alice', direction: 'sideways' } as never);
    await expect(bad).rejects.toMatchObject({ code: 'BAD_REQUEST', issues: [{ path: 'direction' }] });
    expect(await codeOf(client.call('router.ensure', { lessonId: '../etc/passwd' }))).toBe('BAD_REQUEST');
  });

  it("hides one participant's and one lesson's objects from another (NOT_FOUND)", async () => {
    const aliceSend = await client.call('transport.createWebRtc', { lessonId: 'lesson-a', participantId: 'alice', direction: 'send' });
    const dtlsParameters = { role: 'client' as const, fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD' }] };
    // bob has media in lesson-a, but not this transport
    expect(
      await codeOf(client.call('transport.connect', { lessonId: 'lesson-a', participantId: 'bob', transportId: aliceSend.id, dtlsParameters })),
    ).toBe('NOT_FOUND');
    // mallory has no media at all; lesson-b has no room yet, then has one without alice's transport
    expect(
      await codeOf(client.call('transport.connect', { lessonId: 'lesson-a', participantId: 'mallory', transportId: aliceSend.id, dtlsParameters })),
    ).toBe('NOT_FOUND');
    expect(
      await codeOf(client.call('transport.connect', { lessonId: 'lesson-b', participantId: 'alice', transportId: aliceSend.id, dtlsParameters })),
    ).toBe('NOT_FOUND');
    await client.call('router.ensure', { lessonId: 'lesson-b' });
    await client.call('transport.createWebRtc', { lessonId: 'lesson-b', participantId: 'alice', direction: 'send' });
    expect(
      await codeOf(client.call('transport.connect', { lessonId: 'lesson-b', participantId: 'alice', transportId: aliceSend.id, dtlsParameters })),
    ).toBe('NOT_FOUND');
    expect(await codeOf(client.call('producer.close', { lessonId: 'lesson-a', participantId: 'alice', producerId: 'nope' }))).toBe('NOT_FOUND');
    // participant.close is idempotent: signaling releases media on every leave
    await client.call('participant.close', { lessonId: 'lesson-a', participantId: 'never-had-media' });
  });

  it('ingests plain RTP from ffmpeg into a producer, and consumes it paused on another participant', async () => {
    await client.call('router.ensure', { lessonId: 'lesson-c' });
    const { tracks } = await client.call('ingest.createPlainRtp', {
      lessonId: 'lesson-c',
      participantId: 'studio',
      tracks: [
        { kind: 'video', mimeType: 'video/VP8', payloadType: 101, ssrcs: [11_111] },
        { kind: 'audio', mimeType: 'audio/opus', payloadType: 100, ssrcs: [22_222] },
      ],
    });
    expect(tracks.map((t) => t.kind)).toEqual(['video', 'audio']);
    const video = tracks[0]!;
    expect(video.ip).toBe('127.0.0.1');

    const ffmpeg = spawn(
      '/usr/bin/ffmpeg',
      [
        ...['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=30'],
        ...['-c:v', 'libvpx', '-deadline', 'realtime', '-b:v', '800k', '-an'],
        ...['-f', 'rtp', '-ssrc', '11111', '-payload_type', '101', `rtp://127.0.0.1:${video.port}?pkt_size=1200`],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let ffmpegErrors = '';
    ffmpeg.stderr?.on('data', (chunk: Buffer) => (ffmpegErrors += chunk.toString()));
    try {
      const producer = server.media.peer('lesson-c', 'studio').producer(video.producerId);
      const bytes = await until(
        async () => {
          const stats = await producer.getStats();
          const count = stats.reduce((n, s) => n + s.byteCount, 0);
          return count > 0 ? count : undefined;
        },
        5_000,
        `ffmpeg RTP at the producer (ffmpeg said: ${ffmpegErrors})`,
      );
      expect(bytes).toBeGreaterThan(0);
    } finally {
      ffmpeg.kill('SIGKILL');
    }

    await client.call('transport.createWebRtc', { lessonId: 'lesson-c', participantId: 'viewer', direction: 'send' });
    const recv = await client.call('transport.createWebRtc', { lessonId: 'lesson-c', participantId: 'viewer', direction: 'recv' });
    const owner = { lessonId: 'lesson-c', participantId: 'viewer' };
    const consume = { ...owner, transportId: recv.id, producerId: video.producerId };

    // capabilities without VP8 cannot receive the producer
    const audioOnly = { ...rtpCapabilities, codecs: rtpCapabilities.codecs?.filter((c) => c.kind === 'audio') };
    expect(await codeOf(client.call('consumer.create', { ...consume, rtpCapabilities: audioOnly }))).toBe('BAD_REQUEST');
    // a producer of another lesson is invisible
    const elsewhere = { lessonId: 'lesson-a', participantId: 'bob' };
    const bobRecv = await client.call('transport.createWebRtc', { ...elsewhere, direction: 'recv' });
    expect(
      await codeOf(client.call('consumer.create', { ...elsewhere, transportId: bobRecv.id, producerId: video.producerId, rtpCapabilities })),
    ).toBe('NOT_FOUND');

    const consumer = await client.call('consumer.create', { ...consume, rtpCapabilities });
    expect(consumer).toMatchObject({ producerId: video.producerId, kind: 'video', type: 'simple', producerPaused: false });
    expect(consumer.rtpParameters.codecs[0]?.mimeType).toBe('video/VP8');
    const viewer = server.media.peer('lesson-c', 'viewer');
    expect(viewer.consumer(consumer.consumerId).paused).toBe(true);
    await client.call('consumer.resume', { ...owner, consumerId: consumer.consumerId });
    expect(viewer.consumer(consumer.consumerId).paused).toBe(false);
    await client.call('consumer.setPreferredLayers', { ...owner, consumerId: consumer.consumerId, spatialLayer: 0 });
    // the studio cannot resume the viewer's consumer
    expect(await codeOf(client.call('consumer.resume', { lessonId: 'lesson-c', participantId: 'studio', consumerId: consumer.consumerId }))).toBe(
      'NOT_FOUND',
    );

    // The studio leaving closes its producers; the SFU tells signaling about both ends.
    const consumerClosed = nextNotification('consumer.closed', (d) => d.consumerId === consumer.consumerId);
    const producerClosed = nextNotification('producer.closed', (d) => d.producerId === video.producerId);
    await client.call('participant.close', { lessonId: 'lesson-c', participantId: 'studio' });
    expect(await producerClosed).toMatchObject({ lessonId: 'lesson-c', participantId: 'studio', reason: 'participant closed' });
    expect(await consumerClosed).toMatchObject({ lessonId: 'lesson-c', participantId: 'viewer', reason: 'producer closed' });
    expect(await codeOf(client.call('consumer.resume', { ...owner, consumerId: consumer.consumerId }))).toBe('NOT_FOUND');
  });

  it('replaces a killed worker and reports its lessons closed', async () => {
    for (const lessonId of ['lesson-a', 'lesson-b', 'lesson-c']) await client.call('router.close', { lessonId });
    await client.call('router.ensure', { lessonId: 'lesson-d' });
    await client.call('transport.createWebRtc', { lessonId: 'lesson-d', participantId: 'carol', direction: 'recv' });
    const before = (await client.call('worker.list', {})).workers;
    expect(before).toHaveLength(2);
    const victim = before.find((w) => w.routers === 1);
    expect(victim).toBeDefined();

    const closed = nextNotification('router.closed', (d) => d.lessonId === 'lesson-d');
    process.kill(victim!.pid, 'SIGKILL');
    expect(await closed).toMatchObject({ lessonId: 'lesson-d' });
    expect(await codeOf(client.call('transport.createWebRtc', { lessonId: 'lesson-d', participantId: 'carol', direction: 'recv' }))).toBe(
      'NOT_FOUND',
    );

    const after = await until(
      async () => {
        const { workers } = await client.call('worker.list', {});
        return workers.length === 2 ? workers : undefined;
      },
      5_000,
      'the replacement worker',
    );
    expect(after.map((w) => w.pid)).not.toContain(victim!.pid);
    expect(after.map((w) => w.restarts).sort()).toEqual([0, 1]);
    const ensured = await client.call('router.ensure', { lessonId: 'lesson-d' });
    expect(ensured.rtpCapabilities.codecs?.length).toBeGreaterThan(0);
  });

  it('fails calls with UNAVAILABLE once the connection is gone', async () => {
    const other = await SfuClient.connect(url, SECRET, { timeoutMs: 2_000 });
    other.close();
    expect(other.connected).toBe(false);
    expect(await codeOf(other.call('worker.list', {}))).toBe('UNAVAILABLE');
  });
});

describe('SfuClient against a server that never answers', () => {
  it('fails the call with TIMEOUT', async () => {
    const silent = new Server({ path: '/sfu-rpc', transports: ['websocket'] });
    silent.listen(0);
    try {
      const { port } = silent.httpServer.address() as { port: number };
      const stalled = await SfuClient.connect(`http://127.0.0.1:${port}`, SECRET, { timeoutMs: 2_000 });
      expect(await codeOf(stalled.call('worker.list', {}, { timeoutMs: 200 }))).toBe('TIMEOUT');
      stalled.close();
    } finally {
      await silent.close();
    }
  });
});

describe('sfu-server process', () => {
  let child: ChildProcess | undefined;

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('logs its port as JSON and exits 0 on SIGTERM', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'main.ts')], {
      env: { ...process.env, SFU_RPC_PORT: '0', SFU_RPC_SECRET: SECRET, SFU_WORKERS: '1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const proc = child;
    const port = await new Promise<number>((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        const parsed = JSON.parse(line) as { msg?: string; port?: number };
        if (parsed.msg === 'sfu-server listening' && typeof parsed.port === 'number') resolve(parsed.port);
      });
    });
    const remote = await SfuClient.connect(`http://127.0.0.1:${port}`, SECRET, { timeoutMs: 5_000 });
    expect((await remote.call('worker.list', {})).workers).toHaveLength(1);
    remote.close();
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
