import { Device, types as ms } from 'mediasoup-client';
import {
  ClassroomError,
  type ClientRequestName,
  type DtlsParametersWire,
  type MediaSource,
  type Publication,
  type RequestOf,
  type ResponseOf,
  type RtpParametersWire,
  type WebRtcTransportInfo,
} from '@dualclass/protocol';

/**
 * The mediasoup side of one connected session: a Device, at most one send and one receive
 * transport, and the producers/consumers on them. A session is thrown away whole on disconnect
 * (the server has dropped its transports by then) and a new one built after the re-join; the
 * ownership cascade is mediasoup-client's own: closing a transport closes its producers/consumers.
 */

type DeviceOptions = Parameters<typeof Device.factory>[0];

export type RequestFn = <N extends ClientRequestName>(name: N, payload: RequestOf<N>) => Promise<ResponseOf<N>>;

/** Master camera: three simulcast layers (mediasoup style, no rids), 180p/360p/720p from 1280×720. */
export const CAMERA_SIMULCAST_ENCODINGS: ms.RtpEncodingParameters[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];

/**
 * Room cameras and students on stage: the same three layers at lower bitrates, for a shared county-school
 * uplink. The studio's wall only ever asks for the lowest one.
 */
export const ROOM_SIMULCAST_ENCODINGS: ms.RtpEncodingParameters[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 100_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 300_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 900_000 },
];

export type PublishProfile = 'studio' | 'room';

export interface ConsumedTrack {
  consumer: ms.Consumer;
  track: MediaStreamTrack;
}

/**
 * Server data crosses into mediasoup-client's types here. The protocol's zod schemas validated the
 * structure the SFU relies on (loose objects, extra fields kept); mediasoup-client checks the rest.
 */
function asMediasoup<T>(value: object): T {
  return value as T;
}

function toTransportOptions(info: WebRtcTransportInfo): ms.TransportOptions {
  return {
    id: info.id,
    iceParameters: asMediasoup<ms.IceParameters>(info.iceParameters),
    // mediasoup ≥ 3.12 names the candidate's IP `address`; 3.11 servers send only `ip`.
    iceCandidates: info.iceCandidates.map((c) =>
      asMediasoup<ms.IceCandidate>({ ...c, address: typeof c['address'] === 'string' ? c['address'] : c.ip }),
    ),
    dtlsParameters: asMediasoup<ms.DtlsParameters>(info.dtlsParameters),
    // TURN relays with time-limited credentials, when the server has them: the path out of networks that block UDP.
    ...(info.iceServers?.length ? { iceServers: info.iceServers } : {}),
  };
}

function toWire<T extends object>(value: object): T {
  return value as T;
}

export class MediaSession {
  readonly #request: RequestFn;
  #device: Device | undefined;
  #loading: Promise<Device> | undefined;
  #recv: Promise<ms.Transport> | undefined;
  #send: Promise<ms.Transport> | undefined;
  #sendTransport: ms.Transport | undefined;
  #recvTransport: ms.Transport | undefined;
  readonly #consumers = new Map<string, ms.Consumer>();
  readonly #producers = new Map<string, ms.Producer>();
  #closed = false;

  readonly #onTransportState: ((transportId: string, state: ms.ConnectionState) => void) | undefined;
  readonly #deviceOptions: DeviceOptions | undefined;

