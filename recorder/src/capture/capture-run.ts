import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { FfmpegCommand } from 'fluent-ffmpeg';
import { buildCommand, timemarkSeconds } from '../ffmpeg/command.ts';
import { waitUntilBound } from '../ffmpeg/udp-ports.ts';
import { StateFile } from '../recovery/state-file.ts';
import { RUN_STATE_FILE, type SavedRun } from '../recovery/saved-state.ts';

/**
 * One raw segment: run-relative media time in seconds, as ffmpeg's segment list reports it. The file's own
 * timestamps start near zero (so the concat demuxer can place it without probing it).
 */
export interface RawSegment {
  file: string;
  start: number;
  end: number;
  /** Not in the segment list: the run ended (crash, kill) while this one was being written. */
  partial: boolean;
}

export type RunExit = 'running' | 'stopped' | 'crashed';

const SEGMENT_PATTERN = 'seg-%05d.mkv';
/** The run's packets as one continuous file, beside its segments. */
export const RUN_WHOLE_FILE = 'run.mkv';
const SECOND_SIGINT_MS = 300;
const STOP_GRACE_MS = 5_000;
const BIND_TIMEOUT_MS = 5_000;

/**
 * One ffmpeg process writing one tapped track into Matroska segments without re-encoding. Media time inside a
 * run comes from RTP timestamps (smooth, sender-clocked); `anchorMs` ties run time 0 to the wall clock so runs
 * and tracks can be laid on one lesson timeline. It is the smallest (wall clock − muxed time) seen in ffmpeg's
 * progress reports: each report lags the packet it describes by at most a packet interval, so the minimum
 * converges on the true offset within a few milliseconds.
 */
export class CaptureRun {
  readonly dir: string;
  readonly startedAtMs = Date.now();
  anchorMs: number | null = null;
  endedAtMs: number | null = null;
  exit: RunExit = 'running';
  #command: FfmpegCommand | undefined;
  #pid: number | undefined;
  readonly #state: StateFile<SavedRun>;
  #stopping = false;
  #forced = false;
  #exited: Promise<void>;
  #markExited!: () => void;

  constructor(
    dir: string,
    private readonly onCrash: (run: CaptureRun, reason: string) => void,
  ) {
    this.dir = dir;
    this.#state = new StateFile(path.join(dir, RUN_STATE_FILE));
    this.#exited = new Promise((resolve) => (this.#markExited = resolve));
  }

  /**
   * The run's packets as one file, when that file is complete: the run stopped on our first SIGINT. A run that
   * crashed, or had to be interrupted (no packets flowing), may have lost the file's unflushed tail.
   */
  get wholeFile(): string | undefined {
    return this.exit === 'stopped' && !this.#forced ? this.#continuousFile : undefined;
  }

