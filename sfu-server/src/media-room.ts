import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import {
  ClassroomError,
  type ConsumerInfo,
  type DtlsParametersWire,
  type MediaKind,
  type RtpCapabilitiesWire,
  type RtpParametersWire,
  type SfuNotification,
  type SfuNotificationName,
  type SrtpParametersWire,
  type TransportDirection,
  type WebRtcTransportInfo,
} from '@dualclass/protocol';
import type { Logger } from 'pino';
import { PipeLinks } from './pipe-links.ts';
import { highestTemporalLayer, ingestRtpParameters, kindOfMimeType, spatialLayerCount, type IngestTrack } from './codecs.ts';

export type Notify = <N extends SfuNotificationName>(name: N, data: SfuNotification<N>) => void;

export interface TransportSettings {
  listenIp: string;
  announcedIp: string | undefined;
  /** Per-participant cap on a receive transport (bit/s); unset leaves it to the bandwidth estimate. */
  maxOutgoingBitrate?: number;
  /**
   * Producers made here (cameras, ingest) wait this long (ms) before asking their sender for another keyframe: every
   * keyframe request of a lesson's viewers (resume, layer switch, the receiver's own PLI, the recorder) goes through
   * the producer, so this bounds what a join storm costs the master's encoder, per simulcast stream.
   */
  keyFrameRequestDelayMs?: number;
}

export type PeerPlacement = { router: types.Router; release(): void };

export interface MediaRoomOptions {
  lessonId: string;
  /** The lesson's first router: cascades to other nodes attach here. */
  router: types.Router;
  /** A router for one more participant of this lesson, on the least-busy worker (worker-pool.ts). */
  placePeer(): Promise<PeerPlacement>;
  transport: TransportSettings;
  notify: Notify;
  log: Logger;
}

export interface IngestEndpoint {
  producerId: string;
  kind: MediaKind;
  ip: string;
  port: number;
  simulcastLayers: number;
}

/**
 * Where a plain receive transport sends: RTCP on its own port (ffmpeg) or muxed when `rtcpPort` is absent; SRTP with
 * the receiver's key when `srtpParameters` is given (a classroom decoder box).
 */
export interface PlainRecvRemote {
  ip: string;
  rtpPort: number;
  rtcpPort?: number | undefined;
  srtpParameters?: SrtpParametersWire | undefined;
}

// Starting estimate before congestion control has measured the path; 1 Mbit/s gets a classroom a usable first
// picture on a shared school uplink without bursting it.
const INITIAL_OUTGOING_BITRATE = 1_000_000;

/*
 * Wire shapes are validated structurally by the protocol schemas and in full by mediasoup itself (ortc
 * validation), so handing them over is a boundary, not a trust decision. These casts are the only place
 * a wire shape becomes a mediasoup shape.
 */
const toRtpParameters = (p: RtpParametersWire) => p as types.RtpParameters;
const toRtpCapabilities = (c: RtpCapabilitiesWire) => c as types.RtpCapabilities;
const toDtlsParameters = (d: DtlsParametersWire) => d as types.DtlsParameters;
const toSrtpParameters = (s: SrtpParametersWire) => s as types.SrtpParameters;

/**
 * Offer the SHA-256 fingerprint only: it is what browsers verify (RFC 8827 makes it mandatory to implement),
 * SHA-1 is weak, and one fingerprint keeps the signaling message small.
 */
function offeredDtlsParameters(dtls: types.DtlsParameters): types.DtlsParameters {
  const sha256 = dtls.fingerprints.filter((f) => f.algorithm === 'sha-256');
  return { ...dtls, fingerprints: sha256.length > 0 ? sha256 : dtls.fingerprints };
}

const notFound = (what: string) => new ClassroomError('NOT_FOUND', `${what} not found`);

export interface MediaRoomEvents {
  close: [reason: string];
}

/**
 * One lesson's media: a router and the media of each participant in it. Mirrors mediasoup's tree one level up:
 * MediaRoom → PeerMedia → transports/producers/consumers, with an idempotent close that cascades downward.
 */
