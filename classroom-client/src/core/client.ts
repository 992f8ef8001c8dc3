import { ClassroomError, isClassroomError, type ClientRequestName, type Lesson, type MediaSource, type RequestOf, type ResponseOf } from '@dualclass/protocol';
import type { types as ms } from 'mediasoup-client';
import { TypedEmitter } from './emitter.ts';
import { LocalMedia, type LocalMediaSnapshot } from './local-media.ts';
import { MediaSession } from './media.ts';
import {
  emptyRoster,
  localPublications,
  reduceRoster,
  remoteParticipants,
  remotePublications,
  type RemoteParticipant,
  type RosterEvent,
  type RosterState,
  type TrackPublication,
} from './model.ts';
import { SignalingChannel } from './signaling.ts';
import { initialConnectionState, isTerminal, reduceConnection, type ConnectionEvent, type ConnectionState } from './state.ts';

/**
 * ClassroomClient ties the pieces together: the signaling channel (socket.io), the lesson model
 * (pure reducers in model.ts and state.ts), the mediasoup session (media.ts) and, in the studio,
 * the local camera and mic. It owns no UI; React reads it through `useClassroom` (hooks.ts).
 */

export type MediaStatus = 'idle' | 'connecting' | 'ready' | 'failed';

export interface ClassroomSnapshot {
  readonly connection: ConnectionState;
  readonly phase: ConnectionState['phase'];
  readonly error: ConnectionState['error'];
  readonly roster: RosterState;
  readonly lesson: Lesson | null;
  readonly self: RosterState['self'];
  readonly participants: readonly RemoteParticipant[];
  readonly publications: readonly TrackPublication[];
  /** This client's own publications (studio), as the server announced them. */
  readonly published: readonly TrackPublication[];
  readonly media: MediaStatus;
  /** The studio intends to publish camera and mic whenever the lesson is live. */
  readonly publishing: boolean;
  readonly local: LocalMediaSnapshot;
}

export type ClientEvents = {
  change: [ClassroomSnapshot];
  /** A request or media step failed in the background (shown as a toast, logged). */
  warning: [ClassroomError];
};

export interface ClassroomClientOptions {
  token: string;
  lessonId?: string | undefined;
  /** Signaling origin; the page's own by default. */
  url?: string;
  /** Receive other participants' publications when live. The studio leaves this off. */
  autoConsume?: boolean;
  /** Simulcast layer to ask for on video consumers: 2 for a classroom screen, 1 for phones. */
  preferredSpatialLayer?: 0 | 1 | 2;
}

export interface ClientTiming {
  /** performance.now() when connect() first ran (the join begins with the handshake). */
  joinStartedAt: number | null;
  /** performance.now() when the first remote video frame was decoded and presented. */
  firstFrameAt: number | null;
}

const REJOIN_DELAYS_MS = [1000, 2000, 5000];

/** User-timing marks (`classroom:joined`, `classroom:first-frame`…) for DevTools and browser tests. */
function mark(name: string): void {
  try {
    performance.mark(`classroom:${name}`);
  } catch {
    // marks are diagnostics only
  }
}

export class ClassroomClient {
  readonly events = new TypedEmitter<ClientEvents>();
  readonly local = new LocalMedia();
  readonly timing: ClientTiming = { joinStartedAt: null, firstFrameAt: null };
  readonly options: Readonly<ClassroomClientOptions>;

  readonly #signaling: SignalingChannel;
  #connection: ConnectionState = initialConnectionState;
  #roster: RosterState = emptyRoster;
  #media: MediaSession | undefined;
  #mediaStatus: MediaStatus = 'idle';
  #publishing = false;
  /** Producer id per local track kind, in the current media session. */
  #producers: { audio?: ms.Producer; video?: ms.Producer } = {};
  #publishRun: Promise<void> | undefined;
  #snapshot: ClassroomSnapshot | undefined;
  readonly #listeners = new Set<() => void>();
  #rejoinTimer: ReturnType<typeof setTimeout> | undefined;
  #joinAttempt = 0;
  #preferredLayer: 0 | 1 | 2 | undefined;
  #labels = { camera: 'camera', microphone: 'microphone' };
  #closed = false;

