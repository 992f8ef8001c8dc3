/*
 * `npm run bench fanout`: the product's fan-out (sections `fanout` and `forwarding`): how many plain SRTP viewers one
 * SFU worker core carries when everything goes through the product (REST ingest, join tokens, socket.io joins, plain
 * receivers, the consume policy), a classroom mix on a simulcast master, CPU per viewer with one worker against two,
 * and ingress → egress latency at about 70 % of capacity.
 */
import { ProductTarget, type ViewerKind } from './fanout/product-target.ts';
import { VIEWER_LADDER, runSweep, type SweepPoint, type SweepResult } from './lib/fanout-sweep.ts';
import { prepareClips, type MediaClips } from './lib/media-source.ts';
import { readResults, saveSection } from './lib/results.ts';
import { CPU_LIMIT_PCT, LOSS_LIMIT_PCT, passes } from './lib/sweep-verdict.ts';

// The mix: above the plain sweep's ceiling in quarter steps (70 % of viewers on the middle layer cost about half), with
// shorter windows and no refinement (re-joining hundreds of viewers costs a minute): the whole bench has minutes.
const MIX = { multiples: [1.25, 1.5, 1.75], warmupSeconds: 2, windowSeconds: 5 };
const SCALING = { cpuPct: 60, warmupSeconds: 3, windowSeconds: 7 };
const FORWARDING_SHARE = 0.7;
// Scaling runs first, the mix last; a mix that would start too late for the bench's time is skipped (and noted).
const MIX_LATEST_START_SECONDS = 330;
/** 30 % classroom big screens on the top layer, 70 % students on the middle one. */
const CLASSROOM_SHARE = 0.3;
const MIDDLE_LAYER = 1;

const isClassroom = (index: number) => index % 10 < CLASSROOM_SHARE * 10;
const sameRoles = (index: number): ViewerKind => ({ role: isClassroom(index) ? 'classroom_device' : 'student' });
const mixLayers = (index: number): ViewerKind => (isClassroom(index) ? { role: 'classroom_device' } : { role: 'student', spatialLayer: MIDDLE_LAYER });

