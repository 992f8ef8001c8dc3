import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { RecordingTrack } from '@dualclass/protocol';
import { buildSdp, tapCodec, type TapCodec } from '../ffmpeg/sdp.ts';
import type { UdpPortPool } from '../ffmpeg/udp-ports.ts';
import type { CapturedRun } from '../finalize/finalize.ts';
import type { RestoredTrack } from '../recovery/restore.ts';
import { TRACK_STATE_FILE, type SavedTrack } from '../recovery/saved-state.ts';
import { StateFile } from '../recovery/state-file.ts';
import { CaptureRun } from './capture-run.ts';
import type { SfuNode } from './sfu-nodes.ts';

/** The SFU peer every recording tap of a lesson on a node belongs to; closing it closes all of them there. */
export const RECORDER_PEER_ID = 'recorder';

const RESTART_DELAYS_MS = [100, 500, 1_000, 2_000];
/** Why a tap delivered nothing more: the gap it leaves is listed with this reason. */
const NODE_LOST = 'SFU node lost';

export interface TrackCaptureDeps {
  lessonId: string;
  ports: UdpPortPool;
  mediaIp: string;
  segmentSeconds: number;
  log: Logger;
}

/**
 * One recorded producer: a plain RTP tap at the SFU node holding it, feeding a succession of ffmpeg runs. A run that
 * dies is restarted on the same ports (the tap never moves), and the stretch between runs becomes a listed gap.
 * Order matters (DESIGN.md §5): consumer created paused → ffmpeg started → ports bound → resume → keyframe,
 * and keyframes again every segment so video can be cut and a restarted run starts clean.
 */
export class TrackCapture {
  readonly track: RecordingTrack;
  readonly dir: string;
  /** Runs in order: an earlier recorder process's (adopted after a restart), then this process's. */
  readonly runs: CapturedRun[] = [];
  codec: TapCodec | undefined;
  /** Set when the tap's node went away for good: the track's media ends there, and the rest is a listed gap. */
  lost: string | undefined;
  #node: SfuNode | undefined;
  #current: CaptureRun | undefined;
  #nextRun = 0;
  #consumerId: string | undefined;
  #port: number | undefined;
  #sdpPath: string | undefined;
  #keyframeTimer: NodeJS.Timeout | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #restarts = 0;
  #active = false;
  #opened = false;
  #closed = false;

  constructor(
    private readonly deps: TrackCaptureDeps,
    track: RecordingTrack,
    lessonDir: string,
    index: number,
    restored?: Pick<RestoredTrack, 'codec' | 'runs' | 'nextRun'>,
  ) {
    this.track = track;
    this.dir = path.join(lessonDir, `track-${String(index).padStart(3, '0')}`);
    if (restored) {
      this.codec = restored.codec;
      this.runs.push(...restored.runs);
      this.#nextRun = restored.nextRun;
    }
  }

  get log(): TrackCaptureDeps['log'] {
    return this.deps.log;
  }

  get consumerId(): string | undefined {
    return this.#consumerId;
  }

