import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { RecordingTrack } from '@dualclass/protocol';
import { RUN_WHOLE_FILE, runSegments, type RawSegment, type RunExit } from '../capture/capture-run.ts';
import type { TapCodec } from '../ffmpeg/sdp.ts';
import type { CapturedRun } from '../finalize/finalize.ts';
import { readState } from './state-file.ts';
import { LESSON_STATE_FILE, RUN_STATE_FILE, SavedLessonSchema, SavedRunSchema, SavedTrackSchema, TRACK_STATE_FILE, type SavedLesson, type SavedRun } from './saved-state.ts';

/**
 * A capture run written by an earlier recorder process. A track's last run, unless the lesson was paused, ended
 * with that process (killed, or stopped as it shut down): it counts as crashed, so the stretch until the next run's
 * media becomes a listed gap exactly as after an ffmpeg crash. A killed run's last segment may be truncated; it is
 * verified like any other.
 */
export class RestoredRun implements CapturedRun {
  readonly anchorMs: number | null;
  readonly exit: RunExit;
  readonly wholeFile: string | undefined;

  constructor(
    readonly dir: string,
    private readonly saved: SavedRun,
    endedWithProcess: boolean,
  ) {
    this.anchorMs = saved.anchorMs;
    this.exit = saved.exit === 'stopped' && !endedWithProcess ? 'stopped' : 'crashed';
    this.wholeFile = saved.exit === 'stopped' && saved.whole ? path.join(dir, RUN_WHOLE_FILE) : undefined;
  }

  segments(): Promise<RawSegment[]> {
    return runSegments(this.dir);
  }

  /**
   * ffmpeg does not die with its parent: a capture may still be writing into this folder (and holding its ports)
   * under a process that is gone. It is killed, like the rest of the dead recorder; what it wrote is kept.
   */
  async stopOrphan(): Promise<void> {
    const { pid } = this.saved;
    if (this.saved.exit !== 'running' || pid === null) return;
    const alive = async () => (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes(this.dir);
    if (!(await alive())) return; // gone, or the pid now belongs to another process
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 40 && (await alive()); i++) await new Promise((r) => setTimeout(r, 50));
  }
}

export interface RestoredTrack {
  /** The track folder's number (track-NNN); new tracks continue after the highest. */
  index: number;
  track: RecordingTrack;
  codec: TapCodec;
  runs: RestoredRun[];
  /** New runs are numbered after every run folder there, adopted or not. */
  nextRun: number;
}

export interface RestoredLesson {
  saved: SavedLesson;
  tracks: RestoredTrack[];
}

/** What an earlier recorder process left in a lesson's work folder, if it left anything adoptable. */
export async function restoreLesson(dir: string): Promise<RestoredLesson | undefined> {
  const saved = await readState(path.join(dir, LESSON_STATE_FILE), SavedLessonSchema);
  if (!saved) return undefined;
  const tracks: RestoredTrack[] = [];
  for (const name of await folders(dir, /^track-(\d{3})$/)) {
    const trackDir = path.join(dir, name);
    const state = await readState(path.join(trackDir, TRACK_STATE_FILE), SavedTrackSchema);
    if (!state) continue; // its tap was never opened: nothing was recorded there
    const { lessonId: _lesson, codec, ...track } = state;
    const runFolders = await folders(trackDir, /^run-\d{3}$/);
    const savedRuns = [];
    for (const runName of runFolders) {
      const run = await readState(path.join(trackDir, runName, RUN_STATE_FILE), SavedRunSchema);
      if (run) savedRuns.push({ dir: path.join(trackDir, runName), run });
    }
    const runs = savedRuns.map(({ dir: runDir, run }, i) => new RestoredRun(runDir, run, i === savedRuns.length - 1 && saved.pausedSince === null));
    tracks.push({ index: Number(name.slice('track-'.length)), track, codec: { ...codec, channels: codec.channels }, runs, nextRun: runFolders.length });
  }
  return { saved, tracks };
}

async function folders(dir: string, pattern: RegExp): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && pattern.test(e.name)).map((e) => e.name).sort();
}