export async function run(): Promise<void> {
  // Encoded before any sweep (cached after the first run), so encoding never overlaps a measurement.
  const clips = await prepareClips();
  const started = performance.now();
  const engine = (await readResults()).engine as { viewersPerCore?: unknown; points?: unknown } | undefined;
  const engineViewers = typeof engine?.viewersPerCore === 'number' && engine.viewersPerCore > 0 ? engine.viewersPerCore : null;

  const notes: string[] = [];
  // The later parts are worth less than the ceiling: one that fails is noted and the rest still saved.
  const attempt = async <T>(part: string, measure: () => Promise<T>, latestStart: number): Promise<T | undefined> => {
    const elapsed = Math.round((performance.now() - started) / 1000);
    if (elapsed > latestStart) {
      console.warn(`fanout: ${part} skipped: ${elapsed} s gone, it must start by ${latestStart} s to fit the bench's time`);
      notes.push(`${part} skipped for time (${elapsed} s gone)`);
      return undefined;
    }
    try {
      return await measure();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      console.error(`fanout: ${part} failed: ${reason}`);
      notes.push(`${part} failed: ${reason}`);
      return undefined;
    }
  };

  // Scaling first, at the viewer count that takes ≈ 60 % of a core in the engine's sweep of this run (the product's
  // per-viewer cost is the engine's within a few per cent; the sweep below checks that): it then never competes with
  // the sweep and the mix for the bench's time.
  const enginePoints = Array.isArray(engine?.points) ? (engine.points as SweepPoint[]) : [];
  const engineCeiling = engineViewers ?? VIEWER_LADDER.steps.at(-1)!;
  const scalingViewers = enginePoints.length ? Math.min(viewersAtCpu(enginePoints, SCALING.cpuPct), engineCeiling) : VIEWER_LADDER.steps[0]!;
  if (!enginePoints.length) notes.push(`no engine sweep in latest.json: scaling measured at ${scalingViewers} viewers`);
  const scalingSweep = { steps: [scalingViewers], warmupSeconds: SCALING.warmupSeconds, windowSeconds: SCALING.windowSeconds };
  const scalingPoint = (sfuWorkers: number) =>
    attempt(
      `scaling with ${sfuWorkers} worker(s)`,
      async () => {
        const target = new ProductTarget({ name: `fanout-${sfuWorkers}-worker`, sfuWorkers, simulcast: false, viewer: sameRoles });
        return pointAt((await runSweep(target, scalingSweep)).points, scalingViewers);
      },
      Number.POSITIVE_INFINITY,
    );
  const oneWorker = await scalingPoint(1);
  // Without the one-worker figure the two-worker one compares with nothing.
  const twoWorkers = oneWorker ? await scalingPoint(2) : undefined;
  const scaling2Workers = oneWorker && twoWorkers && twoWorkers.cpuPct > 0 ? round(oneWorker.cpuPct / twoWorkers.cpuPct, 3) : null;

  // The engine's ladder and windows, so ratioToEngine compares ceilings that can land on the same counts.
  const main = await runSweep(new ProductTarget({ name: 'fanout', sfuWorkers: 1, simulcast: false, viewer: sameRoles }), VIEWER_LADDER);
  const best = pointAt(main.points, main.viewersPerCore);

  const mixBase = Math.max(main.viewersPerCore, VIEWER_LADDER.steps[0]!);
  const mixSweep = { steps: MIX.multiples.map((m) => Math.round((mixBase * m) / 10) * 10), warmupSeconds: MIX.warmupSeconds, windowSeconds: MIX.windowSeconds, refine: false };
  const mix = await attempt(
    'mix',
    () => runSweep(new ProductTarget({ name: 'fanout-mix', sfuWorkers: 1, simulcast: true, viewer: mixLayers }), mixSweep),
    MIX_LATEST_START_SECONDS,
  );

  const forwardingPoint = closestTo(main.points, FORWARDING_SHARE * main.viewersPerCore);
  notes.push(
    ...(engineViewers === null ? ['ratioToEngine null: no engine.viewersPerCore in latest.json (run npm run bench engine first)'] : []),
    ...(main.limitedBy === 'none' ? ['every step passed: viewersPerCore is a lower bound'] : []),
    ...(mix?.limitedBy === 'none' ? ['every mix step passed: mixViewersPerCore is a lower bound'] : []),
    ...[main, mix].flatMap((s) => (s?.aborted ? [`a sweep aborted: ${s.aborted}`] : [])),
    ...[oneWorker, twoWorkers].flatMap((p) => (p && !passes(p) ? [`scaling point with ${p === oneWorker ? 1 : 2} worker(s) failed the pass rule (cpu ${p.cpuPct} %, loss ${p.lossPct} %): scaling2Workers unreliable`] : [])),
  );
  await saveSection('fanout', {
    measuredAt: new Date().toISOString(),
    method: method(clips, main, scalingViewers),
    viewersPerCore: main.viewersPerCore,
    packetsPerSecPerCore: main.packetsPerSecPerCore,
    ratioToEngine: engineViewers !== null ? round(main.viewersPerCore / engineViewers, 3) : null,
    lossPct: best?.lossPct ?? null,
    cpuPctAtCeiling: best?.cpuPct ?? null,
    limitedBy: main.limitedBy,
    points: main.points,
    mixViewersPerCore: mix?.viewersPerCore ?? null,
    mixLimitedBy: mix?.limitedBy ?? null,
    // Packets/s per viewer at each ceiling: the mix's is lower because 70 % receive the 640×360 layer.
    packetsPerSecPerViewer: perViewer(best),
    mixPacketsPerSecPerViewer: mix ? perViewer(pointAt(mix.points, mix.viewersPerCore)) : null,
    mixPoints: mix?.points ?? [],
    scaling2Workers,
    scaling: { viewers: scalingViewers, oneWorker: oneWorker ?? null, twoWorkers: twoWorkers ?? null },
    sourceKbps: clips.kbps,
    seconds: Math.round((performance.now() - started) / 1000),
    ...(notes.length ? { note: notes.join('; ') } : {}),
  });
  await saveSection('forwarding', {
    measuredAt: new Date().toISOString(),
    method:
      `Audio packets through the product SFU (one worker, core 0): source forwarder send → sink receive, matched by RTP timestamp, ` +
      `at the plain fan-out sweep point closest to ${FORWARDING_SHARE * 100} % of its ceiling (${forwardingPoint?.viewers ?? 0} viewers). ` +
      `An upper bound: it includes two loopback hops and the event-loop delay of the bench process on core 1, which also runs signaling, ffmpeg and the sink.`,
    p50Ms: forwardingPoint?.latencyP50Ms ?? null,
    p99Ms: forwardingPoint?.latencyP99Ms ?? null,
    viewers: forwardingPoint?.viewers ?? null,
  });
  console.log(
    `fanout: ${main.viewersPerCore} viewers per core (limited by ${main.limitedBy}; engine ${engineViewers ?? 'n/a'}), ` +
      `mix ${mix?.viewersPerCore ?? 'n/a'}, scaling 1→2 workers ${scaling2Workers ?? 'n/a'} at ${scalingViewers} viewers ` +
      `(cpu ${oneWorker?.cpuPct ?? '?'} % vs ${twoWorkers?.cpuPct ?? '?'} %, loss ${oneWorker?.lossPct ?? '?'} % vs ${twoWorkers?.lossPct ?? '?'} %), ` +
      `forwarding p50 ${forwardingPoint?.latencyP50Ms ?? '?'} ms p99 ${forwardingPoint?.latencyP99Ms ?? '?'} ms at ${forwardingPoint?.viewers ?? '?'} viewers; ` +
      `${Math.round((performance.now() - started) / 1000)} s`,
  );
}

