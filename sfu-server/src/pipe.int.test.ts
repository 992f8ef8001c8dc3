import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClassroomError } from '@dualclass/protocol';
import { SfuClient } from './client.ts';
import { loadSfuConfig } from './config.ts';
import { startSfuServer, type SfuServer } from './index.ts';
import { until } from './testing/until.ts';
import { rtpSink, vp8Feed } from './testing/vp8-rtp.ts';

/*
 * Two SFU nodes (each its own workers and RPC server) cascaded through an SRTP pipe link: a VP8 feed from ffmpeg
 * enters node A, is sent over the link, and a viewer on node B receives it, keyframes included.
 */

const SECRET = randomBytes(24).toString('base64url');
const LESSON = 'lesson-cascade';
let nodeA: SfuServer;
let nodeB: SfuServer;
let a: SfuClient;
let b: SfuClient;

async function node(): Promise<{ server: SfuServer; client: SfuClient }> {
  const server = await startSfuServer(loadSfuConfig({ SFU_RPC_PORT: '0', SFU_RPC_SECRET: SECRET, SFU_WORKERS: '1', LOG_LEVEL: 'silent' }));
  const client = await SfuClient.connect(`http://127.0.0.1:${server.port}`, SECRET, { timeoutMs: 5_000 });
  return { server, client };
}

beforeAll(async () => {
  ({ server: nodeA, client: a } = await node());
  ({ server: nodeB, client: b } = await node());
});

afterAll(async () => {
  a?.close();
  b?.close();
  await nodeA?.close();
  await nodeB?.close();
});

describe('cascade between two SFU nodes', () => {
  it('sends a producer of node A over an SRTP pipe link to a viewer on node B, and its pause and close follow', async () => {
    const { rtpCapabilities } = await b.call('router.ensure', { lessonId: LESSON });
    await a.call('router.ensure', { lessonId: LESSON });
    const { tracks } = await a.call('ingest.createPlainRtp', {
      lessonId: LESSON,
      participantId: 'studio',
      tracks: [{ kind: 'video', mimeType: 'video/VP8', payloadType: 101, ssrcs: [31_337] }],
    });
    const video = tracks[0]!;
    const sink = await rtpSink();
    const ffmpeg = vp8Feed(video.port, 31_337, 101);
    try {
      // Both ends of the link, each connected to the other.
      const linkId = 'node-a.node-b';
      const [endA, endB] = await Promise.all([a.call('pipe.open', { lessonId: LESSON, linkId }), b.call('pipe.open', { lessonId: LESSON, linkId })]);
      expect(endA.srtpParameters.cryptoSuite).toMatch(/AES|AEAD/);
      await Promise.all([
        a.call('pipe.connect', { lessonId: LESSON, linkId, remote: endB }),
        b.call('pipe.connect', { lessonId: LESSON, linkId, remote: endA }),
      ]);
      const sent = await a.call('pipe.send', { lessonId: LESSON, linkId, producerId: video.producerId });
      expect(sent.kind).toBe('video');
      await b.call('pipe.receive', { lessonId: LESSON, linkId, producerId: video.producerId, ...sent });
      // Idempotent on both sides.
      expect(await a.call('pipe.send', { lessonId: LESSON, linkId, producerId: video.producerId })).toEqual(sent);
      await b.call('pipe.receive', { lessonId: LESSON, linkId, producerId: video.producerId, ...sent });

      // A viewer on node B: a plain RTP tap into this test's socket.
      const port = sink.port;
      const viewer = { lessonId: LESSON, participantId: 'viewer-b' };
      const { transportId } = await b.call('transport.createPlainRecv', { ...viewer, remote: { ip: '127.0.0.1', rtpPort: port, rtcpPort: port + 1 } });
      const consumer = await b.call('consumer.create', { ...viewer, transportId, producerId: video.producerId, rtpCapabilities });
      expect(consumer.producerId).toBe(video.producerId);
      await b.call('consumer.resume', { ...viewer, consumerId: consumer.consumerId });
      await b.call('consumer.requestKeyFrame', { ...viewer, consumerId: consumer.consumerId });
      const pt = consumer.rtpParameters.codecs[0]!.payloadType;
      await until(() => ((sink.packets.get(pt) ?? 0) > 200 && sink.keyframes() > 0 ? true : undefined), 10_000, 'VP8 with a keyframe at the viewer on node B');
      console.log('through the cascade:', JSON.stringify({ packets: sink.packets.get(pt), keyframes: sink.keyframes() }));

      // A producer id node A does not have cannot be sent; an unknown link is NOT_FOUND.
      const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof ClassroomError ? e.code : String(e)));
      expect(await code(a.call('pipe.send', { lessonId: LESSON, linkId, producerId: 'no-such-producer' }))).toBe('NOT_FOUND');
      expect(await code(a.call('pipe.send', { lessonId: LESSON, linkId: 'nowhere', producerId: video.producerId }))).toBe('NOT_FOUND');

      // The origin's pause is mirrored on the received copy, so B's viewers see producerPaused.
      await b.call('pipe.setReceivedPaused', { lessonId: LESSON, producerId: video.producerId, paused: true });
      expect(nodeB.media.peer(LESSON, 'viewer-b').consumer(consumer.consumerId).producerPaused).toBe(true);
      await b.call('pipe.setReceivedPaused', { lessonId: LESSON, producerId: video.producerId, paused: false });

      // The origin closed it: closing the received copy closes B's consumer, and B says so.
      const closed = new Promise<string>((resolve) => {
        const off = b.on('consumer.closed', (n) => {
          if (n.consumerId !== consumer.consumerId) return;
          off();
          resolve(n.reason);
        });
      });
      await b.call('pipe.closeReceived', { lessonId: LESSON, producerId: video.producerId });
      expect(await closed).toBe('producer closed');
    } finally {
      ffmpeg.kill('SIGKILL');
      sink.close();
    }
  });
});
