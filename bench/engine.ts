/*
 * `npm run bench engine`: the ceiling the product is measured against: how many plain SRTP viewers of one 720p
 * VP8 + Opus source a bare mediasoup worker carries on one core, with no product code around it.
 */
import { EngineTarget } from './engine/engine-target.ts';
import { VIEWER_LADDER, runSweep } from './lib/fanout-sweep.ts';
import { prepareClips } from './lib/media-source.ts';
import { saveSection } from './lib/results.ts';
import { CPU_LIMIT_PCT, LOSS_LIMIT_PCT } from './lib/sweep-verdict.ts';

export async function run(): Promise<void> {
  // Encoded before the sweep starts (cached after the first run), so encoding never overlaps a measurement.
  const clips = await prepareClips();
  const sweep = await runSweep(new EngineTarget(), VIEWER_LADDER);
  const method =
    `One mediasoup 3.11 worker (logLevel warn) pinned to core 0, one router (VP8 + Opus). Master: a looped ${clips.kbps.video} kbit/s ` +
    `720p30 VP8 clip (keyframe every 2 s, grain-heavy so the rate holds) + ${clips.kbps.audio} kbit/s Opus, sent by ffmpeg through a forwarder ` +
    `into two comedia PlainTransport producers. Each viewer: one SRTP (AES_CM_128_HMAC_SHA1_80) PlainTransport, rtcp-mux, consuming video + ` +
    `audio with the router's capabilities minus transport-wide-cc and abs-send-time (as the product's plain receivers), all sending to one ` +
    `UDP sink (receive buffer ${Math.round(sweep.sinkRecvBufferBytes / 2 ** 20)} MiB as the kernel reports it; rmem_max is raised just for this socket when running as root) on core 1 ` +
    `with the bench and ffmpeg. Viewers added in steps ${VIEWER_LADDER.steps.join(', ')}, ${VIEWER_LADDER.warmupSeconds} s warm-up, CPU of the worker ` +
    `(/proc utime+stime) and sequence-gap loss over ${VIEWER_LADDER.windowSeconds} s; a step fails above ${CPU_LIMIT_PCT} % CPU or ${LOSS_LIMIT_PCT} % loss, ` +
    `then one refinement halfway. Latency: audio packets, forwarder send → sink receive. benchCpuPct is the bench process (forwarder + sink): near 100 % the harness, not the SFU, may be the limit.`;
  const best = sweep.points.find((p) => p.viewers === sweep.viewersPerCore);
  await saveSection('engine', {
    measuredAt: new Date().toISOString(),
    method,
    viewersPerCore: sweep.viewersPerCore,
    packetsPerSecPerCore: sweep.packetsPerSecPerCore,
    usPerPacket: sweep.packetsPerSecPerCore > 0 ? Math.round((1e6 / sweep.packetsPerSecPerCore) * 100) / 100 : null,
    limitedBy: sweep.limitedBy,
    cpuPctAtCeiling: best?.cpuPct ?? null,
    sourceKbps: clips.kbps,
    points: sweep.points,
    ...(sweep.aborted ? { aborted: sweep.aborted } : {}),
  });
  console.log(
    `engine: ${sweep.viewersPerCore} viewers per core (limited by ${sweep.limitedBy}), ${sweep.packetsPerSecPerCore} packets/s per core`,
  );
}
