import type { Socket } from 'socket.io-client';
import type { IssueToken } from '@dualclass/protocol';
import { startStack, type Stack } from '../../infra/src/stack.ts';
import type { FanoutTarget } from '../lib/fanout-sweep.ts';
import { startSource, type MediaSource } from '../lib/media-source.ts';
import type { RtpSink } from '../lib/rtp-sink.ts';
import { joinPlainViewer } from './plain-viewer.ts';
import { mediasoupWorkerPids } from './worker-pids.ts';

// What the source stamps on the master's packets and the ingest is told to expect (plain RTP has no SDP).
const VIDEO = { payloadType: 96, ssrc: 0x33330000, ssrcs: [0x33330001, 0x33330002, 0x33330003] as [number, number, number] };
const AUDIO = { payloadType: 111, ssrc: 0x44440000 };
/*
 * The source forwards no RTCP sender reports, and mediasoup moves a viewer between simulcast layers only once it has
 * them; so a viewer's first layer is the one it keeps. Viewers join only after every rendition has been flowing long
 * enough for the SFU to count it (a score, and mediasoup's 2 s minimum activity), so each gets the layer it asks for.
 */
const SIMULCAST_SETTLE_MS = 4_000;
// Joins a few at a time: each is half a dozen signaling round trips, and the product answers them one by one.
const VIEWERS_AT_ONCE = 10;

export interface ViewerKind {
  role: Extract<IssueToken['role'], 'classroom_device' | 'student'>;
  /** The simulcast layer the viewer asks for; none keeps the SFU's default (the top one). */
  spatialLayer?: number;
}

export interface ProductTargetOptions {
  name: string;
  sfuWorkers: number;
  /** The master as three simulcast renditions (through the simulcast plain ingest) instead of one 720p stream. */
  simulcast: boolean;
  /** Who the n-th viewer (0-based) is. */
  viewer(index: number): ViewerKind;
}

/**
 * The product as a fan-out target: sfu-server and signaling as real processes (startStack, no recorder), a live lesson
 * made through the admin API, the master fed by the bench source into the REST plain ingest, and every viewer a
 * participant joining over socket.io with its own join token and receiving through a plain SRTP receiver aimed at the
 * sink. The measured processes are the sfu-server's mediasoup workers.
 */
export class ProductTarget implements FanoutTarget {
  readonly name: string;
  readonly #options: ProductTargetOptions;
  #stack: Stack | undefined;
  #source: MediaSource | undefined;
  #sockets: Socket[] = [];
  #lesson: { id: string; classroomId: string; videoProducerId: string; audioProducerId: string } | undefined;
  #viewers = 0;
  #latencyMeasured = false;

  constructor(options: ProductTargetOptions) {
    this.name = options.name;
    this.#options = options;
  }

  async start(): Promise<void> {
    const { sfuWorkers, simulcast } = this.#options;
    const startOnce = () => startStack({ sfuWorkers, recorder: false });
    // Everything but the SFU worker shares core 1 here; on a busy machine a service can miss its readiness deadline.
    this.#stack = await startOnce().catch((err: unknown) => {
      console.warn(`${this.name}: stack did not start (${err instanceof Error ? err.message : String(err)}); trying once more`);
      return startOnce();
    });
    const { admin } = this.#stack;
    const lesson = await admin.createLesson({ title: '扇出基准课' });
    const classroom = await admin.createClassroom({ name: '基准教室' });
    await admin.pairClassroom(lesson.id, classroom.id);
    await admin.startLesson(lesson.id);
    const video = simulcast ? { payloadType: VIDEO.payloadType, ssrcs: VIDEO.ssrcs } : { payloadType: VIDEO.payloadType, ssrc: VIDEO.ssrc };
    const ingest = await admin.createIngest(lesson.id, { label: '主讲机位', source: 'camera', video: { ...video, mimeType: 'video/VP8' }, audio: AUDIO });
    if (!ingest.audio) throw new Error('ingest created no audio port');
    this.#source = await startSource({
      video: { ip: ingest.video.ip, port: ingest.video.port, ...video },
      audio: { ip: ingest.audio.ip, port: ingest.audio.port, ...AUDIO },
    });
    this.#lesson = { id: lesson.id, classroomId: classroom.id, videoProducerId: ingest.video.producerId, audioProducerId: ingest.audio.producerId };
    if (simulcast) await new Promise((resolve) => setTimeout(resolve, SIMULCAST_SETTLE_MS));
  }

  async addViewers(count: number, sink: RtpSink): Promise<void> {
    const started = performance.now();
    for (let added = 0; added < count; added += VIEWERS_AT_ONCE) {
      const batch = Array.from({ length: Math.min(VIEWERS_AT_ONCE, count - added) }, () => this.#addViewer(this.#viewers++, sink));
      await Promise.all(batch);
    }
    console.log(`${this.name}: ${count} viewers joined and receiving in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }

  sfuPids(): number[] {
    return this.#stack?.sfu.child.pid ? mediasoupWorkerPids(this.#stack.sfu.child.pid) : [];
  }

  async stop(): Promise<void> {
    const [source, stack, sockets] = [this.#source, this.#stack, this.#sockets];
    this.#source = this.#stack = this.#lesson = undefined;
    this.#sockets = [];
    this.#viewers = 0;
    this.#latencyMeasured = false;
    try {
      await source?.stop();
    } finally {
      // The stack first: viewers leaving one by one would each be announced to all the others.
      await stack?.stop();
      for (const socket of sockets) socket.disconnect();
    }
  }

  async #addViewer(index: number, sink: RtpSink): Promise<void> {
    const stack = this.#stack;
    const lesson = this.#lesson;
    const source = this.#source;
    if (!stack || !lesson || !source) throw new Error(`${this.name}: addViewers before start`);
    const { role, spatialLayer } = this.#options.viewer(index);
    const join = async () => {
      const { token } = await stack.admin.issueToken(lesson.id, {
        role,
        displayName: `${role === 'student' ? '学生' : '教室'}${index + 1}`,
        ...(role === 'classroom_device' ? { classroomId: lesson.classroomId } : {}),
      });
      const plan = { token, videoProducerId: lesson.videoProducerId, audioProducerId: lesson.audioProducerId };
      return joinPlainViewer(stack.url, { ...plan, ...(spatialLayer !== undefined ? { spatialLayer } : {}) }, sink);
    };
    // Past its capacity a worker answers signaling late (its loop is busy with packets) and a join can time out;
    // one more try lets the step be measured as the failure it is instead of ending the sweep.
    const viewer = await join().catch((err: unknown) => {
      console.warn(`${this.name}: viewer ${index + 1} did not join (${err instanceof Error ? err.message : String(err)}); trying once more`);
      return join();
    });
    this.#sockets.push(viewer.socket);
    if (!this.#latencyMeasured) {
      this.#latencyMeasured = true;
      sink.measureLatency(source, viewer.audioPayloadType);
    }
  }
}
