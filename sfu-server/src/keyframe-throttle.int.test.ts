import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { withoutFeedbackExtensions } from '@dualclass/protocol';
import { SfuClient } from './client.ts';
import { loadSfuConfig } from './config.ts';
import { startSfuServer } from './index.ts';
import { keyframeSender, type KeyframeRequest } from './testing/keyframe-sender.ts';
import { until } from './testing/until.ts';
import { rtpSink } from './testing/vp8-rtp.ts';

/*
 * A join storm against a real SFU with two workers: a three-rendition VP8 simulcast sender on a plain ingest counts
 * the PLI/FIR that reach its socket, per rendition, while 40 viewers (spread over both workers, so half of them are
 * fed through pipeToRouter) resume and ask for a keyframe, as the recorder does, within two seconds. With the
 * producer's keyframe request delay at its default each rendition hears at most about one request a second; with 0
 * the encoder hears the storm.
 */

const SECRET = randomBytes(24).toString('base64url');
const LESSON = 'lesson-keyframe-storm';
const SSRCS = [4_242, 4_243, 4_244];
const VIEWERS = 40;
const RESUME_SPACING_MS = 50;
/** From the first resume: the storm (2 s) and a second and a half after it. */
const WINDOW_MS = 3_500;

async function storm(delayMs: number): Promise<{ requests: KeyframeRequest[]; received: number }> {
  const server = await startSfuServer(
    loadSfuConfig({ SFU_RPC_PORT: '0', SFU_RPC_SECRET: SECRET, SFU_WORKERS: '2', SFU_KEYFRAME_REQUEST_DELAY_MS: String(delayMs), LOG_LEVEL: 'silent' }),
  );
  const client = await SfuClient.connect(`http://127.0.0.1:${server.port}`, SECRET, { timeoutMs: 5_000 });
  const sink = await rtpSink();
  let sender: Awaited<ReturnType<typeof keyframeSender>> | undefined;
  try {
    const { rtpCapabilities } = await client.call('router.ensure', { lessonId: LESSON });
    const { tracks } = await client.call('ingest.createPlainRtp', {
      lessonId: LESSON,
      participantId: 'studio',
      tracks: [{ kind: 'video', mimeType: 'video/VP8', payloadType: 101, ssrcs: SSRCS }],
    });
    const video = tracks[0]!;
    sender = await keyframeSender({ ip: video.ip, port: video.port, ssrcs: SSRCS, payloadType: 101 });
    // A sink sends no transport-cc, so it consumes without it (as a plain receiver does) and gets the top rendition.
    const capabilities = withoutFeedbackExtensions(rtpCapabilities);
    const viewers = await Promise.all(
      Array.from({ length: VIEWERS }, async (_, i) => {
        const owner = { lessonId: LESSON, participantId: `viewer-${i}` };
        const { transportId } = await client.call('transport.createPlainRecv', { ...owner, remote: { ip: '127.0.0.1', rtpPort: sink.port, rtcpPort: sink.port + 1 } });
        const { consumerId } = await client.call('consumer.create', { ...owner, transportId, producerId: video.producerId, rtpCapabilities: capabilities });
        return { ...owner, consumerId };
      }),
    );
    const workersUsed = new Set((await client.call('worker.list', {})).workers.filter((w) => w.routers > 0).map((w) => w.pid));
    expect(workersUsed.size, 'viewers on both workers').toBe(2);
    // The producer has its streams (and their first keyframes) before the storm starts.
    await until(() => (sender!.packetsSent() > 45 ? true : undefined), 5_000, 'the sender to run');
    const start = performance.now();
    await Promise.all(
      viewers.map(async (viewer, i) => {
        await new Promise((r) => setTimeout(r, i * RESUME_SPACING_MS));
        await client.call('consumer.resume', viewer);
        await client.call('consumer.requestKeyFrame', viewer);
      }),
    );
    await new Promise((r) => setTimeout(r, start + WINDOW_MS - performance.now()));
    const requests = sender.requests.filter((r) => r.at >= start).map((r) => ({ ...r, at: r.at - start }));
    return { requests, received: [...sink.packets.values()].reduce((a, b) => a + b, 0) };
  } finally {
    sender?.close();
    sink.close();
    client.close();
    await server.close();
  }
}

describe('keyframe requests reaching the sender during a join storm', () => {
  it('are at most one per rendition per keyframe request delay (1 s by default), where without it every viewer reaches the encoder', async () => {
    const throttled = await storm(loadSfuConfig({ SFU_RPC_SECRET: SECRET }).keyFrameRequestDelayMs);
    const unthrottled = await storm(0);
    const times = (ssrc: number) => throttled.requests.filter((r) => r.ssrc === ssrc).map((r) => r.at);
    console.log(
      `keyframe requests at the sender in ${WINDOW_MS / 1000} s while ${VIEWERS} viewers resume: default delay ` +
        SSRCS.map((ssrc) => `${ssrc}: ${times(ssrc).length} (at ${times(ssrc).map((t) => t.toFixed(0)).join(', ')} ms)`).join('; ') +
        `; no delay ${unthrottled.requests.length} in all`,
    );
    // Every viewer was live: the storm really happened in both runs.
    expect(throttled.received).toBeGreaterThan(VIEWERS * 30);
    expect(unthrottled.received).toBeGreaterThan(VIEWERS * 30);
    expect(unthrottled.requests.length).toBeGreaterThanOrEqual(VIEWERS / 2);
    expect(throttled.requests.length).toBeGreaterThanOrEqual(1);
    for (const ssrc of SSRCS) {
      const at = times(ssrc);
      expect(at.length, `requests for ${ssrc}`).toBeLessThanOrEqual(Math.ceil(WINDOW_MS / 1000) + 1);
      // Arrival times are taken on this process's event loop, which a loaded machine can hold up for a moment.
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!, `gap between requests for ${ssrc}`).toBeGreaterThanOrEqual(800);
    }
  });
});