export class MediaRoom extends EventEmitter<MediaRoomEvents> {
  readonly lessonId: string;
  readonly router: types.Router;
  /** Links to this lesson's routers on other SFU nodes. */
  readonly pipes: PipeLinks;
  readonly #options: MediaRoomOptions;
  readonly #peers = new Map<string, PeerMedia>();
  /** Every router of the lesson on this node (one per worker its participants are on). */
  readonly #routers = new Set<types.Router>();
  /** The router each producer lives on; consumers on other routers get it through pipeToRouter. */
  readonly #producerRouters = new Map<string, types.Router>();
  readonly #piping = new Map<string, Promise<void>>();
  #closed = false;

  constructor(options: MediaRoomOptions) {
    super();
    this.#options = options;
    this.lessonId = options.lessonId;
    this.router = options.router;
    this.pipes = new PipeLinks(
      options.router,
      { ip: options.transport.listenIp, announcedIp: options.transport.announcedIp },
      (producer) => this.registerProducer(producer, options.router),
      options.log,
    );
    this.#adoptRouter(this.router);
  }

  /** A worker death closes its router underneath us; the whole room follows so nothing keeps a dead router. */
  #adoptRouter(router: types.Router): void {
    if (this.#routers.has(router)) return;
    this.#routers.add(router);
    router.observer.once('close', () => this.close('media router closed'));
  }

  /** Where a new participant's media goes: spreading a lesson over the node's workers. */
  async placePeer(): Promise<PeerPlacement> {
    const placement = await this.#options.placePeer();
    if (this.#closed) {
      placement.release();
      throw new ClassroomError('NOT_FOUND', 'media room not found');
    }
    this.#adoptRouter(placement.router);
    return placement;
  }

