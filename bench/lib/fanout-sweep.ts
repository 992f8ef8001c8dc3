import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { pinToCore, processCpuMeter, unpin } from './cpu.ts';
import { RtpSink } from './rtp-sink.ts';
import { passes, refineTarget, verdict, type SweepPoint, type SweepVerdict } from './sweep-verdict.ts';

export type { SweepPoint } from './sweep-verdict.ts';

/** Something that fans one source out to many plain SRTP viewers, all sending to `sink`. */
export interface FanoutTarget {
  name: string;
  /** Starts the SFU and its source; a later stop() must clean up even if this throws half-way. */
  start(sink: RtpSink): Promise<void>;
  /** Adds `count` more viewers (on top of those already there), each consuming every track, resumed. */
  addViewers(count: number, sink: RtpSink): Promise<void>;
  /** The SFU processes whose CPU is measured (and pinned to core 0). */
  sfuPids(): number[];
  stop(): Promise<void>;
}

export interface SweepOptions {
  /** Ascending total viewer counts. */
  steps: number[];
  warmupSeconds: number;
  windowSeconds: number;
  /** Measure once more between the last pass and the first failure (default true; it restarts the target). */
  refine?: boolean;
}

/**
 * The ladder the engine and the product climb, shared so that their ceilings can land on the same counts. Up to
 * 600: plain receivers send no transport-cc feedback, the largest per-packet cost behind DESIGN.md's 175–200 viewers
 * per core (a check here: ~15 µs/packet with transport-cc, ~10.5 without), so the ceiling sits higher.
 */
export const VIEWER_LADDER: SweepOptions = { steps: [50, 100, 150, 200, 250, 300, 400, 500, 600], warmupSeconds: 3, windowSeconds: 7 };

export interface SweepResult extends SweepVerdict {
  /** Every measured point, by viewer count (the refinement included). */
  points: SweepPoint[];
  /** Set when the target threw part-way: the points before it are kept. */
  aborted?: string;
  /** The sink's kernel receive buffer, for the method text. */
  sinkRecvBufferBytes: number;
}

const SFU_CORE = 0;
const LOAD_CORE = 1;
// Above this the bench process itself (forwarder + sink) may be what drops packets.
const HARNESS_BUSY_PCT = 85;
// A median forwarding latency this high is packets queued in the sink's socket, not in the SFU.
const BACKLOG_MS = 100;

/**
 * Adds viewers step by step, measuring SFU CPU, loss and latency over a window at each; stops after the first
 * failing step, then measures once more halfway between the last pass and that failure (on a fresh start, since
 * viewers are only ever added). The SFU runs on core 0; this process, the source and the sink on core 1.
 * One RtpSink receives every viewer of every start: `givenSink` (the caller closes it) or one opened and closed here.
 */
export async function runSweep(target: FanoutTarget, options: SweepOptions, givenSink?: RtpSink): Promise<SweepResult> {
  const sink = givenSink ?? (await RtpSink.open());
  const points: SweepPoint[] = [];
  const pinning = os.cpus().length > LOAD_CORE;
  if (!pinning) console.warn(`${target.name}: one core only, nothing pinned: SFU and load share it`);
  // Children started from here (ffmpeg, workers) inherit core 1; the SFU's processes are moved to core 0 once up.
  if (pinning) await pinToCore(process.pid, LOAD_CORE);
  let aborted: string | undefined;
  try {
    let viewers = 0;
    const startFresh = async () => {
      await target.start(sink);
      viewers = 0;
    };
    const measureAt = async (total: number) => {
      await target.addViewers(total - viewers, sink);
      viewers = total;
      const point = await measure(target, sink, total, options, pinning);
      points.push(point);
      console.log(formatPoint(target.name, point));
      return point;
    };
    try {
      await startFresh();
      for (const step of options.steps) {
        if (!passes(await measureAt(step))) break;
      }
      const refine = options.refine === false ? undefined : refineTarget(points);
      if (refine !== undefined) {
        await target.stop();
        await startFresh();
        await measureAt(refine);
      }
    } catch (err) {
      if (points.length === 0) throw err;
      aborted = err instanceof Error ? err.message : String(err);
      console.error(`${target.name}: sweep aborted after ${points.length} point(s): ${aborted}`);
    } finally {
      await target.stop();
    }
  } finally {
    if (pinning) await unpin(process.pid);
    if (!givenSink) await sink.close();
  }
  points.sort((a, b) => a.viewers - b.viewers);
  return { points, ...verdict(points), ...(aborted ? { aborted } : {}), sinkRecvBufferBytes: sink.recvBufferBytes };
}

async function measure(target: FanoutTarget, sink: RtpSink, viewers: number, options: SweepOptions, pinning: boolean): Promise<SweepPoint> {
  const pids = target.sfuPids();
  // Pinned at every step: a target may start processes lazily (a worker per router, a new SFU node).
  if (pinning) await Promise.all(pids.map((pid) => pinToCore(pid, SFU_CORE)));
  await sleep(options.warmupSeconds * 1000);
  sink.window();
  const meter = processCpuMeter(pids);
  const benchMeter = processCpuMeter([process.pid]);
  await sleep(options.windowSeconds * 1000);
  const cpuPct = await meter.stop();
  const benchCpuPct = await benchMeter.stop();
  const reading = sink.read();
  return {
    viewers,
    cpuPct: round(cpuPct, 1),
    lossPct: round(reading.lossPct, 3),
    packetsPerSec: Math.round(reading.packetsPerSec),
    latencyP50Ms: round(reading.latency.p50Ms, 2),
    latencyP99Ms: round(reading.latency.p99Ms, 2),
    benchCpuPct: round(benchCpuPct, 1),
  };
}

function formatPoint(name: string, p: SweepPoint): string {
  return `${name}: ${String(p.viewers).padStart(4)} viewers  cpu ${p.cpuPct.toFixed(1).padStart(5)} %  loss ${p.lossPct.toFixed(3)} %  ${(p.packetsPerSec / 1000).toFixed(1)}k pkt/s  latency p50 ${p.latencyP50Ms} ms p99 ${p.latencyP99Ms} ms  bench cpu ${p.benchCpuPct.toFixed(0)} %  ${passes(p) ? 'pass' : 'FAIL'}${harnessWarning(p)}`;
}

// Loss and CPU are only the SFU's when the bench process keeps up; say so when it visibly did not.
function harnessWarning(p: SweepPoint): string {
  if (p.benchCpuPct > HARNESS_BUSY_PCT) return '  (bench process saturated: the harness may be the limit)';
  if (p.latencyP50Ms > BACKLOG_MS) return '  (sink backlog: the bench process fell behind, numbers unreliable)';
  return '';
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