  get #continuousFile(): string {
    return path.join(this.dir, RUN_WHOLE_FILE);
  }

  /** Starts ffmpeg and resolves once it has bound the RTP port, so the SFU may start sending. */
  async start(sdpPath: string, rtpPort: number, segmentSeconds: number): Promise<void> {
    const cmd = buildCommand({
      inputs: [{ path: sdpPath, options: ['-protocol_whitelist', 'file,udp,rtp', '-analyzeduration', '3000000', '-probesize', '5000000'] }],
      outputs: [
        {
          path: path.join(this.dir, SEGMENT_PATTERN),
          options: [
            '-map', '0', '-c', 'copy',
            '-f', 'segment', '-segment_time', String(segmentSeconds), '-segment_format', 'matroska',
            '-segment_list', path.join(this.dir, 'segments.csv'), '-segment_list_type', 'csv',
            '-reset_timestamps', '1', '-segment_format_options', 'flush_packets=1:cluster_time_limit=500', '-stats_period', '0.25',
          ],
        },
        // The same packets as one file: when the run ends cleanly, finalizing reads this instead of opening every
        // segment. The segments stay the crash-safe copy and the unit of verification.
        { path: this.#continuousFile, options: ['-map', '0', '-c', 'copy', '-f', 'matroska'] },
      ],
    });
    this.#command = cmd;
    cmd.on('start', () => {
      // fluent-ffmpeg keeps the child on the command; its pid lets a restarted recorder stop an orphaned capture.
      this.#pid = (cmd as unknown as { ffmpegProc?: { pid?: number } }).ffmpegProc?.pid;
      this.#save();
    });
    cmd.on('progress', (progress: { timemark?: string }) => {
      const t = progress.timemark ? timemarkSeconds(progress.timemark) : undefined;
      if (t === undefined || t <= 0) return;
      const anchor = Date.now() - t * 1000;
      if (this.anchorMs === null || anchor < this.anchorMs) {
        this.anchorMs = anchor;
        this.#save();
      }
    });
    cmd.on('end', () => this.#finish('stopped'));
    cmd.on('error', (err: Error, _stdout: string | null, stderr: string | null) => {
      // SIGINT (our stop) makes ffmpeg exit non-zero after flushing; only an exit we did not ask for is a crash.
      if (this.#stopping) return this.#finish('stopped');
      this.#finish('crashed');
      const last = (stderr ?? '').trim().split('\n').slice(-1)[0] ?? '';
      this.onCrash(this, `${err.message.split('\n')[0]} ${last}`.slice(0, 300));
    });
    cmd.run();
    await waitUntilBound(rtpPort, BIND_TIMEOUT_MS, () => this.exit === 'running');
  }

  /**
   * Asks ffmpeg to finish its current segment and the segment list. One SIGINT is only noticed between packets;
   * with no packets arriving (producer paused or gone) ffmpeg sits in its read until a second SIGINT interrupts
   * it, after which it still writes its trailers. SIGKILL only if that fails too.
   */
  async stop(): Promise<void> {
    if (this.exit !== 'running') return;
    this.#stopping = true;
    this.#command?.kill('SIGINT');
    const again = setTimeout(() => {
      this.#forced = true;
      this.#command?.kill('SIGINT');
    }, SECOND_SIGINT_MS);
    const kill = setTimeout(() => this.#command?.kill('SIGKILL'), STOP_GRACE_MS);
    await this.#exited;
    clearTimeout(again);
    clearTimeout(kill);
  }

  segments(): Promise<RawSegment[]> {
    return runSegments(this.dir);
  }

  #finish(exit: RunExit): void {
    if (this.exit !== 'running') return;
    this.exit = exit;
    this.endedAtMs = Date.now();
    this.#save();
    this.#markExited();
  }

  #save(): void {
    const { startedAtMs, anchorMs, endedAtMs, exit } = this;
    this.#state
      .save({ startedAtMs, anchorMs, endedAtMs, exit, whole: this.wholeFile !== undefined, pid: this.#pid ?? null })
      .catch(() => undefined); // a lost state write costs only a restart's adoption of this run, never the capture
  }
}

/** Segments on disk: the finished ones from the segment list, plus the one a crash left unlisted. */
export async function runSegments(dir: string): Promise<RawSegment[]> {
  const listed = await readSegmentList(path.join(dir, 'segments.csv'));
  const names = new Set(listed.map((s) => s.file));
  const files = (await readdir(dir).catch(() => [])).filter((f) => /^seg-\d{5}\.mkv$/.test(f)).sort();
  const last = listed.at(-1);
  const unlisted = files.filter((f) => !names.has(f)).map<RawSegment>((file) => ({ file, start: last?.end ?? 0, end: last?.end ?? 0, partial: true }));
  return [...listed, ...unlisted].map((s) => ({ ...s, file: path.join(dir, s.file) }));
}

async function readSegmentList(file: string): Promise<RawSegment[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const segments: RawSegment[] = [];
  for (const line of text.split('\n')) {
    const [name, start, end] = line.trim().split(',');
    if (!name || start === undefined || end === undefined) continue;
    const s = Number(start);
    const e = Number(end);
    if (Number.isFinite(s) && Number.isFinite(e) && e >= s) segments.push({ file: name, start: s, end: e, partial: false });
  }
  return segments;
}