  /** Notes which router a producer lives on (its owner's, or the first for producers cascaded from another node). */
  registerProducer(producer: types.Producer, router: types.Router): void {
    this.#producerRouters.set(producer.id, router);
    producer.observer.once('close', () => {
      this.#producerRouters.delete(producer.id);
      for (const key of this.#piping.keys()) if (key.startsWith(`${producer.id}/`)) this.#piping.delete(key);
    });
  }

  /**
   * Makes a producer consumable on `router`: nothing to do where it lives, else mediasoup's pipeToRouter between
   * the two workers (once per producer and router; pause, resume and close follow by themselves).
   */
  async ensureProducerOn(producerId: string, router: types.Router): Promise<void> {
    const source = this.#producerRouters.get(producerId);
    if (!source || source === router) return;
    const key = `${producerId}/${router.id}`;
    let pending = this.#piping.get(key);
    if (!pending) {
      pending = source.pipeToRouter({ producerId, router }).then(
        () => undefined,
        (err: unknown) => {
          this.#piping.delete(key);
          throw err;
        },
      );
      this.#piping.set(key, pending);
    }
    await pending;
  }

  get id(): string {
    return this.lessonId;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get rtpCapabilities(): types.RtpCapabilities {
    return this.router.rtpCapabilities;
  }

  /**
   * Whether per-object close notifications should go out. When the whole room goes (lesson ended, worker died),
   * one `router.closed` or the caller's own request covers it; a flood of per-consumer notices would not help.
   */
  get reportsCloses(): boolean {
    if (this.#closed) return false;
    for (const router of this.#routers) if (router.closed) return false;
    return true;
  }

  get settings(): TransportSettings {
    return this.#options.transport;
  }

  get log(): Logger {
    return this.#options.log;
  }

  notify: Notify = (name, data) => {
    if (this.reportsCloses) this.#options.notify(name, data);
  };

  /** A participant's media, created on first use: only media-creating calls use this. */
  peer(participantId: string): PeerMedia {
    if (this.#closed) throw new ClassroomError('NOT_FOUND', 'media room not found');
    let peer = this.#peers.get(participantId);
    if (!peer) {
      peer = new PeerMedia(this, participantId);
      this.#peers.set(participantId, peer);
      const created = peer;
      created.once('close', () => {
        if (this.#peers.get(participantId) === created) this.#peers.delete(participantId);
      });
    }
    return peer;
  }

  /** A participant that already has media; calls that name existing objects go through here. */
  existingPeer(participantId: string): PeerMedia {
    const peer = this.#peers.get(participantId);
    if (!peer) throw notFound('participant media');
    return peer;
  }

  hasPeer(participantId: string): boolean {
    return this.#peers.has(participantId);
  }

  /**
   * Any producer in this room, whoever owns it, or received from another node: every participant of a lesson may
   * consume its publications.
   */
  findProducer(producerId: string): types.Producer | undefined {
    for (const peer of this.#peers.values()) {
      const producer = peer.findProducer(producerId);
      if (producer) return producer;
    }
    return this.pipes.received(producerId);
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of this.#peers.values()) peer.close(reason);
    this.#peers.clear();
    for (const router of this.#routers) router.close();
    this.emit('close', reason);
  }
}

interface PeerMediaEvents {
  close: [reason: string];
}

type OwnedTransport =
  | { kind: 'webrtc'; transport: types.WebRtcTransport; direction: TransportDirection }
  // The SFU sends to a fixed address: a recording tap (the recorder's ffmpeg) or a classroom decoder box.
  | { kind: 'plain'; transport: types.PlainTransport; direction: 'recv' };

/** One participant's media objects in a room. Every lookup is scoped here, which is what enforces ownership. */
export class PeerMedia extends EventEmitter<PeerMediaEvents> {
  readonly room: MediaRoom;
  readonly participantId: string;
  readonly #transports = new Map<string, OwnedTransport>();
  readonly #ingestTransports = new Set<types.PlainTransport>();
  readonly #producers = new Map<string, types.Producer>();
  readonly #consumers = new Map<string, types.Consumer>();
  /** The router (worker) this participant's media is on, chosen at its first transport. */
  #placement: Promise<PeerPlacement> | undefined;
  #router: types.Router | undefined;
  #closed = false;
  #closeReason: string | undefined;

  constructor(room: MediaRoom, participantId: string) {
    super();
    this.room = room;
    this.participantId = participantId;
  }

  get id(): string {
    return this.participantId;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async #placedRouter(): Promise<types.Router> {
    this.#placement ??= this.room.placePeer();
    const { router } = await this.#placement;
    this.#router = router;
    return router;
  }

  async createWebRtcTransport(direction: TransportDirection): Promise<WebRtcTransportInfo> {
    const { listenIp, announcedIp } = this.room.settings;
    const router = await this.#placedRouter();
    const transport = await this.#media(() =>
      router.createWebRtcTransport({
        listenIps: [{ ip: listenIp, announcedIp }],
        enableUdp: true,
        enableTcp: true,
        preferUdp: true,
        initialAvailableOutgoingBitrate: INITIAL_OUTGOING_BITRATE,
        appData: { participantId: this.participantId, direction },
      }),
    );
    this.#adopt(transport);
    this.#transports.set(transport.id, { kind: 'webrtc', transport, direction });
    const cap = this.room.settings.maxOutgoingBitrate;
    if (direction === 'recv' && cap) await this.#media(() => transport.setMaxOutgoingBitrate(cap));
    transport.observer.once('close', () => this.#transports.delete(transport.id));
    // A DTLS failure or close alert is final for this transport; closing it tells consumers' owners promptly
    // instead of leaving dead consumers until the participant leaves.
    transport.on('dtlsstatechange', (state) => {
      if (state !== 'failed' && state !== 'closed') return;
      this.room.log.info({ participantId: this.participantId, transportId: transport.id, state }, 'dtls ended, closing transport');
      transport.close();
    });
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: offeredDtlsParameters(transport.dtlsParameters),
    };
  }

  /**
   * A plain RTP recv transport that sends to `remote` (no comedia): how the recorder taps a producer into ffmpeg and
   * how a classroom decoder box receives SRTP without WebRTC. Consumers on it are created with `consume` like any
   * other. With SRTP, the SFU's own key comes back for the receiver to decrypt with.
   */
  async createPlainRecvTransport(remote: PlainRecvRemote): Promise<{ transportId: string; srtpParameters?: SrtpParametersWire }> {
    const { listenIp, announcedIp } = this.room.settings;
    const srtp = remote.srtpParameters && toSrtpParameters(remote.srtpParameters);
    const router = await this.#placedRouter();
    const transport = await this.#media(
      () =>
        router.createPlainTransport({
          listenIp: { ip: listenIp, announcedIp },
          rtcpMux: remote.rtcpPort === undefined,
          comedia: false,
          enableSrtp: srtp !== undefined,
          ...(srtp && { srtpCryptoSuite: srtp.cryptoSuite }),
          appData: { participantId: this.participantId, direction: 'recv' },
        }),
      'plain transport refused',
    );
    this.#adopt(transport);
    this.#transports.set(transport.id, { kind: 'plain', transport, direction: 'recv' });
    transport.observer.once('close', () => this.#transports.delete(transport.id));
    try {
      await this.#media(
        () =>
          transport.connect({
            ip: remote.ip,
            port: remote.rtpPort,
            ...(remote.rtcpPort !== undefined && { rtcpPort: remote.rtcpPort }),
            ...(srtp && { srtpParameters: srtp }),
          }),
        'remote address rejected',
      );
    } catch (err) {
      transport.close();
      throw err;
    }
    const local = transport.srtpParameters;
    return { transportId: transport.id, ...(local && { srtpParameters: local }) };
  }

  async connectTransport(transportId: string, dtlsParameters: DtlsParametersWire): Promise<void> {
    const transport = this.#webRtcTransport(transportId);
    await this.#media(() => transport.connect({ dtlsParameters: toDtlsParameters(dtlsParameters) }), 'dtlsParameters rejected');
  }

  /** New ICE credentials; DTLS and every producer and consumer on the transport stay as they are. */
  async restartIce(transportId: string): Promise<{ iceParameters: WebRtcTransportInfo['iceParameters'] }> {
    const transport = this.#webRtcTransport(transportId);
    const iceParameters = await this.#media(() => transport.restartIce());
    this.room.log.info({ participantId: this.participantId, transportId }, 'ice restarted');
    return { iceParameters };
  }

  #webRtcTransport(transportId: string): types.WebRtcTransport {
    const owned = this.#transport(transportId);
    if (owned.kind !== 'webrtc') throw new ClassroomError('BAD_REQUEST', 'not a WebRTC transport');
    return owned.transport;
  }

  async produce(
    transportId: string,
    kind: MediaKind,
    rtpParameters: RtpParametersWire,
  ): Promise<{ producerId: string; simulcastLayers: number }> {
    const owned = this.#transport(transportId);
    if (owned.kind !== 'webrtc' || owned.direction !== 'send') throw new ClassroomError('BAD_REQUEST', 'transport is not a send transport');
    const { transport } = owned;
    const producer = await this.#media(
      () =>
        transport.produce({
          kind,
          rtpParameters: toRtpParameters(rtpParameters),
          keyFrameRequestDelay: this.room.settings.keyFrameRequestDelayMs,
          appData: { participantId: this.participantId },
        }),
      'rtpParameters rejected',
    );
    this.#adopt(producer);
    this.#trackProducer(producer);
    return { producerId: producer.id, simulcastLayers: spatialLayerCount(producer.rtpParameters) };
  }

  /**
   * Plain-RTP ingest: one comedia PlainTransport per track, so the SFU learns each sender's address from its
   * first packet and a studio encoder needs no SDP. Each producer takes its transport down with it.
   */
  async createPlainIngest(tracks: IngestTrack[]): Promise<IngestEndpoint[]> {
    for (const track of tracks) {
      if (kindOfMimeType(track.mimeType) !== track.kind) {
        throw new ClassroomError('BAD_REQUEST', `track kind ${track.kind} does not match ${track.mimeType}`);
      }
    }
    const { listenIp, announcedIp } = this.room.settings;
    const router = await this.#placedRouter();
    const created: types.PlainTransport[] = [];
    try {
      const endpoints: IngestEndpoint[] = [];
      for (const track of tracks) {
        const transport = await this.#media(() =>
          router.createPlainTransport({
            listenIp: { ip: listenIp, announcedIp },
            rtcpMux: true,
            comedia: true,
            appData: { participantId: this.participantId, ingest: true },
          }),
        );
        created.push(transport);
        this.#adopt(transport);
        this.#ingestTransports.add(transport);
        transport.observer.once('close', () => this.#ingestTransports.delete(transport));
        const producer = await this.#media(
          () =>
            transport.produce({
              kind: track.kind,
              rtpParameters: ingestRtpParameters(track),
              keyFrameRequestDelay: this.room.settings.keyFrameRequestDelayMs,
              appData: { participantId: this.participantId },
            }),
          'ingest track rejected',
        );
        this.#adopt(producer);
        this.#trackProducer(producer);
        producer.observer.once('close', () => transport.close());
        endpoints.push({
          producerId: producer.id,
          kind: track.kind,
          ip: announcedIp ?? transport.tuple.localIp,
          port: transport.tuple.localPort,
          simulcastLayers: spatialLayerCount(producer.rtpParameters),
        });
      }
      return endpoints;
    } catch (err) {
      // All tracks or none: a half-created ingest would leave the encoder pointed at missing ports.
      for (const transport of created) transport.close();
      throw err;
    }
  }

  closeProducer(producerId: string): void {
    const producer = this.#producers.get(producerId);
    if (!producer) throw notFound('producer');
    producer.close();
  }

  findProducer(producerId: string): types.Producer | undefined {
    return this.#producers.get(producerId);
  }

  async setProducerPaused(producerId: string, paused: boolean): Promise<void> {
    const producer = this.producer(producerId);
    await this.#media(() => (paused ? producer.pause() : producer.resume()));
  }

  /** Own producer by id, NOT_FOUND otherwise; for stats and tests. */
  producer(producerId: string): types.Producer {
    const producer = this.#producers.get(producerId);
    if (!producer) throw notFound('producer');
    return producer;
  }

  async consume(transportId: string, producerId: string, rtpCapabilities: RtpCapabilitiesWire, priority?: number): Promise<ConsumerInfo> {
    const { transport, direction } = this.#transport(transportId);
    if (direction !== 'recv') throw new ClassroomError('BAD_REQUEST', 'transport is not a recv transport');
    const producer = this.room.findProducer(producerId);
    if (!producer) throw notFound('producer');
    const router = await this.#placedRouter();
    await this.#media(() => this.room.ensureProducerOn(producerId, router));
    const capabilities = toRtpCapabilities(rtpCapabilities);
    if (!router.canConsume({ producerId, rtpCapabilities: capabilities })) {
      throw new ClassroomError('BAD_REQUEST', 'rtpCapabilities cannot receive this producer');
    }
    // Always paused: the client resumes once its consumer is wired to a track, so no early keyframe is lost.
    const consumer = await this.#media(
      () => transport.consume({ producerId, rtpCapabilities: capabilities, paused: true, appData: { participantId: this.participantId } }),
      'consumer rejected',
    );
    this.#adopt(consumer);
    this.#trackConsumer(consumer);
    // When a viewer's link cannot carry everything, mediasoup gives its bitrate to higher-priority consumers first.
    if (priority !== undefined) await this.#media(() => consumer.setPriority(priority));
    return {
      consumerId: consumer.id,
      producerId: consumer.producerId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
      type: consumer.type,
      producerPaused: consumer.producerPaused,
    };
  }

  /** Own consumer by id, NOT_FOUND otherwise; for stats and tests. */
  consumer(consumerId: string): types.Consumer {
    return this.#consumer(consumerId);
  }

  async setConsumerPaused(consumerId: string, paused: boolean): Promise<void> {
    const consumer = this.#consumer(consumerId);
    await this.#media(() => (paused ? consumer.pause() : consumer.resume()));
  }

  closeConsumer(consumerId: string): void {
    this.#consumer(consumerId).close();
  }

  async resumeConsumer(consumerId: string): Promise<void> {
    const consumer = this.#consumer(consumerId);
    await this.#media(() => consumer.resume());
  }

  /** Asks the producer for a keyframe through this consumer (a recorder needs one to start and to cut segments). */
  async requestKeyFrame(consumerId: string): Promise<void> {
    const consumer = this.#consumer(consumerId);
    if (consumer.kind !== 'video') throw new ClassroomError('BAD_REQUEST', 'not a video consumer');
    await this.#media(() => consumer.requestKeyFrame());
  }

  async setPreferredLayers(consumerId: string, spatialLayer: number): Promise<void> {
    const consumer = this.#consumer(consumerId);
    const temporalLayer = highestTemporalLayer(consumer.rtpParameters);
    await this.#media(() => consumer.setPreferredLayers({ spatialLayer, temporalLayer }));
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    this.room.log.debug({ participantId: this.participantId, reason }, 'participant media closed');
    void this.#placement?.then((p) => p.release(), () => undefined);
    // Closing transports closes their producers and consumers; the close handlers report each with this reason.
    for (const { transport } of this.#transports.values()) transport.close();
    for (const transport of this.#ingestTransports) transport.close();
    this.emit('close', reason);
  }

  #transport(transportId: string): OwnedTransport {
    const owned = this.#transports.get(transportId);
    if (!owned) throw notFound('transport');
    return owned;
  }

  #consumer(consumerId: string): types.Consumer {
    const consumer = this.#consumers.get(consumerId);
    if (!consumer) throw notFound('consumer');
    return consumer;
  }

  /** An object made while this participant was closed concurrently must not outlive it. */
  #adopt(created: { close(): void }): void {
    if (this.#closed) {
      created.close();
      throw new ClassroomError('INVALID_STATE', 'participant media was closed');
    }
  }

