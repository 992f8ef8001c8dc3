import { setTimeout as sleep } from 'node:timers/promises';
import type { Socket } from 'socket.io-client';
import { startStack } from '../infra/src/stack.ts';
import { TestParticipants } from '../signaling/src/testing/participants.ts';
import { cpuPerViewer } from './calibration/cpu-per-viewer.ts';
import { joinWrtcViewer, type InboundTotals, type WrtcViewer } from './calibration/wrtc-viewer.ts';
import { joinPlainViewer } from './fanout/plain-viewer.ts';
import { mediasoupWorkerPids } from './fanout/worker-pids.ts';
import { numberListOption, numberOption } from './lib/cli-options.ts';
import { pinToCore, processCpuMeter, unpin } from './lib/cpu.ts';
import { startSource, type MediaSource } from './lib/media-source.ts';
import { saveSection } from './lib/results.ts';
import { RtpSink } from './lib/rtp-sink.ts';

/*
 * How far the fan-out benches' light viewers (plain SRTP receivers into one UDP sink) are from real WebRTC viewers:
 * the same numbers of each consume the master's video + audio (the bench source through the product's REST plain
 * ingest) through the product's signaling, and the SFU worker's CPU per viewer is compared.
 * Options: --steps 4,8,12 (viewer counts; each wrtc viewer decodes 720p, 5–8 % of the bench core, so 15–20 saturate it),
 * --window <s> (default 6).
 */

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

const SFU_CORE = 0;
const LOAD_CORE = 1;
const WARMUP_S = 2;
const VIDEO = { payloadType: 101, ssrc: 31_000_001 };
const AUDIO = { payloadType: 100, ssrc: 31_000_002 };

interface CalibrationPoint {
  viewers: number;
  cpuPct: number;
  /** (cpuPct − the worker's CPU with no viewer) ÷ viewers. */
  perViewerPct: number;
  lossPct: number;
  packetsPerSec: number;
  /** This process (the viewers, and the sink) on core 1: near 100 % means the receivers, not the SFU, drop packets. */
  clientCpuPct: number;
}

