/*
 * `npm run bench janus`: how many plain SRTP viewers Janus 1.1 (VideoRoom) carries on one core, swept exactly like
 * the engine (same source, sink, steps and pass/fail rule), so peer.janus.ratio compares like with like.
 */
import { JanusTarget } from './janus/janus-target.ts';
import { VIEWER_LADDER, runSweep } from './lib/fanout-sweep.ts';
import { prepareClips, type MediaClips } from './lib/media-source.ts';
import { readResults, saveSection } from './lib/results.ts';

export async function run(): Promise<void> {
  // Encoded before the sweep starts (cached after the first run), so encoding never overlaps a measurement.
  const clips = await prepareClips();
  const target = new JanusTarget();
  const sweep = await runSweep(target, VIEWER_LADDER);
  const fanout = (await readResults()).fanout as { viewersPerCore?: unknown } | undefined;
  const productViewers = typeof fanout?.viewersPerCore === 'number' ? fanout.viewersPerCore : undefined;
  // product ÷ Janus: above 1 the product carries more viewers per core.
  const ratio = productViewers !== undefined && sweep.viewersPerCore > 0 ? round2(productViewers / sweep.viewersPerCore) : null;
  const notes = [
    ...(productViewers === undefined ? ['ratio null: no fanout.viewersPerCore in latest.json yet (npm run bench fanout first)'] : []),
    ...(productViewers !== undefined && ratio === null ? ['ratio null: Janus passed no step'] : []),
    ...(sweep.limitedBy === 'none' ? ['every step passed: viewersPerCore is a lower bound'] : []),
    ...(sweep.aborted ? [`sweep aborted: ${sweep.aborted}`] : []),
  ];
  const best = sweep.points.find((p) => p.viewers === sweep.viewersPerCore);
  await saveSection('peer', {
    janus: {
      measuredAt: new Date().toISOString(),
      method: method(target.version, clips),
      version: target.version,
      viewersPerCore: sweep.viewersPerCore,
      packetsPerSecPerCore: sweep.packetsPerSecPerCore,
      usPerPacket: sweep.packetsPerSecPerCore > 0 ? round2(1e6 / sweep.packetsPerSecPerCore) : null,
      limitedBy: sweep.limitedBy,
      cpuPctAtCeiling: best?.cpuPct ?? null,
      points: sweep.points,
      ratio,
      ...(notes.length ? { note: notes.join('; ') } : {}),
    },
  });
  console.log(
    `janus ${target.version}: ${sweep.viewersPerCore} viewers per core (limited by ${sweep.limitedBy}), ` +
      `${sweep.packetsPerSecPerCore} packets/s per core; product ÷ janus = ${ratio ?? 'n/a'}${notes.length ? ` (${notes.join('; ')})` : ''}`,
  );
}

function method(version: string, clips: MediaClips): string {
  return (
    `Janus ${version} (Debian) in its own process pinned to core 0, loading only the VideoRoom plugin and the HTTP transport ` +
    `(no event handlers, no admin API, no recording, fir_freq 0). Master: a VideoRoom remote publisher (add_remote_publisher, ` +
    `plain RTP on one port) fed the engine's source (${clips.kbps.video} kbit/s 720p30 VP8 + ${clips.kbps.audio} kbit/s Opus). ` +
    `Each viewer: one rtp_forward of the audio and one of the video, SRTP AES_CM_128_HMAC_SHA1_80, each with its own SSRC, to ` +
    `the shared sink. Compared with the mediasoup viewer (SRTP PlainTransport consumer) a Janus forwarder does less work ` +
    `(Janus's least per viewer): per packet it copies, rewrites the SSRC only (sequence numbers and timestamps stay the source's), SRTP-protects ` +
    `and sends, with no RTCP sender reports, no NACK retransmission buffer and no header-extension rewriting, all ` +
    `forwarders sharing one send socket; neither side gets any feedback from the sink. CPU: the whole Janus process (all ` +
    `threads). Same ladder as the engine (${VIEWER_LADDER.steps.join(', ')} viewers, ${VIEWER_LADDER.warmupSeconds} s warm-up, ` +
    `${VIEWER_LADDER.windowSeconds} s window), pass/fail rule and refinement; benchCpuPct is the bench process (forwarder + sink). ` +
    `ratio = fanout.viewersPerCore ÷ this viewersPerCore.`
  );
}

const round2 = (value: number) => Math.round(value * 100) / 100;
