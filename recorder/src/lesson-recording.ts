import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { ClassroomError, type LibraryTags, type RecordingManifest, type RecordingPhase, type RecordingStatus, type RecordingTrack } from '@dualclass/protocol';
import type { FileStore } from './storage/file-store.ts';
import { SegmentVerifier } from './capture/segment-verifier.ts';
import type { SfuNodes } from './capture/sfu-nodes.ts';
import { RECORDER_PEER_ID, TrackCapture, type TrackCaptureDeps } from './capture/track-capture.ts';
import type { UdpPortPool } from './ffmpeg/udp-ports.ts';
import { finalizeRecording } from './finalize/finalize.ts';
import type { Interval } from './finalize/timeline.ts';
import { restoreLesson, type RestoredLesson } from './recovery/restore.ts';
import { LESSON_STATE_FILE, type SavedLesson } from './recovery/saved-state.ts';
import { StateFile } from './recovery/state-file.ts';

export interface LessonRecordingDeps {
  sfu: SfuNodes;
  ports: UdpPortPool;
  store: FileStore;
  workDir: string;
  mediaIp: string;
  segmentSeconds: number;
  log: Logger;
  onProgress: (lessonId: string, phase: RecordingPhase, progress: number | null) => void;
}

// Finished segments are handed to the verifier this often, so it can decode a few of each run per process.
const VERIFY_SCAN_MS = 20_000;

/**
 * One lesson's recording: its track captures, the master's pauses, background verification, and the finish
 * that turns it all into published files.
 */
export class LessonRecording {
  readonly lessonId: string;
  readonly tags: LibraryTags;
  readonly startMs: number;
  readonly dir: string;
  phase: RecordingPhase = 'recording';
  progress: number | null = null;
  readonly #tracks = new Map<string, TrackCapture>();
  readonly #pauses: Interval[] = [];
  readonly #verifier = new SegmentVerifier();
  readonly #state: StateFile<SavedLesson>;
  #nextTrackIndex = 0;
  #pausedSince: number | null = null;
  #endMs: number | null = null;
  /** Node URL → the lesson router's capabilities there, asked once per node. */
  readonly #rtpCapabilities = new Map<string, Promise<unknown>>();
  #scanTimer: NodeJS.Timeout;
  #pending = new Set<Promise<unknown>>();

  /**
   * A new recording, or — when an earlier recorder process died while recording this lesson into the same work
   * folder — that recording adopted: its runs are kept (their captures are killed if they outlived it), its taps at
   * the SFU closed, and each track continues in its own folder once it is added again.
   */
  static async open(deps: LessonRecordingDeps, lessonId: string, tags: LibraryTags, startMs: number): Promise<LessonRecording> {
    const dir = path.join(deps.workDir, lessonId);
    await mkdir(dir, { recursive: true });
    const restored = await restoreLesson(dir);
    if (restored) {
      await Promise.all(restored.tracks.flatMap((t) => t.runs.map((r) => r.stopOrphan())));
      // The dead process's taps still send to ports that new captures may be given, on whichever nodes they were.
      await closeTaps(deps.sfu, lessonId, restored.tracks.map((t) => t.track.sfuUrl));
      deps.log.warn({ tracks: restored.tracks.length, runs: restored.tracks.reduce((n, t) => n + t.runs.length, 0) }, 'recording adopted from an earlier recorder process');
    }
    const recording = new LessonRecording(deps, lessonId, tags, restored?.saved.startMs ?? startMs, restored);
    await recording.#saveState();
    return recording;
  }

