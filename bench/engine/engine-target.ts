import { withoutFeedbackExtensions } from '@dualclass/protocol';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { FanoutTarget } from '../lib/fanout-sweep.ts';
import { startSource, type MediaSource } from '../lib/media-source.ts';
import type { RtpSink } from '../lib/rtp-sink.ts';

const LISTEN_IP = { ip: '127.0.0.1' };
const MEDIA_CODECS: types.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48_000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90_000 },
];
// What the source forwarder stamps on the master's packets; a plain sender has no SDP, so both sides just agree.
const INGEST = {
  video: { payloadType: 96, ssrc: 0x11110000 },
  audio: { payloadType: 111, ssrc: 0x22220000 },
};
// Creating viewers a few at a time keeps the worker's channel busy without queueing hundreds of requests.
const VIEWERS_AT_ONCE = 10;

/**
 * The bare mediasoup engine, nothing of the product: one worker, one router, the master fed into comedia
 * PlainTransport producers (one per track, as the product ingests), and each viewer an SRTP PlainTransport sending
 * to the sink, consuming video and audio.
 */
export class EngineTarget implements FanoutTarget {
  readonly name = 'engine';
  #worker: types.Worker | undefined;
  #router: types.Router | undefined;
  #producers: types.Producer[] = [];
  #source: MediaSource | undefined;

  async start(sink: RtpSink): Promise<void> {
    const worker = await mediasoup.createWorker({ logLevel: 'warn' });
    this.#worker = worker;
    const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    this.#router = router;
    const video = await this.#ingest(router, 'video', { mimeType: 'video/VP8', clockRate: 90_000, payloadType: INGEST.video.payloadType, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }] }, INGEST.video.ssrc);
    const audio = await this.#ingest(router, 'audio', { mimeType: 'audio/opus', clockRate: 48_000, channels: 2, payloadType: INGEST.audio.payloadType }, INGEST.audio.ssrc);
    this.#source = await startSource({
      video: { ...LISTEN_IP, port: video.port, ...INGEST.video },
      audio: { ...LISTEN_IP, port: audio.port, ...INGEST.audio },
    });
    const opus = router.rtpCapabilities.codecs?.find((codec) => codec.mimeType.toLowerCase() === 'audio/opus');
    if (opus?.preferredPayloadType !== undefined) sink.measureLatency(this.#source, opus.preferredPayloadType);
  }

  async addViewers(count: number, sink: RtpSink): Promise<void> {
    for (let added = 0; added < count; added += VIEWERS_AT_ONCE) {
      await Promise.all(Array.from({ length: Math.min(VIEWERS_AT_ONCE, count - added) }, () => this.#addViewer(sink)));
    }
  }

  sfuPids(): number[] {
    return this.#worker ? [this.#worker.pid] : [];
  }

  async stop(): Promise<void> {
    const source = this.#source;
    this.#source = undefined;
    await source?.stop();
    const worker = this.#worker;
    this.#worker = undefined;
    this.#router = undefined;
    this.#producers = [];
    if (worker && !worker.closed) {
      const died = new Promise<void>((resolve) => worker.observer.once('close', () => resolve()));
      worker.close();
      await died;
    }
  }

  async #ingest(router: types.Router, kind: types.MediaKind, codec: types.RtpCodecParameters, ssrc: number): Promise<{ port: number }> {
    const transport = await router.createPlainTransport({ listenIp: LISTEN_IP, rtcpMux: true, comedia: true });
    this.#producers.push(await transport.produce({ kind, rtpParameters: { codecs: [codec], encodings: [{ ssrc }] } }));
    return { port: transport.tuple.localPort };
  }

  async #addViewer(sink: RtpSink): Promise<void> {
    const router = this.#router;
    if (!router) throw new Error('engine target not started');
    const transport = await router.createPlainTransport({
      listenIp: LISTEN_IP,
      rtcpMux: true,
      comedia: false,
      enableSrtp: true,
      srtpCryptoSuite: 'AES_CM_128_HMAC_SHA1_80',
    });
    await transport.connect({ ip: sink.address.ip, port: sink.address.port, srtpParameters: sink.srtpParameters });
    // The capabilities the product gives a plain receiver: a decoder box sends no transport-cc/abs-send-time feedback.
    const rtpCapabilities = withoutFeedbackExtensions(router.rtpCapabilities);
    for (const producer of this.#producers) {
      const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities, paused: true });
      await consumer.resume();
    }
  }
}
