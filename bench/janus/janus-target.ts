import type { FanoutTarget } from '../lib/fanout-sweep.ts';
import { startSource, type MediaSource } from '../lib/media-source.ts';
import type { RtpSink } from '../lib/rtp-sink.ts';
import { attachPlugin, janusVersion, type JanusHandle } from './janus-api.ts';
import { startJanus, type JanusServer } from './janus-server.ts';
import { addRemotePublisher, createRoom, midOf, rtpForward, type RemotePublisher, type RemoteStream } from './videoroom.ts';

const ROOM = 1234;
const AUDIO: RemoteStream = { type: 'audio', mindex: 0, codec: 'opus' };
const VIDEO: RemoteStream = { type: 'video', mindex: 1, codec: 'vp8' };
// Payload types on the wire; forwarders keep them, so the sink times audio by this one.
const AUDIO_PT = 111;
const VIDEO_PT = 96;
// Janus core RTP range (ICE; unused here). The VideoRoom 1.1 picks the remote publisher port itself, from 10000 up.
const RTP_PORT_RANGE: [number, number] = [46000, 46999];
// Each forwarder writes its own SSRC, so the sink counts every viewer's streams apart. The count runs on across
// restarts (the sweep's refinement starts afresh into the same sink), so a new forwarder never reuses an SSRC whose
// sequence numbers the sink already tracks.
const FIRST_VIEWER_SSRC = 0x4a000000;
// Where runSweep pins SFU processes; Janus starts there so threads it creates later never run elsewhere.
const SFU_CORE = 0;

/**
 * Janus VideoRoom as a fan-out target: the master is a remote publisher fed with the harness's plain RTP; a viewer
 * is one SRTP RTP forwarder of its audio and one of its video to the sink.
 */
export class JanusTarget implements FanoutTarget {
  readonly name = 'janus';
  /** Janus's version string, known once started. */
  version = 'unknown';

  #janus: JanusServer | undefined;
  #handle: JanusHandle | undefined;
  #publisher: RemotePublisher | undefined;
  #source: MediaSource | undefined;
  #viewers = 0;

  async start(sink: RtpSink): Promise<void> {
    this.#janus = await startJanus({ core: SFU_CORE, rtpPortRange: RTP_PORT_RANGE });
    await this.#withLog(async (janus) => {
      this.version = await janusVersion(janus.apiUrl);
      this.#handle = await attachPlugin(janus.apiUrl, 'janus.plugin.videoroom');
      await createRoom(this.#handle, ROOM);
      this.#publisher = await addRemotePublisher(this.#handle, ROOM, '127.0.0.1', [AUDIO, VIDEO]);
      const { ip, port } = this.#publisher;
      this.#source = await startSource({
        video: { ip, port, payloadType: VIDEO_PT, ssrc: this.#publisher.ssrcOf(VIDEO) },
        audio: { ip, port, payloadType: AUDIO_PT, ssrc: this.#publisher.ssrcOf(AUDIO) },
      });
      sink.measureLatency(this.#source, AUDIO_PT);
    });
  }

  async addViewers(count: number, sink: RtpSink): Promise<void> {
    const handle = this.#handle;
    const publisher = this.#publisher;
    if (!handle || !publisher) throw new Error('janus target: addViewers before start');
    const key = sink.srtpParameters.keyBase64;
    await this.#withLog(async () => {
      for (let i = 0; i < count; i++) {
        const ssrc = FIRST_VIEWER_SSRC + 2 * this.#viewers;
        await rtpForward(handle, ROOM, publisher.id, sink.address.ip, key, [
          { mid: midOf(AUDIO), port: sink.address.port, ssrc },
          { mid: midOf(VIDEO), port: sink.address.port, ssrc: ssrc + 1 },
        ]);
        this.#viewers++;
      }
    });
  }

  sfuPids(): number[] {
    return this.#janus ? [this.#janus.pid] : [];
  }

  async stop(): Promise<void> {
    const source = this.#source;
    const handle = this.#handle;
    const janus = this.#janus;
    this.#source = this.#handle = this.#publisher = this.#janus = undefined;
    try {
      await source?.stop();
      await handle?.close().catch(() => undefined); // Janus is killed next anyway
    } finally {
      await janus?.stop();
    }
  }

  /** Runs `work` against the running Janus; a failure carries the tail of Janus's log. */
  async #withLog(work: (janus: JanusServer) => Promise<void>): Promise<void> {
    const janus = this.#janus;
    if (!janus) throw new Error('janus target: not started');
    try {
      await work(janus);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- janus log (tail) ---\n${janus.logTail()}`, { cause: err });
    }
  }
}