  /** The RPC URL of the node the tap is on, once opened. */
  get nodeUrl(): string | undefined {
    return this.#node?.url;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** open() was called: a track adopted from an earlier recorder process has not been, until it is added again. */
  get opened(): boolean {
    return this.#opened;
  }

  /** Creates the tap on the node holding the producer and starts the first run. */
  async open(node: SfuNode, rtpCapabilities: unknown): Promise<void> {
    const { lessonId, ports, mediaIp } = this.deps;
    const sfu = node.client;
    this.#node = node;
    this.#opened = true;
    await mkdir(this.dir, { recursive: true });
    this.#port = await ports.acquire();
    const { transportId } = await sfu.call('transport.createPlainRecv', {
      lessonId,
      participantId: RECORDER_PEER_ID,
      remote: { ip: mediaIp, rtpPort: this.#port, rtcpPort: this.#port + 1 },
    });
    const consumer = await sfu.call('consumer.create', {
      lessonId,
      participantId: RECORDER_PEER_ID,
      transportId,
      producerId: this.track.producerId,
      rtpCapabilities: rtpCapabilities as never,
    });
    this.#consumerId = consumer.consumerId;
    this.codec = tapCodec(this.track.kind, consumer.rtpParameters);
    this.#sdpPath = path.join(this.dir, 'track.sdp');
    await writeFile(this.#sdpPath, buildSdp(this.codec, mediaIp, this.#port));
    // Raw material describes itself: for a restarted recorder adopting the folder, and for whoever looks at a
    // work folder a failed lesson left behind.
    // The node is kept as resolved, so a restarted recorder closes the old taps where they are.
    await new StateFile<SavedTrack>(path.join(this.dir, TRACK_STATE_FILE)).save({ lessonId, ...this.track, sfuUrl: node.url, codec: this.codec });
    await this.resume();
  }

  /** Starts a run and lets media flow into it. */
  async resume(): Promise<void> {
    if (this.#closed || this.#active) return;
    this.#active = true;
    await this.#startRun();
  }

  /** Ends the current run cleanly and stops the flow; a later resume() starts a new run. */
  async pause(): Promise<void> {
    if (!this.#active) return;
    this.#active = false;
    this.#stopKeyframes();
    clearTimeout(this.#restartTimer);
    // Stop while packets still flow, so ffmpeg notices at once and closes the last segment with what it has.
    await this.#current?.stop();
    await this.#pauseConsumer(true);
  }

  /** Final stop: the run is closed cleanly, the consumer released and the ports returned. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.pause();
    this.#closed = true;
    if (this.#consumerId) {
      await this.#node!.client
        .call('consumer.close', { lessonId: this.deps.lessonId, participantId: RECORDER_PEER_ID, consumerId: this.#consumerId })
        .catch(() => undefined); // already gone with its producer or the room
    }
    if (this.#port !== undefined) this.deps.ports.release(this.#port);
  }

  async #startRun(): Promise<void> {
    const run = new CaptureRun(path.join(this.dir, `run-${String(this.#nextRun++).padStart(3, '0')}`), (crashed, reason) =>
      this.#onCrash(crashed, reason),
    );
    await mkdir(run.dir, { recursive: true });
    this.runs.push(run);
    this.#current = run;
    await run.start(this.#sdpPath!, this.#port!, this.deps.segmentSeconds);
    await this.#pauseConsumer(false);
    if (this.track.kind === 'video') this.#startKeyframes();
  }

  #onCrash(run: CaptureRun, reason: string): void {
    this.deps.log.warn({ producerId: this.track.producerId, dir: run.dir, reason }, 'ffmpeg exited unexpectedly; restarting');
    this.#stopKeyframes();
    if (!this.#active || this.#closed) return;
    const delay = RESTART_DELAYS_MS[Math.min(this.#restarts++, RESTART_DELAYS_MS.length - 1)];
    this.#restartTimer = setTimeout(() => {
      if (!this.#active || this.#closed) return;
      this.#startRun().catch((err: unknown) => {
        this.deps.log.error({ err, producerId: this.track.producerId }, 'ffmpeg restart failed');
        this.#onCrash(this.#current!, 'restart failed');
      });
    }, delay);
  }

  async #pauseConsumer(paused: boolean): Promise<void> {
    await this.#setConsumerPaused(paused).catch((err: unknown) => this.deps.log.debug({ err, paused }, 'tap consumer state not changed'));
  }

  async #setConsumerPaused(paused: boolean): Promise<void> {
    if (!this.#consumerId) return;
    await this.#node!.client.call('consumer.setPaused', { lessonId: this.deps.lessonId, participantId: RECORDER_PEER_ID, consumerId: this.#consumerId, paused });
  }

  /**
   * The link to the tap's node dropped. The capture keeps listening (RTP does not travel over that link, and a
   * node that only blipped keeps sending); unless the tap is found again when the link is back, its media ends
   * here and the rest of the lesson is a listed gap.
   */
  nodeLost(): void {
    if (this.#opened && !this.#closed) this.lost = NODE_LOST;
  }

  /** The link to the tap's node is back: a node that kept running still has the tap, a restarted one does not. */
  async nodeBack(): Promise<void> {
    if (this.lost === undefined || this.#closed) return;
    try {
      await this.#setConsumerPaused(!this.#active);
      this.lost = undefined;
      this.deps.log.info({ producerId: this.track.producerId, node: this.nodeUrl }, 'tap still there after the SFU link came back');
    } catch (err) {
      this.deps.log.warn({ err, producerId: this.track.producerId, node: this.nodeUrl }, 'tap gone with its SFU node; the rest is listed as lost');
    }
  }

  // The first keyframe may be lost before the path is warm, so ask at once, again shortly, then every segment.
  #startKeyframes(): void {
    this.#stopKeyframes();
    const ask = () => {
      if (!this.#consumerId) return;
      const { lessonId } = this.deps;
      this.#node!.client.call('consumer.requestKeyFrame', { lessonId, participantId: RECORDER_PEER_ID, consumerId: this.#consumerId }).catch(() => undefined);
    };
    ask();
    setTimeout(ask, 300).unref();
    this.#keyframeTimer = setInterval(ask, this.deps.segmentSeconds * 1000);
  }

  #stopKeyframes(): void {
    clearInterval(this.#keyframeTimer);
    this.#keyframeTimer = undefined;
  }
}