  #trackProducer(producer: types.Producer): void {
    // Producers are made on this participant's transports, which are on its router.
    if (this.#router) this.room.registerProducer(producer, this.#router);
    let reason: string | undefined;
    producer.once('transportclose', () => (reason = this.#closeReason ?? 'transport closed'));
    this.#producers.set(producer.id, producer);
    producer.observer.once('close', () => {
      this.#producers.delete(producer.id);
      this.room.notify('producer.closed', {
        lessonId: this.room.lessonId,
        participantId: this.participantId,
        producerId: producer.id,
        reason: reason ?? 'closed',
      });
    });
  }

  #trackConsumer(consumer: types.Consumer): void {
    let reason: string | undefined;
    consumer.once('producerclose', () => (reason = 'producer closed'));
    consumer.once('transportclose', () => (reason = this.#closeReason ?? 'transport closed'));
    this.#consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => {
      this.#consumers.delete(consumer.id);
      this.room.notify('consumer.closed', {
        lessonId: this.room.lessonId,
        participantId: this.participantId,
        consumerId: consumer.id,
        reason: reason ?? 'closed',
      });
    });
  }

  /**
   * Runs a mediasoup call and classifies its failure by cause: the router went away (worker died, lesson ended)
   * → UNAVAILABLE; the caller's parameters were refused → BAD_REQUEST with mediasoup's validation message;
   * anything else stays unclassified and surfaces as INTERNAL.
   */
  async #media<T>(fn: () => Promise<T>, refusedAs?: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ClassroomError) throw err;
      if (this.room.router.closed || this.#router?.closed) throw new ClassroomError('UNAVAILABLE', 'media router closed', { cause: err });
      if (refusedAs) {
        const detail = err instanceof Error ? err.message.slice(0, 200) : 'invalid';
        throw new ClassroomError('BAD_REQUEST', `${refusedAs}: ${detail}`, { cause: err });
      }
      throw err;
    }
  }
}
