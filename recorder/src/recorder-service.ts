import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { ClassroomError, type LibraryTags, type recorderService, type RecordingPhase, type RecordingStatus, type RpcNotification } from '@dualclass/protocol';
import type { RpcHandlers } from '@dualclass/protocol/rpc-server';
import type { FileStore } from './storage/file-store.ts';
import type { SfuNodes } from './capture/sfu-nodes.ts';
import { RECORDER_PEER_ID } from './capture/track-capture.ts';
import { LessonRecording, type LessonRecordingDeps } from './lesson-recording.ts';
import { UdpPortPool } from './ffmpeg/udp-ports.ts';
import type { RecorderConfig } from './config.ts';

type Notifications = typeof recorderService.notifications;
export type RecorderNotify = <N extends keyof Notifications & string>(name: N, data: RpcNotification<Notifications, N>) => void;

export interface RecorderServiceEvents {
  /** A lesson's finalize job ended: its files are published, or it failed and its raw segments are kept. */
  finalized: [{ lessonId: string; result: 'published' | 'failed'; seconds: number }];
}

/** Every lesson being recorded or finalized on this recorder, and the RPC handlers that drive them. */
export class RecorderService extends EventEmitter<RecorderServiceEvents> {
  readonly #lessons = new Map<string, LessonRecording>();
  // A start may adopt an earlier process's folder (async); a second start for the lesson meanwhile waits on it.
  readonly #opening = new Map<string, Promise<LessonRecording>>();
  readonly #ports: UdpPortPool;

  constructor(
    private readonly config: RecorderConfig,
    private readonly sfu: SfuNodes,
    private readonly store: FileStore,
    private readonly notify: RecorderNotify,
    private readonly log: Logger,
  ) {
    super();
    this.#ports = new UdpPortPool(config.mediaIp, config.minPort, config.maxPort);
    sfu.on('consumer.closed', ({ lessonId, participantId, consumerId }) => {
      if (participantId === RECORDER_PEER_ID) this.#lessons.get(lessonId)?.onConsumerClosed(consumerId);
    });
    sfu.on('lost', (url) => {
      this.log.warn({ node: url }, 'SFU node link lost');
      for (const lesson of this.#lessons.values()) lesson.onNodeLink(url, false);
      this.#pruneNodes();
    });
    sfu.on('back', (url) => {
      for (const lesson of this.#lessons.values()) lesson.onNodeLink(url, true);
    });
  }

  handlers(): RpcHandlers<typeof recorderService.methods> {
    return {
      'recording.start': async ({ lessonId, tags, startedAt }) => {
        const lesson = this.#lessons.get(lessonId) ?? (await this.#open(lessonId, tags, Date.parse(startedAt)));
        return lesson.status();
      },
      'recording.addTrack': async ({ lessonId, track }) => {
        await this.#lesson(lessonId).addTrack(track);
        return {};
      },
      'recording.removeTrack': async ({ lessonId, producerId }) => {
        await this.#lesson(lessonId).removeTrack(producerId);
        return {};
      },
      'recording.setPaused': async ({ lessonId, paused }) => {
        const lesson = this.#lesson(lessonId);
        await lesson.setPaused(paused);
        this.#onProgress(lessonId, lesson.phase, null);
        return lesson.status();
      },
      'recording.finish': async ({ lessonId, endedAt }) => {
        const lesson = this.#lesson(lessonId);
        await lesson.stop(Date.parse(endedAt));
        this.#pruneNodes();
        // The answer says capture has stopped and finalizing begun; the result comes as recording.published or .failed.
        const started = performance.now();
        const seconds = () => (performance.now() - started) / 1000;
        lesson.finalize((manifest) => this.notify('recording.playable', { lessonId, manifest })).then(
          (manifest) => {
            this.log.info({ lessonId, files: manifest.files.length, gaps: manifest.gaps.length }, 'recording published');
            this.emit('finalized', { lessonId, result: 'published', seconds: seconds() });
            this.notify('recording.published', { lessonId, manifest });
          },
          (err: unknown) => {
            lesson.fail();
            const reason = err instanceof ClassroomError ? err.message : 'finalizing failed';
            this.log.error({ err, lessonId }, 'recording failed; raw segments kept');
            this.emit('finalized', { lessonId, result: 'failed', seconds: seconds() });
            this.notify('recording.failed', { lessonId, reason });
          },
        );
        return lesson.status();
      },
      'recording.status': async ({ lessonId }) => this.#lesson(lessonId).status(),
    };
  }

  /** Every lesson this recorder has taken, in any phase. */
  recordings(): Iterable<LessonRecording> {
    return this.#lessons.values();
  }

  status(lessonId: string): RecordingStatus | undefined {
    return this.#lessons.get(lessonId)?.status();
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#lessons.values()].map((l) => l.abort()));
  }

  #open(lessonId: string, tags: LibraryTags, startMs: number): Promise<LessonRecording> {
    let opening = this.#opening.get(lessonId);
    if (!opening) {
      opening = this.#create(lessonId, tags, startMs).finally(() => this.#opening.delete(lessonId));
      this.#opening.set(lessonId, opening);
    }
    return opening;
  }

  async #create(lessonId: string, tags: LibraryTags, startMs: number): Promise<LessonRecording> {
    const deps: LessonRecordingDeps = {
      sfu: this.sfu,
      ports: this.#ports,
      store: this.store,
      workDir: this.config.workDir,
      mediaIp: this.config.mediaIp,
      segmentSeconds: this.config.segmentSeconds,
      log: this.log.child({ lessonId }),
      onProgress: (id, phase, progress) => this.#onProgress(id, phase, progress),
    };
    const lesson = await LessonRecording.open(deps, lessonId, tags, startMs);
    this.#lessons.set(lessonId, lesson);
    this.log.info({ lessonId }, 'recording started');
    return lesson;
  }

  /** Links to SFU nodes that are down are kept only while a tap there may still come back. */
  #pruneNodes(): void {
    this.sfu.prune(new Set([...this.#lessons.values()].flatMap((l) => l.nodesInUse())));
  }

  #lesson(lessonId: string): LessonRecording {
    const lesson = this.#lessons.get(lessonId);
    if (!lesson) throw new ClassroomError('NOT_FOUND', 'no recording for this lesson');
    return lesson;
  }

  #onProgress(lessonId: string, phase: RecordingPhase, progress: number | null): void {
    this.notify('recording.progress', { lessonId, phase, progress });
  }
}
