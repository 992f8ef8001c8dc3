import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClassroomError } from '@dualclass/protocol';
import { SfuClient } from './client.ts';
import { loadSfuConfig } from './config.ts';
import { startSfuServer, type SfuServer } from './index.ts';

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

/** RTP arriving at a UDP socket: packet count per payload type, and whether a VP8 keyframe start was seen. */
function rtpSink(): { socket: Socket; packets: Map<number, number>; keyframes: () => number } {
  const socket = createSocket('udp4');
  const packets = new Map<number, number>();
  let keyframes = 0;
  socket.on('message', (msg) => {
    if (msg.length < 13 || msg[0]! >> 6 !== 2) return;
    const pt = msg[1]! & 0x7f;
    if (pt >= 72 && pt <= 79) return; // RTCP on the same port
    packets.set(pt, (packets.get(pt) ?? 0) + 1);
    // RFC 7741: skip the RTP header (CSRCs, extension), then the VP8 payload descriptor; a partition start whose
    // payload header has P = 0 is a keyframe.
    let off = 12 + (msg[0]! & 0x0f) * 4;
    if (msg[0]! & 0x10) off += 4 + msg.readUInt16BE(off + 2) * 4;
    const d = msg[off]!;
    const start = (d & 0x10) !== 0 && (d & 0x0f) === 0;
    off += 1;
    if (d & 0x80) {
      const x = msg[off]!;
      off += 1;
      if (x & 0x80) off += msg[off]! & 0x80 ? 2 : 1;
      if (x & 0x40) off += 1;
      if (x & 0x30) off += 1;
    }
    if (start && off < msg.length && (msg[off]! & 0x01) === 0) keyframes += 1;
  });
  return { socket, packets, keyframes: () => keyframes };
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('cascade between two SFU nodes', () => {
  it('sends a producer of node A over an SRTP pipe link to a viewer on node B, and its pause and close follow', async () => {
    const { rtpCapabilities } = await b.call('router.ensure', { lessonId: LESSON });
    await a.call('router.ensure', { lessonId: LESSON });
    const { tracks } = await a.call('ingest.createPlainRtp', {
      lessonId: LESSON,
      participantId: 'studio',
      tracks: [{ kind: 'video', mimeType: 'video/VP8', payloadType: 101, ssrc: 31_337 }],
    });
    const video = tracks[0]!;
    const ffmpeg = spawn(
      '/usr/bin/ffmpeg',
      [
        ...['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=30'],
        ...['-c:v', 'libvpx', '-deadline', 'realtime', '-b:v', '600k', '-g', '30', '-an'],
        ...['-f', 'rtp', '-ssrc', '31337', '-payload_type', '101', `rtp://127.0.0.1:${video.port}?pkt_size=1200`],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const sink = rtpSink();
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
      sink.socket.bind(0, '127.0.0.1');
      await once(sink.socket, 'listening');
      const port = (sink.socket.address() as AddressInfo).port;
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
      sink.socket.close();
    }
  });
});