  /**
   * `onTransportState` hears every connection state change of both transports (ICE recovery, the quality display).
   * `deviceOptions` names the handler where mediasoup-client cannot detect one (headless WebRTC in Node).
   */
  constructor(request: RequestFn, onTransportState?: (transportId: string, state: ms.ConnectionState) => void, deviceOptions?: DeviceOptions) {
    this.#request = request;
    this.#onTransportState = onTransportState;
    this.#deviceOptions = deviceOptions;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get consumers(): ms.Consumer[] {
    return [...this.#consumers.values()];
  }

  get producers(): ms.Producer[] {
    return [...this.#producers.values()];
  }

  /** Loads the Device with the lesson router's capabilities (once). Lesson must be live. */
  load(): Promise<Device> {
    this.#loading ??= (async () => {
      const device = await Device.factory(this.#deviceOptions);
      const { rtpCapabilities } = await this.#request('media:getRouterRtpCapabilities', {});
      this.#assertOpen();
      await device.load({ routerRtpCapabilities: asMediasoup<ms.RtpCapabilities>(rtpCapabilities) });
      this.#device = device;
      return device;
    })();
    return this.#loading;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClassroomError('INVALID_STATE', 'media session closed');
  }

  async #createTransport(direction: 'send' | 'recv'): Promise<ms.Transport> {
    // The server-side transport does not need the Device: ask for both at once (saves a round trip on join).
    const [device, info] = await Promise.all([this.load(), this.#request('media:createTransport', { direction })]);
    this.#assertOpen();
    const options = toTransportOptions(info);
    const transport = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
    if (direction === 'send') this.#sendTransport = transport;
    else this.#recvTransport = transport;
    transport.on('connectionstatechange', (state) => {
      if (!this.#closed) this.#onTransportState?.(transport.id, state);
    });
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.#request('media:connectTransport', {
        transportId: transport.id,
        dtlsParameters: toWire<DtlsParametersWire>(dtlsParameters),
      }).then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        const source = appData['source'] as MediaSource;
        const label = String(appData['label']);
        this.#request('media:produce', {
          transportId: transport.id,
          kind,
          rtpParameters: toWire<RtpParametersWire>(rtpParameters),
          source,
          label,
        }).then(({ producerId }) => callback({ id: producerId }), errback);
      });
    }
    return transport;
  }

  /** ICE restart of one of this session's transports with fresh credentials from the SFU. */
  async restartIce(transportId: string): Promise<void> {
    const transport = [this.#sendTransport, this.#recvTransport].find((t) => t?.id === transportId && !t.closed);
    if (!transport) throw new ClassroomError('NOT_FOUND', 'transport closed');
    const { iceParameters } = await this.#request('media:restartIce', { transportId });
    this.#assertOpen();
    await transport.restartIce({ iceParameters: asMediasoup<ms.IceParameters>(iceParameters) });
  }

  /** The worst connection state of this session's transports ('new' before any exists). */
  get connectionState(): ms.ConnectionState {
    const order: ms.ConnectionState[] = ['failed', 'disconnected', 'closed', 'connecting', 'new', 'connected'];
    const states = [this.#sendTransport, this.#recvTransport].filter((t) => t !== undefined).map((t) => t.connectionState);
    return order.find((state) => states.includes(state)) ?? 'new';
  }

  recvTransport(): Promise<ms.Transport> {
    this.#recv ??= this.#createTransport('recv');
    return this.#recv;
  }

  sendTransport(): Promise<ms.Transport> {
    this.#send ??= this.#createTransport('send');
    return this.#send;
  }

  /**
   * Receives one publication: server-side consumer (created paused) and the local consumer. The
   * caller attaches the track, then calls resume() so no early keyframe is lost.
   */
  async consume(publication: Publication): Promise<ConsumedTrack> {
    const [device, transport] = await Promise.all([this.load(), this.recvTransport()]);
    const info = await this.#request('media:consume', {
      transportId: transport.id,
      producerId: publication.producerId,
      rtpCapabilities: toWire(device.rtpCapabilities),
    });
    this.#assertOpen();
    const consumer = await transport.consume({
      id: info.consumerId,
      producerId: info.producerId,
      kind: info.kind,
      rtpParameters: asMediasoup<ms.RtpParameters>(info.rtpParameters),
      // Same stream id for one participant's tracks lets the browser lip-sync their audio and video.
      streamId: publication.participantId,
      appData: { source: publication.source, participantId: publication.participantId },
    });
    this.#consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => this.#consumers.delete(consumer.id));
    return { consumer, track: consumer.track };
  }

  /**
   * Tell the server the consumer is attached; RTP starts flowing (and a keyframe is requested).
   * The preferred simulcast layer (clamped to what the publication has) is asked for alongside.
   */
  async resume(consumer: ms.Consumer, publication: Publication, options: { spatialLayer?: number | undefined } = {}): Promise<void> {
    const requests: Promise<unknown>[] = [this.#request('media:resumeConsumer', { consumerId: consumer.id })];
    if (consumer.kind === 'video' && options.spatialLayer !== undefined && publication.simulcastLayers > 1) {
      const spatialLayer = Math.min(options.spatialLayer, publication.simulcastLayers - 1);
      requests.push(this.#request('media:setPreferredLayers', { consumerId: consumer.id, spatialLayer }));
    }
    await Promise.all(requests);
  }

  async setPreferredLayer(consumerId: string, spatialLayer: number): Promise<void> {
    await this.#request('media:setPreferredLayers', { consumerId, spatialLayer });
  }

  /** Pauses or resumes both ends, so a track nobody looks at costs no bandwidth. */
  async setConsumerPaused(consumerId: string, paused: boolean): Promise<void> {
    const consumer = this.#consumers.get(consumerId);
    if (paused) consumer?.pause();
    await this.#request('media:setConsumerPaused', { consumerId, paused });
    if (!paused) consumer?.resume();
  }

  closeConsumer(consumerId: string): void {
    this.#consumers.get(consumerId)?.close();
    this.#consumers.delete(consumerId);
  }

  consumerForProducer(producerId: string): ms.Consumer | undefined {
    return this.consumers.find((c) => c.producerId === producerId);
  }

  consumer(consumerId: string): ms.Consumer | undefined {
    return this.#consumers.get(consumerId);
  }

  /**
   * Publishes a local track. Camera video goes out as 3-layer simulcast: H.264 from the studio (so the
   * recorder can write MP4/HLS without re-encoding), VP8 from rooms; tracks are not stopped when the producer
   * closes (the page owns them and re-publishes after a reconnect).
   */
  async produce(track: MediaStreamTrack, source: MediaSource, label: string, profile: PublishProfile = 'studio'): Promise<ms.Producer> {
    const device = await this.load();
    const transport = await this.sendTransport();
    const options: ms.ProducerOptions = { track, stopTracks: false, appData: { source, label } };
    if (track.kind === 'video' && source === 'camera') {
      options.encodings = (profile === 'room' ? ROOM_SIMULCAST_ENCODINGS : CAMERA_SIMULCAST_ENCODINGS).map((e) => ({ ...e }));
      options.codecOptions = { videoGoogleStartBitrate: profile === 'room' ? 300 : 1000 };
      const codecs = device.rtpCapabilities.codecs ?? [];
      const h264 = codecs.find((c) => c.mimeType.toLowerCase() === 'video/h264' && c.parameters?.['packetization-mode'] === 1);
      const vp8 = codecs.find((c) => c.mimeType.toLowerCase() === 'video/vp8');
      const codec = profile === 'studio' ? (h264 ?? vp8) : vp8;
      if (codec) options.codec = codec;
    }
    if (track.kind === 'audio') options.codecOptions = { opusFec: true, opusDtx: true };
    const producer = await transport.produce(options);
    this.#producers.set(producer.id, producer);
    producer.observer.once('close', () => this.#producers.delete(producer.id));
    return producer;
  }

  async closeProducer(producerId: string): Promise<void> {
    const producer = this.#producers.get(producerId);
    if (!producer) return;
    producer.close();
    this.#producers.delete(producerId);
    await this.#request('media:closeProducer', { producerId }).catch(() => undefined);
  }

  /** Closes a producer the server already closed (e.g. a student taken off stage): no request. */
  dropProducer(producerId: string): void {
    this.#producers.get(producerId)?.close();
    this.#producers.delete(producerId);
  }

  producer(producerId: string): ms.Producer | undefined {
    return this.#producers.get(producerId);
  }

  /** Raw stats of both transports (null where not created). */
  async transportStats(): Promise<{ send: RTCStatsReport | null; recv: RTCStatsReport | null }> {
    const send = this.#sendTransport && !this.#sendTransport.closed ? this.#sendTransport : undefined;
    const recv = this.#recvTransport && !this.#recvTransport.closed ? this.#recvTransport : undefined;
    const [sendReport, recvReport] = await Promise.all([
      send ? send.getStats().catch(() => null) : null,
      recv ? recv.getStats().catch(() => null) : null,
    ]);
    return { send: sendReport, recv: recvReport };
  }

  get hasSendTransport(): boolean {
    return this.#sendTransport !== undefined && !this.#sendTransport.closed;
  }

  /**
   * Inbound counters over every consumer, or only those receiving one participant's publications,
   * for the test hook and a diagnostics panel.
   */
  async inboundStats(participantId?: string): Promise<{ framesDecoded: number; audioPacketsReceived: number }> {
    let framesDecoded = 0;
    let audioPacketsReceived = 0;
    for (const consumer of this.consumers) {
      if (participantId !== undefined && consumer.appData['participantId'] !== participantId) continue;
      const report = await consumer.getStats().catch(() => undefined);
      report?.forEach((stat: { type?: string; kind?: string; framesDecoded?: number; packetsReceived?: number }) => {
        if (stat.type !== 'inbound-rtp') return;
        if (stat.kind === 'video') framesDecoded += stat.framesDecoded ?? 0;
        if (stat.kind === 'audio') audioPacketsReceived += stat.packetsReceived ?? 0;
      });
    }
    return { framesDecoded, audioPacketsReceived };
  }

  /** inbound-rtp `framesDecoded` of this session's consumer of one producer. */
  async framesDecodedOf(producerId: string): Promise<number> {
    let frames = 0;
    for (const consumer of this.consumers) {
      if (consumer.producerId !== producerId) continue;
      const report = await consumer.getStats().catch(() => undefined);
      report?.forEach((stat: { type?: string; framesDecoded?: number }) => {
        if (stat.type === 'inbound-rtp') frames += stat.framesDecoded ?? 0;
      });
    }
    return frames;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const pending of [this.#recv, this.#send]) {
      pending?.then((t) => t.close()).catch(() => undefined);
    }
    this.#consumers.clear();
    this.#producers.clear();
  }
}
