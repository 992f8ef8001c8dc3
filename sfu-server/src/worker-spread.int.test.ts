import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SfuClient } from './client.ts';
import { loadSfuConfig } from './config.ts';
import { startSfuServer, type SfuServer } from './index.ts';
import { until } from './testing/until.ts';
import { rtpSink, vp8Feed, type RtpSink } from './testing/vp8-rtp.ts';

/*
 * One lesson bigger than a worker: each participant's media goes to the worker carrying the fewest participants,
 * so a lesson's viewers spread over every worker of the node, and a producer reaches viewers on other workers
 * through mediasoup's pipeToRouter.
 */

const SECRET = randomBytes(24).toString('base64url');
const LESSON = 'lesson-spread';
let server: SfuServer;
let client: SfuClient;

beforeAll(async () => {
  server = await startSfuServer(loadSfuConfig({ SFU_RPC_PORT: '0', SFU_RPC_SECRET: SECRET, SFU_WORKERS: '2', LOG_LEVEL: 'silent' }));
  client = await SfuClient.connect(`http://127.0.0.1:${server.port}`, SECRET, { timeoutMs: 5_000 });
});

afterAll(async () => {
  client?.close();
  await server?.close();
});

describe('one lesson over several workers', () => {
  it('places viewers on both workers and feeds every one of them the studio camera', async () => {
    const { rtpCapabilities } = await client.call('router.ensure', { lessonId: LESSON });
    const { tracks } = await client.call('ingest.createPlainRtp', {
      lessonId: LESSON,
      participantId: 'studio',
      tracks: [{ kind: 'video', mimeType: 'video/VP8', payloadType: 101, ssrcs: [4_242] }],
    });
    const video = tracks[0]!;
    const ffmpeg = vp8Feed(video.port, 4_242, 101);
    const sinks: RtpSink[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const sink = await rtpSink();
        sinks.push(sink);
        const viewer = { lessonId: LESSON, participantId: `viewer-${i}` };
        const { transportId } = await client.call('transport.createPlainRecv', { ...viewer, remote: { ip: '127.0.0.1', rtpPort: sink.port, rtcpPort: sink.port + 1 } });
        const consumer = await client.call('consumer.create', { ...viewer, transportId, producerId: video.producerId, rtpCapabilities });
        await client.call('consumer.resume', { ...viewer, consumerId: consumer.consumerId });
        await client.call('consumer.requestKeyFrame', { ...viewer, consumerId: consumer.consumerId });
      }
      // The lesson has a router on each worker, and the participants are split between them.
      const { workers } = await client.call('worker.list', {});
      expect(workers.map((w) => w.routers)).toEqual([1, 1]);
      for (const [i, sink] of sinks.entries()) {
        await until(() => ([...sink.packets.values()].reduce((a, b) => a + b, 0) > 100 && sink.keyframes() > 0 ? true : undefined), 10_000, `viewer ${i} media`);
      }
      console.log('viewers over two workers:', JSON.stringify(sinks.map((s) => ({ packets: [...s.packets.values()].reduce((a, b) => a + b, 0), keyframes: s.keyframes() }))));
    } finally {
      ffmpeg.kill('SIGKILL');
      for (const sink of sinks) sink.close();
    }
  });
});