export async function run(): Promise<void> {
  const steps = numberListOption('steps', [4, 8, 12]);
  const windowSeconds = numberOption('window', 6);
  const stack = await startStack({ recorder: false, sfuWorkers: 1 });
  const participants = new TestParticipants(stack);
  const sink = await RtpSink.open();
  let source: MediaSource | undefined;
  const wrtcViewers: WrtcViewer[] = [];
  const plainSockets: Socket[] = [];
  try {
    // Pinned once up (starting on one shared core can take longer than the stack waits): everything but the SFU
    // worker on core 1, which ffmpeg and the wrtc threads started from here inherit.
    const workers = mediasoupWorkerPids(stack.sfu.child.pid!);
    await Promise.all([process.pid, stack.sfu.child.pid!, stack.signaling.child.pid!].map((pid) => pinToCore(pid, LOAD_CORE)));
    await Promise.all(workers.map((pid) => pinToCore(pid, SFU_CORE)));
    const lesson = await stack.admin.createLesson({ title: '校准课：真实 WebRTC 与轻量接收端' });
    const ingest = await stack.admin.createIngest(lesson.id, { label: '基准信号', video: { ...VIDEO, mimeType: 'video/VP8' }, audio: AUDIO });
    await stack.admin.startLesson(lesson.id);
    source = await startSource({ video: { ...ingest.video, ...VIDEO }, audio: { ...ingest.audio!, ...AUDIO } });
    const producerIds = [ingest.video.producerId, ingest.audio!.producerId];
    const token = async () => (await stack.admin.issueToken(lesson.id, { role: 'student', displayName: '校准' })).token;

    const measureCpu = async () => {
      await sleep(WARMUP_S * 1000);
      const meter = processCpuMeter(workers);
      await sleep(windowSeconds * 1000);
      return meter.stop();
    };
    const idlePct = await measureCpu();
    console.log(`calibration: SFU worker ${idlePct.toFixed(1)} % with the ingest and no viewer`);

    /** `openWindow` starts counting what the viewers receive; its reader gives packets and loss since then. */
    const sweep = async (name: string, add: (count: number) => Promise<void>, openWindow: () => Promise<() => Promise<{ packets: number; lossPct: number }>>) => {
      const points: CalibrationPoint[] = [];
      let viewers = 0;
      for (const step of steps) {
        await add(step - viewers);
        viewers = step;
        await sleep(WARMUP_S * 1000);
        const readTraffic = await openWindow();
        const meter = processCpuMeter(workers);
        const clientMeter = processCpuMeter([process.pid]);
        await sleep(windowSeconds * 1000);
        const cpuPct = await meter.stop();
        const clientCpuPct = await clientMeter.stop();
        const { packets, lossPct } = await readTraffic();
        const point = {
          viewers,
          cpuPct: round(cpuPct, 1),
          perViewerPct: round((cpuPct - idlePct) / viewers, 3),
          lossPct: round(lossPct, 3),
          packetsPerSec: Math.round(packets / windowSeconds),
          clientCpuPct: round(clientCpuPct, 1),
        };
        points.push(point);
        console.log(`calibration: ${name} ${String(viewers).padStart(3)} viewers  worker cpu ${point.cpuPct} %  ${point.perViewerPct} % per viewer  loss ${point.lossPct} %  ${point.packetsPerSec} pkt/s  (bench process ${point.clientCpuPct} %)`);
      }
      return points;
    };

    const wrtcTotals = async () => {
      const all = await Promise.all(wrtcViewers.map((v) => v.inbound()));
      const sum = (key: keyof InboundTotals) => all.reduce((n, t) => n + t[key], 0);
      return { packets: sum('packetsReceived'), lost: sum('packetsLost'), frames: sum('framesDecoded') };
    };
    const wrtcWindow = async () => {
      const before = await wrtcTotals();
      return async () => {
        const after = await wrtcTotals();
        const packets = after.packets - before.packets;
        const lost = after.lost - before.lost;
        return { packets, lossPct: packets + lost > 0 ? (lost / (packets + lost)) * 100 : 0 };
      };
    };
    const joinMany = (count: number, join: () => Promise<void>) => Promise.all(Array.from({ length: count }, join)).then(() => undefined);
    const wrtcPoints = await sweep(
      'wrtc ',
      (count) => joinMany(count, async () => void wrtcViewers.push(await joinWrtcViewer(participants, await token(), producerIds))),
      wrtcWindow,
    );
    const wrtcSeen = await wrtcTotals();
    for (const viewer of wrtcViewers.splice(0)) viewer.close();
    await sleep(2_000); // their transports close at the SFU before the light viewers are measured

    const plan = { videoProducerId: ingest.video.producerId, audioProducerId: ingest.audio!.producerId };
    const plainPoints = await sweep(
      'plain',
      (count) => joinMany(count, async () => void plainSockets.push((await joinPlainViewer(stack.url, { ...plan, token: await token() }, sink)).socket)),
      async () => {
        sink.window();
        return async () => sink.read();
      },
    );

    const wrtcPerViewer = cpuPerViewer(idlePct, wrtcPoints);
    const plainPerViewer = cpuPerViewer(idlePct, plainPoints);
    const result = {
      measuredAt: new Date().toISOString(),
      method:
        `One SFU worker pinned to core ${SFU_CORE} (bench, signaling and ffmpeg on core ${LOAD_CORE}); the master is the bench source (720p VP8 ~1.5 Mbit/s + Opus) through the REST plain ingest. ` +
        `At each step, ${WARMUP_S} s settle then a ${windowSeconds} s window of worker CPU; perViewerPct = least-squares slope of worker CPU against viewers (the no-viewer reading, ${round(idlePct, 1)} %, included). ` +
        `wrtc: @roamhq/wrtc peer connections driven by the classroom client's MediaSession (mediasoup-client Chrome74) through signaling, loss and packets from their inbound-rtp getStats; ` +
        `plain: media:createPlainReceiver SRTP receivers into the bench RtpSink (sequence gaps). ratio = wrtc ÷ plain perViewerPct.`,
      steps,
      idleWorkerCpuPct: round(idlePct, 1),
      wrtc: {
        perViewerPct: round(wrtcPerViewer, 3),
        packetsReceived: wrtcSeen.packets,
        packetsLost: wrtcSeen.lost,
        lossPct: round(wrtcSeen.packets + wrtcSeen.lost > 0 ? (wrtcSeen.lost / (wrtcSeen.packets + wrtcSeen.lost)) * 100 : 0, 3),
        framesDecoded: wrtcSeen.frames,
      },
      plain: { perViewerPct: round(plainPerViewer, 3) },
      ratio: round(wrtcPerViewer / plainPerViewer),
      // Top-level row lists, so the report tables them.
      wrtcPoints,
      plainPoints,
    };
    console.log(`calibration: per viewer wrtc ${result.wrtc.perViewerPct} %, plain ${result.plain.perViewerPct} % of a core: ratio ${result.ratio}; wrtc clients received ${wrtcSeen.packets} packets, lost ${wrtcSeen.lost}, decoded ${wrtcSeen.frames} frames`);
    await saveSection('calibration', result);
  } finally {
    for (const viewer of wrtcViewers) viewer.close();
    for (const socket of plainSockets) socket.disconnect();
    await source?.stop();
    await sink.close();
    await stack.stop();
    await unpin(process.pid);
  }
}