function method(clips: MediaClips, main: SweepResult, scalingViewers: number): string {
  return (
    `Product stack as real processes (startStack: signaling + sfu-server, sfuWorkers 1, no recorder; no throttling changed), a lesson ` +
    `started over the admin API, the master (${clips.kbps.video} kbit/s 720p30 VP8 + ${clips.kbps.audio} kbit/s Opus, the engine's source) ` +
    `fed into POST /lessons/:id/ingest. Each viewer: a join token from the admin API, a socket.io participant (30 % classroom_device, ` +
    `70 % student) that joins, makes a plain SRTP receiver (media:createPlainReceiver) to the shared sink and consumes video + audio ` +
    `(media:consume, capabilities without transport-cc/abs-send-time, media:resumeConsumer). Only the sfu-server's mediasoup-worker ` +
    `process is pinned to core 0 and metered; the sfu-server Node process, signaling, ffmpeg, the sink and the bench share core 1. ` +
    `Steps ${VIEWER_LADDER.steps.join(', ')} (the engine's), ${VIEWER_LADDER.warmupSeconds} s warm-up, ${VIEWER_LADDER.windowSeconds} s window, fail above ` +
    `${CPU_LIMIT_PCT} % CPU or ${LOSS_LIMIT_PCT} % loss, one refinement (sink receive buffer ${Math.round(main.sinkRecvBufferBytes / 2 ** 20)} MiB). ` +
    `Mix: the master as three simulcast renditions (${clips.kbps.low}/${clips.kbps.mid}/${clips.kbps.video} kbit/s) through the simulcast ` +
    `plain ingest, classroom devices on the top layer, students asking for layer ${MIDDLE_LAYER} (media:setPreferredLayers before resume), ` +
    `steps ${MIX.multiples.join(', ')} × the plain ceiling (no refinement), ${MIX.windowSeconds} s windows (mixPacketsPerSecPerViewer against packetsPerSecPerViewer ` +
    `shows the layers taken). Scaling: with one core for the SFU (the other runs the load), efficiency is CPU per viewer: ` +
    `${scalingViewers} viewers (≈ ${SCALING.cpuPct} % of a core, interpolated from this run's engine sweep, at most its ceiling) on a fresh stack with ` +
    `1 worker, then with 2 workers (the product places each participant on the least-loaded worker and pipes the master across with ` +
    `pipeToRouter), both workers pinned to core 0; scaling2Workers = cpu(1 worker) ÷ (cpu(worker A) + cpu(worker B)).`
  );
}

function pointAt(points: SweepPoint[], viewers: number): SweepPoint | undefined {
  return points.find((p) => p.viewers === viewers);
}

function closestTo(points: SweepPoint[], viewers: number): SweepPoint | undefined {
  return points.reduce<SweepPoint | undefined>((best, p) => (!best || Math.abs(p.viewers - viewers) < Math.abs(best.viewers - viewers) ? p : best), undefined);
}

/** Viewers at which one worker would use `cpuPct` of a core: interpolated between the sweep points around it. */
function viewersAtCpu(points: SweepPoint[], cpuPct: number): number {
  const sorted = [...points].sort((a, b) => a.viewers - b.viewers);
  const above = sorted.findIndex((p) => p.cpuPct >= cpuPct);
  const low = above > 0 ? sorted[above - 1]! : { viewers: 0, cpuPct: 0 };
  const high = above >= 0 ? sorted[above]! : sorted.at(-1);
  if (!high || high.cpuPct <= low.cpuPct) return VIEWER_LADDER.steps[0]!;
  const viewers = low.viewers + ((cpuPct - low.cpuPct) * (high.viewers - low.viewers)) / (high.cpuPct - low.cpuPct);
  return Math.max(10, Math.round(viewers / 5) * 5);
}

const perViewer = (point: SweepPoint | undefined) => (point && point.viewers > 0 ? Math.round(point.packetsPerSec / point.viewers) : null);
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