  private constructor(
    private readonly deps: LessonRecordingDeps,
    lessonId: string,
    tags: LibraryTags,
    startMs: number,
    restored: RestoredLesson | undefined,
  ) {
    this.lessonId = lessonId;
    this.tags = tags;
    this.startMs = startMs;
    this.dir = path.join(deps.workDir, lessonId);
    this.#state = new StateFile(path.join(this.dir, LESSON_STATE_FILE));
    if (restored) {
      this.#pauses.push(...restored.saved.pauses);
      this.#pausedSince = restored.saved.pausedSince;
      if (this.#pausedSince !== null) this.phase = 'paused';
      for (const t of restored.tracks) {
        this.#tracks.set(t.track.producerId, new TrackCapture(this.#captureDeps(), t.track, this.dir, t.index, t));
        this.#nextTrackIndex = Math.max(this.#nextTrackIndex, t.index + 1);
      }
    }
    this.#scanTimer = setInterval(() => void this.#verifyFinishedSegments(), VERIFY_SCAN_MS);
  }

  status(): RecordingStatus {
    return { lessonId: this.lessonId, phase: this.phase, progress: this.progress, tracks: [...this.#tracks.values()].filter((t) => t.opened && !t.closed).length };
  }

  /** RPC URLs of the SFU nodes this lesson has open taps on. */
  nodesInUse(): string[] {
    return [...this.#tracks.values()].flatMap((t) => (t.nodeUrl && !t.closed ? [t.nodeUrl] : []));
  }

  /** ffmpeg capture processes running now (one per live track, none while paused or after stop). */
  captureProcesses(): number {
    let running = 0;
    for (const capture of this.#tracks.values()) running += capture.runs.filter((r) => r.exit === 'running').length;
    return running;
  }

  async addTrack(track: RecordingTrack): Promise<void> {
    this.#assertLive();
    const existing = this.#tracks.get(track.producerId);
    if (existing?.opened || existing?.closed) return;
    // A track adopted from an earlier recorder process (not opened yet) continues after its runs, in its own folder.
    const capture = existing ?? new TrackCapture(this.#captureDeps(), track, this.dir, this.#nextTrackIndex++);
    this.#tracks.set(track.producerId, capture);
    await this.#track(
      (async () => {
        try {
          // An adopted track stays on the node its saved state names: the producer has not moved.
          const node = await this.deps.sfu.node(capture.track.sfuUrl);
          let rtpCapabilities = this.#rtpCapabilities.get(node.url);
          if (!rtpCapabilities) {
            rtpCapabilities = node.client.call('router.ensure', { lessonId: this.lessonId }).then((r) => r.rtpCapabilities);
            rtpCapabilities.catch(() => this.#rtpCapabilities.delete(node.url));
            this.#rtpCapabilities.set(node.url, rtpCapabilities);
          }
          await capture.open(node, await rtpCapabilities);
        } catch (err) {
          if (!existing) this.#tracks.delete(track.producerId);
          await capture.close();
          throw err;
        }
        if (this.phase === 'paused') await capture.pause();
      })(),
    );
  }

  async removeTrack(producerId: string): Promise<void> {
    await this.#tracks.get(producerId)?.close();
  }

  /** The SFU closed a tap (its producer went away): that track's capture ends cleanly. */
  onConsumerClosed(consumerId: string): void {
    for (const capture of this.#tracks.values()) if (capture.consumerId === consumerId) void this.#track(capture.close());
  }

  /** The link to an SFU node dropped or came back: the taps there are marked lost, or checked again. */
  onNodeLink(url: string, up: boolean): void {
    for (const capture of this.#tracks.values()) {
      if (capture.nodeUrl !== url) continue;
      if (up) void this.#track(capture.nodeBack());
      else capture.nodeLost();
    }
  }

  async setPaused(paused: boolean): Promise<void> {
    this.#assertLive();
    if (paused === (this.phase === 'paused')) return;
    if (paused) {
      this.phase = 'paused';
      this.#pausedSince = Date.now();
      await this.#saveState();
      await Promise.all([...this.#tracks.values()].map((t) => t.pause()));
    } else {
      await Promise.all([...this.#tracks.values()].map((t) => t.resume()));
      this.#pauses.push({ fromMs: this.#pausedSince!, toMs: Date.now() });
      this.#pausedSince = null;
      this.phase = 'recording';
      await this.#saveState();
    }
  }

  /**
   * Lesson over: every capture stops cleanly (the caller waits for this, so media is still flowing while ffmpeg
   * closes its last segment), then `finalize` runs in the background.
   */
  async stop(endMs: number): Promise<void> {
    this.#assertLive();
    if (this.#pausedSince !== null) this.#pauses.push({ fromMs: this.#pausedSince, toMs: endMs });
    this.#pausedSince = null;
    this.#endMs = endMs;
    this.#setPhase('finalizing', 0);
    clearInterval(this.#scanTimer);
    await Promise.allSettled([...this.#pending]);
    await Promise.all([...this.#tracks.values()].map((t) => t.close()));
    await closeTaps(this.deps.sfu, this.lessonId, [...this.#tracks.values()].flatMap((t) => (t.nodeUrl ? [t.nodeUrl] : [])));
  }

  /**
   * Verified, published files; raw segments are deleted only once that has succeeded. `onPlayable` hears of the
   * master view and its HLS as soon as those are published, before the other angles and stage files.
   */
  async finalize(onPlayable?: (manifest: RecordingManifest) => void): Promise<RecordingManifest> {
    if (this.#endMs === null) throw new ClassroomError('INVALID_STATE', 'recording has not stopped');
    const manifest = await finalizeRecording({
      lessonId: this.lessonId,
      tags: this.tags,
      startMs: this.startMs,
      endMs: this.#endMs,
      pauses: this.#pauses,
      tracks: [...this.#tracks.values()],
      verifier: this.#verifier,
      store: this.deps.store,
      dir: this.dir,
      progress: (p) => this.#setPhase('finalizing', p),
      onPlayable,
      log: this.deps.log,
    });
    this.#setPhase('published', 1);
    await rm(this.dir, { recursive: true, force: true });
    return manifest;
  }

  fail(): void {
    this.#setPhase('failed', null);
  }

  /** Lesson abandoned (recorder shutting down): captures stop, raw segments stay for a later look. */
  async abort(): Promise<void> {
    clearInterval(this.#scanTimer);
    await Promise.allSettled([...this.#tracks.values()].map((t) => t.close()));
  }

  #captureDeps(): TrackCaptureDeps {
    const { ports, mediaIp, segmentSeconds, log } = this.deps;
    return { lessonId: this.lessonId, ports, mediaIp, segmentSeconds, log };
  }

  #saveState(): Promise<void> {
    return this.#state.save({ lessonId: this.lessonId, tags: this.tags, startMs: this.startMs, pauses: this.#pauses, pausedSince: this.#pausedSince });
  }

  #setPhase(phase: RecordingPhase, progress: number | null): void {
    this.phase = phase;
    this.progress = progress;
    this.deps.onProgress(this.lessonId, phase, progress);
  }

  #assertLive(): void {
    if (this.phase !== 'recording' && this.phase !== 'paused') throw new ClassroomError('INVALID_STATE', `recording is ${this.phase}`);
  }

  async #verifyFinishedSegments(): Promise<void> {
    for (const capture of this.#tracks.values()) {
      for (const run of capture.runs) {
        for (const seg of await run.segments()) if (!seg.partial) void this.#verifier.verify(seg.file);
      }
    }
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work)).catch(() => undefined);
    return work;
  }
}

/** Closes the recorder's peer for the lesson on the recorder's own SFU and each named node (its taps go with it). */
async function closeTaps(sfu: SfuNodes, lessonId: string, urls: (string | undefined)[]): Promise<void> {
  const nodes = await Promise.all([...new Set([undefined, ...urls])].map((url) => sfu.node(url).catch(() => undefined)));
  const unique = [...new Map(nodes.flatMap((n) => (n ? [[n.url, n] as const] : []))).values()];
  // A node that is gone took its taps with it.
  await Promise.all(unique.map((n) => n.client.call('participant.close', { lessonId, participantId: RECORDER_PEER_ID }).catch(() => undefined)));
}
