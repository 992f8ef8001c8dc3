import {
  ClassroomError,
  type Chapter,
  type Comment,
  type Lesson,
  type LibraryTags,
  type Publication,
  type RecordedTrackRole,
  type RecordingManifest,
  type RecordingPhase,
  type recorderService,
} from '@dualclass/protocol';
import type { RpcClient } from '@dualclass/protocol/rpc-client';
import type { Logger } from 'pino';
import type { LessonService } from '../lessons/lesson-service.ts';
import type { LiveLesson, LiveParticipant } from '../lessons/live-lesson.ts';
import type { Broadcaster } from '../realtime/broadcaster.ts';
import type { Timeline } from '../timeline/timeline.ts';
import { buildChapters, placeComments, playbackClock } from './chapters.ts';

export type RecorderClient = RpcClient<typeof recorderService.methods, typeof recorderService.notifications>;

/** What the coordinator needs of the resource library (signaling/src/library implements it). */
export interface RecordingLibrary {
  createRecordingEntry(lessonId: string, tags: LibraryTags): Promise<string>;
  setRecordingProgress(lessonId: string, status: 'recording' | 'processing', progress: number | null): Promise<void>;
  publishRecording(lessonId: string, manifest: RecordingManifest, chapters: Chapter[], comments: Comment[]): Promise<void>;
  failRecording(lessonId: string, reason: string): Promise<void>;
}

interface Recorded {
  lesson: Lesson;
  /** producerId → what the recorder was told to record. */
  tracks: Map<string, RecordedTrackRole>;
  /** Stage participants' names, for chapter titles after the lesson's live state is gone. */
  names: Map<string, string>;
  paused: boolean;
  ending: boolean;
  /** The lesson ended while the recorder was unreachable: `finish` is sent once the link is back. */
  finishPending: boolean;
  /** Changes are applied one at a time per lesson, in order. */
  queue: Promise<void>;
  /** Library writes for the playable and the complete manifest, in that order. */
  publishing?: Promise<void>;
}

function startParams(lesson: Lesson): { lessonId: string; tags: LibraryTags; startedAt: string } {
  const tags: LibraryTags = {
    title: lesson.title,
    description: '',
    subject: lesson.subject,
    grade: lesson.grade,
    teacherName: lesson.teacherName,
    school: lesson.school,
    knowledgePoints: lesson.knowledgePoints,
  };
  return { lessonId: lesson.id, tags, startedAt: lesson.startedAt ?? new Date().toISOString() };
}

/** The studio's angles and audio are always recorded; a classroom or student only while on stage to everyone. */
export function recordRole(owner: LiveParticipant, publication: Publication): RecordedTrackRole | undefined {
  if (owner.info.role === 'master_teacher') return publication.kind === 'video' ? 'angle' : 'audio';
  if (owner.info.onStage && publication.audience === 'all') return 'stage';
  return undefined;
}

/**
 * Drives the recorder from lesson events: start with the lesson, follow publications and the stage, pause and
 * resume for the master, finish when the lesson ends; and turns the recorder's result into a library entry with
 * chapters from the timeline and observer comments re-timed onto the recording.
 */
export class RecordingCoordinator {
  readonly #lessons = new Map<string, Recorded>();

