import type { RecordingGap } from '@dualclass/protocol';

/*
 * Pure planning of the published timeline: where each verified raw segment lands, in seconds of the recording,
 * and which stretches were lost. Recording time is wall time since the recording started, minus the stretches
 * the master paused recording; a crash gap is kept as time (the picture holds, the sound is silent) and listed.
 */

export interface Interval {
  fromMs: number;
  toMs: number;
}

export interface PlannedSegment {
  file: string;
  /** Recording seconds of the run's wall clock at this segment's first packet. */
  wallStartMs: number;
  /** Real media length of the segment, seconds. */
  length: number;
  ok: boolean;
}

export interface PlannedRun {
  segments: PlannedSegment[];
  crashed: boolean;
  /** The run's packets in one file, usable in place of its segments when the run ended cleanly and all are good. */
  whole?: string;
}

export interface ConcatEntry {
  file: string;
  at: number;
  /**
   * Seconds until the next entry starts (or the segment's own length for the last): keeps holes as holes.
   * Left out, the concat demuxer plays files back to back (enough for decoding them in one pass).
   */
  duration?: number;
}

/** A verified segment at its place on the recording. */
export interface Placed {
  file: string;
  at: number;
  length: number;
}

export interface TrackPlan {
  placed: Placed[];
  gaps: Omit<RecordingGap, 'track'>[];
  /** Recording seconds where the last media ends. */
  end: number;
}

/** Stretches shorter than this are jitter at run boundaries, not loss worth listing. */
const MIN_GAP_SECONDS = 0.5;

export class RecordingClock {
  constructor(
    readonly startMs: number,
    readonly pauses: readonly Interval[],
  ) {}

  /** Wall clock → seconds of the published recording; a moment inside a pause maps to where the pause began. */
  toSeconds(wallMs: number): number {
    let paused = 0;
    for (const p of this.pauses) {
      if (wallMs <= p.fromMs) break;
      paused += Math.min(wallMs, p.toMs) - p.fromMs;
    }
    return Math.max(0, (wallMs - this.startMs - paused) / 1000);
  }
}

/**
 * `endSeconds`: where the recording ends; media a crashed last run never delivered up to there is listed as lost.
 * `lostReason`: the track's tap itself went away (its SFU node died), so whatever run was last, the rest is lost.
 */
export function planTrack(runs: PlannedRun[], clock: RecordingClock, endSeconds?: number, lostReason?: string): TrackPlan {
  const gaps: TrackPlan['gaps'] = [];
  const placed: { file: string; at: number; length: number; runIndex: number }[] = [];
  runs.forEach((run, runIndex) => {
    const first = run.segments[0];
    if (run.whole && !run.crashed && first && run.segments.every((seg) => seg.ok)) {
      const last = run.segments.at(-1)!;
      const length = (last.wallStartMs - first.wallStartMs) / 1000 + last.length;
      placed.push({ file: run.whole, at: clock.toSeconds(first.wallStartMs), length, runIndex });
      return;
    }
    for (const segment of run.segments) {
      const at = clock.toSeconds(segment.wallStartMs);
      if (segment.ok && segment.length > 0) placed.push({ file: segment.file, at, length: segment.length, runIndex });
      else if (segment.length > 0) gaps.push({ fromSeconds: round(at), toSeconds: round(at + segment.length), reason: 'segment failed verification' });
    }
  });
  placed.sort((a, b) => a.at - b.at);
  // Loss shows where one run's media ends well before the next run's begins after a crash.
  for (let i = 0; i + 1 < placed.length; i++) {
    const cur = placed[i]!;
    const next = placed[i + 1]!;
    if (cur.runIndex === next.runIndex || !runs[cur.runIndex]!.crashed) continue;
    const lostFrom = cur.at + cur.length;
    if (next.at - lostFrom >= MIN_GAP_SECONDS) gaps.push({ fromSeconds: round(lostFrom), toSeconds: round(next.at), reason: 'recorder restarted' });
  }
  const last = placed.at(-1);
  // The last media came from a run that crashed and was never followed (the recorder was down when the lesson
  // ended), or from a tap whose node went away.
  const cutShort = lostReason ?? (last && runs[last.runIndex]!.crashed ? 'recorder down at lesson end' : undefined);
  if (last && endSeconds !== undefined && cutShort && endSeconds - (last.at + last.length) >= MIN_GAP_SECONDS) {
    gaps.push({ fromSeconds: round(last.at + last.length), toSeconds: round(endSeconds), reason: cutShort });
  }
  gaps.sort((a, b) => a.fromSeconds - b.fromSeconds);
  return { placed: placed.map(({ file, at, length }) => ({ file, at, length })), gaps, end: last ? last.at + last.length : 0 };
}

/**
 * A loss at the end of one track is over where the same output's media resumes from another track (a publisher
 * whose node died publishes again, elsewhere, as a new producer). Undefined when nothing of it is left.
 */
export function endAtResumption<G extends { fromSeconds: number; toSeconds: number }>(gap: G, output: readonly Placed[]): G | undefined {
  const resumed = Math.min(gap.toSeconds, ...output.filter((p) => p.at > gap.fromSeconds).map((p) => p.at));
  return resumed - gap.fromSeconds >= MIN_GAP_SECONDS ? { ...gap, toSeconds: round(resumed) } : undefined;
}

/**
 * Concat entries for segments of one output stream (possibly from several tracks, e.g. a camera that was
 * republished): each entry lasts until the next begins, so holes stay holes.
 */
export function concatEntries(segments: Placed[]): ConcatEntry[] {
  const sorted = [...segments].sort((a, b) => a.at - b.at);
  return sorted.map((p, i) => {
    const next = sorted[i + 1];
    return { file: p.file, at: micro(p.at), duration: micro(next ? Math.max(0.001, next.at - p.at) : p.length) };
  });
}

/**
 * The concat demuxer script for a plan; the first entry's own offset is applied with -itsoffset. Segments are
 * Matroska with codec parameters in their headers, so each is opened without stream probing: with hundreds of
 * segments per hour that probing, not the copying, is what a remux would spend its time on.
 */
export function concatScript(entries: Pick<ConcatEntry, 'file' | 'duration'>[]): string {
  const quote = (file: string) => `'${file.replace(/'/g, "'\\''")}'`;
  const lines = entries.flatMap((e) => [
    `file ${quote(e.file)}`,
    'option analyzeduration 0',
    'option probesize 32',
    ...(e.duration === undefined ? [] : [`duration ${e.duration.toFixed(6)}`]),
  ]);
  return ['ffconcat version 1.0', ...lines, ''].join('\n');
}

/** "lost 00:12:04–00:12:06" style clock for logs and labels. */
export function clockLabel(seconds: number): string {
  const s = Math.floor(seconds);
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${hh}:${mm}:${ss}`;
}

const round = (n: number) => Math.round(n * 1000) / 1000;
const micro = (n: number) => Math.round(n * 1e6) / 1e6;