  constructor(options: ClassroomClientOptions) {
    this.options = options;
    this.#preferredLayer = options.preferredSpatialLayer;
    this.#signaling = new SignalingChannel({
      url: options.url ?? globalThis.location?.origin ?? 'http://127.0.0.1:3000',
      token: options.token,
      lessonId: options.lessonId,
    });
    this.#wireSignaling();
    this.local.events.on('change', () => this.#changed());
    this.local.events.on('track', (kind, track) => void this.#replaceTrack(kind, track));
  }

  // ── store interface (useSyncExternalStore) ──────────────────────────────────────────────

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): ClassroomSnapshot => {
    this.#snapshot ??= {
      connection: this.#connection,
      phase: this.#connection.phase,
      error: this.#connection.error,
      roster: this.#roster,
      lesson: this.#roster.lesson,
      self: this.#roster.self,
      participants: remoteParticipants(this.#roster),
      publications: remotePublications(this.#roster),
      published: localPublications(this.#roster),
      media: this.#mediaStatus,
      publishing: this.#publishing,
      local: this.local.snapshot,
    };
    return this.#snapshot;
  };

  #changed(): void {
    this.#snapshot = undefined;
    const snapshot = this.getSnapshot();
    for (const listener of [...this.#listeners]) listener();
    this.events.emit('change', snapshot);
  }

  #dispatch(event: ConnectionEvent): void {
    const next = reduceConnection(this.#connection, event);
    if (next === this.#connection) return;
    const wasTerminal = isTerminal(this.#connection);
    this.#connection = next;
    this.#changed();
    if (!wasTerminal && isTerminal(next)) this.#shutdown();
  }

  #apply(event: RosterEvent): void {
    const next = reduceRoster(this.#roster, event);
    if (next === this.#roster) return;
    this.#roster = next;
    this.#changed();
  }

  #setMediaStatus(status: MediaStatus): void {
    if (this.#mediaStatus === status) return;
    this.#mediaStatus = status;
    this.#changed();
  }

  #warn(err: unknown): void {
    const error = isClassroomError(err) ? err : new ClassroomError('INTERNAL', err instanceof Error ? err.message : String(err));
    if (this.#closed) return;
    console.warn('[classroom]', error.code, error.message);
    this.events.emit('warning', error);
  }

  // ── lifecycle ───────────────────────────────────────────────────────────────────────────

  get snapshot(): ClassroomSnapshot {
    return this.getSnapshot();
  }

  /** Opens the socket; joining and media follow by themselves. */
  connect(): void {
    if (this.#closed) return;
    this.timing.joinStartedAt ??= performance.now();
    mark('connect');
    this.#dispatch({ type: 'connecting' });
    this.#signaling.connect();
  }

  /** Typed request to the signaling server; resolves with the ack's data or throws a ClassroomError. */
  request<N extends ClientRequestName>(name: N, payload: RequestOf<N>): Promise<ResponseOf<N>> {
    return this.#signaling.request(name, payload);
  }

  #wireSignaling(): void {
    const s = this.#signaling.events;
    s.on('connected', () => {
      mark('connected');
      this.#dispatch({ type: 'connected' });
      void this.#join();
    });
    s.on('disconnected', (_reason, willReconnect) => {
      clearTimeout(this.#rejoinTimer);
      this.#teardownMedia();
      this.#dispatch({ type: 'disconnected' });
      // The server closing us on purpose is not retried by socket.io; retry unless that was final.
      if (!willReconnect && !isTerminal(this.#connection) && !this.#closed) {
        this.#rejoinTimer = setTimeout(() => this.#signaling.connect(), 1000);
      }
    });
    s.on('connectError', (error, refused) => {
      this.#dispatch({ type: 'connectFailed', code: refused ? error.code : undefined, detail: error.message });
    });
    s.on('lesson:state', (lesson) => this.#onLesson(lesson));
    s.on('participant:joined', (participant) => this.#apply({ type: 'participantJoined', participant }));
    s.on('participant:updated', (participant) => this.#apply({ type: 'participantUpdated', participant }));
    s.on('participant:left', ({ participantId }) => this.#apply({ type: 'participantLeft', participantId }));
    s.on('media:publicationAdded', (publication) => {
      this.#apply({ type: 'publicationAdded', publication });
      void this.#consumeAll();
    });
    s.on('media:publicationRemoved', ({ producerId }) => {
      const consumer = this.#media?.consumerForProducer(producerId);
      if (consumer) this.#media?.closeConsumer(consumer.id);
      this.#apply({ type: 'publicationRemoved', producerId });
    });
    s.on('media:consumerClosed', ({ consumerId }) => {
      this.#media?.closeConsumer(consumerId);
      this.#apply({ type: 'consumerClosed', consumerId });
    });
    s.on('session:closed', ({ reason }) => this.#dispatch({ type: 'sessionClosed', reason }));
  }

  async #join(): Promise<void> {
    const attempt = ++this.#joinAttempt;
    try {
      const data = await this.request('lesson:join', {});
      if (attempt !== this.#joinAttempt || this.#closed) return;
      mark('joined');
      this.#apply({ type: 'joined', data });
      this.#dispatch({ type: 'joined', status: data.lesson.status });
      if (data.lesson.status === 'live') void this.#startMedia();
    } catch (err) {
      if (attempt !== this.#joinAttempt || this.#closed) return;
      const error = isClassroomError(err) ? err : new ClassroomError('INTERNAL', String(err));
      this.#dispatch({ type: 'joinFailed', code: error.code, detail: error.message });
      if (!isTerminal(this.#connection) && this.#signaling.connected) {
        const delay = REJOIN_DELAYS_MS[Math.min(this.#connection.failures - 1, REJOIN_DELAYS_MS.length - 1)] ?? 5000;
        this.#rejoinTimer = setTimeout(() => {
          if (this.#signaling.connected) void this.#join();
        }, delay);
      }
    }
  }

  #onLesson(lesson: Lesson): void {
    this.#apply({ type: 'lesson', lesson });
    this.#dispatch({ type: 'lessonState', status: lesson.status });
    if (lesson.status === 'live' && this.#connection.joined) void this.#startMedia();
  }

  // ── media ───────────────────────────────────────────────────────────────────────────────

  /** Builds the mediasoup session for this connection (once per join), then consumes and publishes. */
  async #startMedia(): Promise<void> {
    if (this.#media && !this.#media.closed) return;
    const media = new MediaSession((name, payload) => this.request(name, payload));
    this.#media = media;
    this.#setMediaStatus('connecting');
    try {
      // Receivers create their transport alongside the Device load (one round trip saved).
      const ready = this.options.autoConsume === false ? media.load() : Promise.all([media.load(), media.recvTransport()]);
      await ready;
      if (media.closed) return;
      mark('media-ready');
      this.#setMediaStatus('ready');
      await Promise.all([this.#consumeAll(), this.#publishLocal()]);
    } catch (err) {
      if (media.closed) return;
      this.#setMediaStatus('failed');
      this.#warn(err);
      // Throw this session away; the next lesson:state or reconnect builds a new one.
      media.close();
      setTimeout(() => {
        if (this.#media === media && this.#connection.phase === 'live') void this.#startMedia();
      }, 3000);
    }
  }

  #teardownMedia(): void {
    this.#media?.close();
    this.#media = undefined;
    this.#producers = {};
    this.#publishRun = undefined;
    this.#apply({ type: 'mediaReset' });
    this.#setMediaStatus('idle');
  }

  /** Consumes every remote publication not yet consumed (when auto-consume is on and media is ready). */
  async #consumeAll(): Promise<void> {
    const media = this.#media;
    if (!media || media.closed || this.#mediaStatus !== 'ready' || this.options.autoConsume === false) return;
    const pending = remotePublications(this.#roster).filter((p) => p.subscription === 'unsubscribed');
    await Promise.all(pending.map((p) => this.#consume(media, p)));
  }

  async #consume(media: MediaSession, publication: TrackPublication): Promise<void> {
    const { producerId } = publication;
    this.#apply({ type: 'subscribing', producerId });
    try {
      const { consumer, track } = await media.consume(publication);
      if (media.closed || this.#media !== media) return consumer.close();
      if (!this.#roster.publications.has(producerId)) {
        media.closeConsumer(consumer.id); // removed while we were consuming
        return;
      }
      consumer.observer.once('close', () => {
        if (this.#media === media) this.#apply({ type: 'consumerClosed', consumerId: consumer.id });
      });
      // Attach first (the view renders the track), then let RTP flow.
      this.#apply({ type: 'subscribed', producerId, consumerId: consumer.id, track });
      await media.resume(consumer, publication, { spatialLayer: this.#preferredLayer });
      mark(`resumed:${publication.kind}`);
    } catch (err) {
      if (media.closed || this.#media !== media) return;
      this.#apply({ type: 'unsubscribed', producerId });
      this.#warn(err);
    }
  }

  /** Re-ask the SFU for a simulcast layer on every video consumer (e.g. the window got small). */
  async setPreferredSpatialLayer(spatialLayer: 0 | 1 | 2): Promise<void> {
    this.#preferredLayer = spatialLayer;
    const media = this.#media;
    if (!media) return;
    for (const pub of remotePublications(this.#roster)) {
      if (pub.kind !== 'video' || !pub.consumerId || pub.simulcastLayers < 2) continue;
      await media.setPreferredLayer(pub.consumerId, Math.min(spatialLayer, pub.simulcastLayers - 1)).catch((err: unknown) => this.#warn(err));
    }
  }

  // ── studio: lesson control and publishing ───────────────────────────────────────────────

  /** 开始上课: starts the lesson if it is still scheduled, then publishes camera and mic. */
  async goLive(labels: { camera: string; microphone: string }): Promise<void> {
    if (this.#roster.lesson?.status === 'scheduled') {
      this.#labels = labels;
      this.#publishing = true; // media starts (and publishes) when the lesson:start answer lands
      this.#changed();
      await this.startLesson();
    } else {
      await this.publish(labels);
    }
  }

  /**
   * Publishes the local camera (3-layer VP8 simulcast) and microphone, now if the lesson is live,
   * else as soon as it is; and again after every reconnect, until stopPublishing().
   */
  async publish(labels: { camera: string; microphone: string }): Promise<void> {
    this.#labels = labels;
    this.#publishing = true;
    this.#changed();
    await this.#publishLocal();
  }

  /** 下课: ends the lesson for everyone. */
  async endLesson(): Promise<void> {
    const lesson = await this.request('lesson:end', {});
    this.#onLesson(lesson);
  }

  async startLesson(): Promise<Lesson> {
    const lesson = await this.request('lesson:start', {});
    this.#onLesson(lesson);
    return lesson;
  }

  /** Stops sending camera and mic (the preview stays on). */
  async stopPublishing(): Promise<void> {
    this.#publishing = false;
    this.#changed();
    const media = this.#media;
    const producers = Object.values(this.#producers);
    this.#producers = {};
    if (media) await Promise.all(producers.map((p) => media.closeProducer(p.id)));
  }

  /** Publishes the local tracks that are not yet published (serialised, idempotent). */
  #publishLocal(): Promise<void> {
    const run = (this.#publishRun ?? Promise.resolve()).then(() => this.#publishMissing());
    this.#publishRun = run.catch(() => undefined);
    return run;
  }

  async #publishMissing(): Promise<void> {
    const media = this.#media;
    if (!this.#publishing || !media || media.closed || this.#mediaStatus !== 'ready') return;
    const { camera, microphone } = this.local.snapshot;
    const wanted: [kind: 'video' | 'audio', track: MediaStreamTrack | null, source: MediaSource, label: string][] = [
      ['video', camera, 'camera', this.#labels.camera],
      ['audio', microphone, 'microphone', this.#labels.microphone],
    ];
    for (const [kind, track, source, label] of wanted) {
      if (!track || this.#producers[kind]) continue;
      try {
        const producer = await media.produce(track, source, label);
        if (media.closed || this.#media !== media) return;
        this.#producers[kind] = producer;
        producer.observer.once('close', () => {
          if (this.#producers[kind] === producer) delete this.#producers[kind];
        });
      } catch (err) {
        this.#warn(err);
      }
    }
  }

  async #replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    const producer = this.#producers[kind];
    if (producer && !producer.closed) {
      await producer.replaceTrack({ track }).catch((err: unknown) => this.#warn(err));
    } else if (track) {
      await this.#publishLocal();
    }
  }

  /** Opens the local camera and mic (studio). Reports denied permission to the state machine. */
  async startLocalMedia(): Promise<boolean> {
    const ok = await this.local.start();
    if (ok) this.#dispatch({ type: 'mediaRecovered' });
    else if (this.local.snapshot.status === 'denied') this.#dispatch({ type: 'mediaDenied', detail: this.local.snapshot.errorName ?? undefined });
    if (ok) await this.#publishLocal();
    return ok;
  }

  // ── test hook support ───────────────────────────────────────────────────────────────────

  /** Called by the view when the first remote video frame is presented. */
  markFirstFrame(at = performance.now()): void {
    if (this.timing.firstFrameAt === null) mark('first-frame');
    this.timing.firstFrameAt ??= at;
  }

  /** Inbound RTP counters over this client's consumers. */
  async inboundStats(): Promise<{ framesDecoded: number; audioPacketsReceived: number }> {
    return this.#media ? this.#media.inboundStats() : { framesDecoded: 0, audioPacketsReceived: 0 };
  }

  /** Stops everything after an ended lesson or a dead link: no reconnect loop. */
  #shutdown(): void {
    clearTimeout(this.#rejoinTimer);
    this.#teardownMedia();
    this.#signaling.close();
    this.#publishing = false;
    this.local.stop();
  }

  /** Leaves for good (page unload, tests). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#shutdown();
    this.#listeners.clear();
    this.events.removeAllListeners();
  }
}