  constructor(
    private readonly deps: {
      recorder: RecorderClient;
      lessons: LessonService;
      library: RecordingLibrary;
      timeline: Timeline;
      comments: { list(lessonId: string): Promise<Comment[]> };
      broadcast: Broadcaster;
      /** The RPC URL of the SFU node holding a producer, named to the recorder so it taps there (cluster). */
      producerUrl: (lessonId: string, producerId: string) => string | undefined;
      log: Logger;
    },
  ) {
    const { lessons, recorder } = deps;
    lessons.onLessonStart((lesson) => void this.#start(lesson));
    lessons.onMediaChange((live) => this.#sync(live));
    lessons.onLessonEnding((lesson) => this.#finish(lesson));
    recorder.on('recording.progress', ({ lessonId, phase, progress }) => {
      if (phase === 'finalizing') void this.#library((l) => l.setRecordingProgress(lessonId, 'processing', progress), lessonId);
    });
    recorder.on('recording.playable', ({ lessonId, manifest }) => void this.#publish(lessonId, manifest, false));
    recorder.on('recording.published', ({ lessonId, manifest }) => void this.#publish(lessonId, manifest, true));
    recorder.on('recording.failed', ({ lessonId, reason }) => {
      void this.#library((l) => l.failRecording(lessonId, reason), lessonId);
      this.#lessons.delete(lessonId);
    });
    recorder.onReconnected(() => this.#resume());
    lessons.onLessonRestored((lessonId) => void this.#adopt(lessonId));
  }

  /** The phase a joining participant should show. */
  phase(lessonId: string): RecordingPhase | 'off' {
    const recorded = this.#lessons.get(lessonId);
    if (!recorded) return 'off';
    if (recorded.ending) return 'finalizing';
    return recorded.paused ? 'paused' : 'recording';
  }

  async setPaused(lessonId: string, paused: boolean): Promise<void> {
    const recorded = this.#lessons.get(lessonId);
    if (!recorded || recorded.ending) throw new ClassroomError('INVALID_STATE', 'this lesson is not being recorded');
    await this.deps.recorder.call('recording.setPaused', { lessonId, paused });
    recorded.paused = paused;
    this.deps.broadcast.toLesson(lessonId, 'recording:state', { phase: paused ? 'paused' : 'recording' });
  }

  async #start(lesson: Lesson): Promise<void> {
    const recorded: Recorded = { lesson, tracks: new Map(), names: new Map(), paused: false, ending: false, finishPending: false, queue: Promise.resolve() };
    this.#lessons.set(lesson.id, recorded);
    try {
      const params = startParams(lesson);
      await this.deps.recorder.call('recording.start', params);
      await this.deps.library.createRecordingEntry(lesson.id, params.tags);
      this.deps.broadcast.toLesson(lesson.id, 'recording:state', { phase: 'recording' });
      const live = this.deps.lessons.registry.get(lesson.id);
      if (live) this.#sync(live);
    } catch (err) {
      // A lesson goes on without a recorder; the master sees the recording as off.
      this.#lessons.delete(lesson.id);
      this.deps.log.error({ err, lessonId: lesson.id }, 'recording could not start');
      this.deps.broadcast.toLesson(lesson.id, 'recording:state', { phase: 'off' });
    }
  }

  /**
   * The recorder link is back. The recorder may be a restarted process that knows nothing of our lessons: each
   * live one is started again with its pause state and every track, exactly as when recording began (a recorder
   * that kept running treats all of it as no-ops; a restarted one adopts its work folder and lists the gap), and
   * a lesson that ended meanwhile is finished. So is one that was being finalized when the link dropped, if the
   * recorder no longer knows it (it was restarted mid-finalize): its raw segments are still on disk, and finishing
   * again finalizes them, instead of leaving the library entry 'processing' for good.
   */
  #resume(): void {
    const { recorder } = this.deps;
    for (const [lessonId, recorded] of this.#lessons) {
      recorded.queue = recorded.queue.then(async () => {
        try {
          if (recorded.ending && !recorded.finishPending) {
            if (await this.#recorderKnows(lessonId)) return;
            recorded.finishPending = true;
            this.deps.log.warn({ lessonId }, 'recorder lost the recording while finalizing it; finishing it again');
          }
          await recorder.call('recording.start', startParams(recorded.lesson));
          if (recorded.finishPending) return await this.#sendFinish(recorded);
          if (recorded.paused) await recorder.call('recording.setPaused', { lessonId, paused: true });
          this.deps.log.info({ lessonId, tracks: recorded.tracks.size }, 'recording resumed on the recorder');
          recorded.tracks.clear();
          const live = this.deps.lessons.registry.get(lessonId);
          if (live) this.#sync(live);
        } catch (err) {
          this.#warn(err, lessonId, 'resume');
        }
      });
    }
  }

  /** Whether the recorder still has this lesson (any phase); a link that fails again counts as yes: retried next time. */
  async #recorderKnows(lessonId: string): Promise<boolean> {
    return this.deps.recorder.call('recording.status', { lessonId }).then(
      () => true,
      (err: unknown) => !(err instanceof ClassroomError && err.code === 'NOT_FOUND'),
    );
  }

  /**
   * This node took a live lesson over from another signaling node: if the recorder is recording it, carry on as
   * that node would have (tracks follow the lesson again; the recorder treats the ones it has as no-ops), so the
   * lesson's end still finishes and publishes the recording.
   */
  async #adopt(lessonId: string): Promise<void> {
    if (this.#lessons.has(lessonId)) return;
    const status = await this.deps.recorder.call('recording.status', { lessonId }).catch(() => undefined);
    if (!status || (status.phase !== 'recording' && status.phase !== 'paused')) return;
    const lesson = await this.deps.lessons.store.getLesson(lessonId).catch(() => undefined);
    if (!lesson || lesson.status !== 'live' || this.#lessons.has(lessonId)) return;
    const recorded: Recorded = { lesson, tracks: new Map(), names: new Map(), paused: status.phase === 'paused', ending: false, finishPending: false, queue: Promise.resolve() };
    this.#lessons.set(lessonId, recorded);
    this.deps.log.info({ lessonId, tracks: status.tracks }, 'recording adopted from the previous lesson owner');
    const live = this.deps.lessons.registry.get(lessonId);
    if (live) this.#sync(live);
  }

  /** Brings the recorder's track set in line with what the lesson now publishes. */
  #sync(live: LiveLesson): void {
    const recorded = this.#lessons.get(live.lessonId);
    if (!recorded || recorded.ending) return;
    const wanted = new Map<string, { owner: LiveParticipant; publication: Publication; role: RecordedTrackRole }>();
    for (const owner of live.participants) {
      for (const publication of owner.publications) {
        const role = recordRole(owner, publication);
        if (role) wanted.set(publication.producerId, { owner, publication, role });
      }
    }
    recorded.queue = recorded.queue.then(async () => {
      if (recorded.ending) return;
      const { recorder } = this.deps;
      const lessonId = live.lessonId;
      for (const producerId of [...recorded.tracks.keys()]) {
        if (wanted.has(producerId)) continue;
        recorded.tracks.delete(producerId);
        await recorder.call('recording.removeTrack', { lessonId, producerId }).catch((err: unknown) => this.#warn(err, lessonId, 'removeTrack'));
      }
      for (const [producerId, { owner, publication, role }] of wanted) {
        if (recorded.tracks.has(producerId)) continue;
        recorded.tracks.set(producerId, role);
        if (role === 'stage') recorded.names.set(owner.id, owner.info.displayName);
        const label = role === 'stage' ? owner.info.displayName : publication.label;
        const sfuUrl = this.deps.producerUrl(lessonId, producerId);
        const track = { producerId, participantId: owner.id, kind: publication.kind, role, label, ...(sfuUrl ? { sfuUrl } : {}) };
        await recorder
          .call('recording.addTrack', { lessonId, track })
          .catch((err: unknown) => {
            recorded.tracks.delete(producerId);
            this.#warn(err, lessonId, 'addTrack');
          });
      }
    });
  }

  async #finish(lesson: Lesson): Promise<void> {
    const recorded = this.#lessons.get(lesson.id);
    if (!recorded) return;
    await recorded.queue;
    recorded.ending = true;
    recorded.lesson = lesson;
    this.deps.broadcast.toLesson(lesson.id, 'recording:state', { phase: 'finalizing' });
    await this.#library((l) => l.setRecordingProgress(lesson.id, 'processing', 0), lesson.id);
    await this.#sendFinish(recorded);
  }

  async #sendFinish(recorded: Recorded): Promise<void> {
    const { lesson } = recorded;
    try {
      await this.deps.recorder.call('recording.finish', { lessonId: lesson.id, endedAt: lesson.endedAt ?? new Date().toISOString() }, { timeoutMs: 15_000 });
      recorded.finishPending = false;
    } catch (err) {
      if (!this.deps.recorder.connected) {
        // Its raw segments are on the recorder's disk: a restarted recorder adopts them when the link is back.
        recorded.finishPending = true;
        this.deps.log.warn({ lessonId: lesson.id }, 'recorder unreachable at lesson end; the recording is finished when it is back');
        return;
      }
      recorded.finishPending = false;
      this.#lessons.delete(lesson.id);
      await this.#library((l) => l.failRecording(lesson.id, 'the recorder could not finish the recording'), lesson.id);
      this.#warn(err, lesson.id, 'finish');
    }
  }

  /** Playable first (master view + HLS), then complete: the same entry, its files completed the second time. */
  async #publish(lessonId: string, manifest: RecordingManifest, complete: boolean): Promise<void> {
    const recorded = this.#lessons.get(lessonId);
    const previous = recorded?.publishing ?? Promise.resolve();
    if (recorded) recorded.publishing = previous.then(() => this.#publishNow(lessonId, manifest, recorded));
    else await this.#publishNow(lessonId, manifest, undefined);
    if (complete) {
      await recorded?.publishing;
      this.#lessons.delete(lessonId);
    }
  }

  async #publishNow(lessonId: string, manifest: RecordingManifest, recorded: Recorded | undefined): Promise<void> {
    const startedAt = recorded?.lesson.startedAt ?? manifest.startedAt;
    const toPlayback = playbackClock(manifest, startedAt);
    const [events, comments] = await Promise.all([this.deps.timeline.list(lessonId), this.deps.comments.list(lessonId)]);
    const chapters = buildChapters(events, toPlayback, recorded?.names ?? new Map());
    try {
      // Gaps, like chapters, are shown against the player's clock, which starts at the first media sample.
      const offset = manifest.playbackOffsetSeconds;
      const gaps = manifest.gaps.map((g) => ({ ...g, fromSeconds: Math.max(0, g.fromSeconds - offset), toSeconds: Math.max(0, g.toSeconds - offset) }));
      await this.deps.library.publishRecording(lessonId, { ...manifest, gaps }, chapters, placeComments(comments, toPlayback));
      this.deps.broadcast.toLesson(lessonId, 'recording:state', { phase: 'published' });
    } catch (err) {
      // The library refuses a manifest whose files it cannot find; the entry must not stay "processing" forever.
      this.deps.log.error({ err, lessonId }, 'library refused the recording');
      await this.#library((l) => l.failRecording(lessonId, 'the published files could not be registered'), lessonId);
      this.deps.broadcast.toLesson(lessonId, 'recording:state', { phase: 'failed' });
    }
  }

  async #library(fn: (library: RecordingLibrary) => Promise<void>, lessonId: string): Promise<void> {
    await fn(this.deps.library).catch((err: unknown) => this.deps.log.error({ err, lessonId }, 'library update failed'));
  }

  #warn(err: unknown, lessonId: string, step: string): void {
    this.deps.log.warn({ err, lessonId, step }, 'recorder call failed');
  }
}
