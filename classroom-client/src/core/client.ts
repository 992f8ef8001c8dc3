import {
  ClassroomError,
  can,
  isClassroomError,
  type ChatMessage,
  type ClientRequestName,
  type Comment,
  type HealthReport,
  type Lesson,
  type MediaKind,
  type MediaSource,
  type OptionId,
  type Participant,
  type ParticipantHealth,
  type Permission,
  type PrivateMessage,
  type Publication,
  type QuizLaunch,
  type QuizResults,
  type Quiz,
  type RequestOf,
  type ResponseOf,
  type Role,
  type StageState,
  type TimelineEvent,
  type Attendance,
} from '@dualclass/protocol';
import type { types as ms } from 'mediasoup-client';
import { TypedEmitter } from './emitter.ts';
import { computeHealth, HEALTH_INTERVAL_MS, type HealthSample, type StatLike } from './health.ts';
import { IceRecovery } from './ice-recovery.ts';
import { angleLayout, studioAngles } from './angles.ts';
import { emptyInteraction, reduceInteraction, REACTION_TTL_MS, type InteractionEvent, type InteractionState, type Reaction } from './interaction.ts';
import { LocalMedia, type LocalMediaSnapshot } from './local-media.ts';
import { MediaSession, type PublishProfile } from './media.ts';
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
import { ownPublication } from './selectors.ts';
import { SignalingChannel } from './signaling.ts';
import { TokenRefresher } from './token-refresh.ts';
import { initialConnectionState, isTerminal, reduceConnection, type ConnectionEvent, type ConnectionState } from './state.ts';
import { noLayerCap, observeLargeVideo } from './layer-cap.ts';
import { isStarved, notStarved, observeCounters } from './starvation.ts';
import { layerCovering, NO_CONSUMPTION, planSubscriptions, samePolicy, sizesLayerToTile, type ConsumePolicy, type SpatialLayer, type SubscriptionPlan } from './subscriptions.ts';

/**
 * ClassroomClient ties the pieces together: the signaling channel (socket.io), the lesson model
 * (pure reducers in model.ts, interaction.ts and state.ts), the mediasoup session (media.ts) and the
 * local camera and mic of whoever publishes (the studio; a classroom's room device; a student on stage).
 * It owns no UI; React reads it through `useClassroom` (hooks.ts).
 */

export type MediaStatus = 'idle' | 'connecting' | 'ready' | 'failed';

/** How this client publishes, from its role's permissions. */
export type PublishMode = 'studio' | 'room' | 'stage' | null;

export interface ClassroomSnapshot {
  readonly connection: ConnectionState;
  readonly phase: ConnectionState['phase'];
  readonly error: ConnectionState['error'];
  readonly roster: RosterState;
  readonly lesson: Lesson | null;
  readonly self: RosterState['self'];
  readonly participants: readonly RemoteParticipant[];
  readonly publications: readonly TrackPublication[];
  /** This client's own publications, as the server announced them. */
  readonly published: readonly TrackPublication[];
  readonly media: MediaStatus;
  /** This client means to publish now (studio: after 开始上课; room device: while live; student: while on stage). */
  readonly publishing: boolean;
  readonly publishMode: PublishMode;
  /** Studio: a screen (courseware) share is published as a 'screen' angle. */
  readonly sharingScreen: boolean;
  readonly local: LocalMediaSnapshot;
  readonly interaction: InteractionState;
  /** What this client receives and at which layer (producer id → layer). */
  readonly plan: SubscriptionPlan;
  /** 仅音频+课件: this screen receives audio and courseware only (setAudioOnly). */
  readonly audioOnly: boolean;
  /** The large video has been starving while audio arrives: the page offers 仅音频+课件 (watchLargeVideo). */
  readonly audioOnlySuggested: boolean;
  /** This client's own link, measured every few seconds while it has media (sent to the studio by publishers). */
  readonly ownHealth: HealthReport | null;
  /**
   * The media connection as the page should show it: `ok`, `recovering` while transports are disconnected or
   * an ICE restart or rejoin is under way, `idle` without media.
   */
  readonly mediaLink: 'idle' | 'ok' | 'recovering';
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
  /**
   * What to receive once the role is known (the join): the master's feed and the stage, each at a layer or
   * not at all. Wall thumbnails are asked for by the view (setWall). Default: master at 2, stage at 1.
   */
  consume?: (role: Role) => { master: SpatialLayer | false; stage: SpatialLayer | false };
}

export interface ClientTiming {
  /** performance.now() when connect() first ran (the join begins with the handshake). */
  joinStartedAt: number | null;
  /** performance.now() when the first remote video frame was decoded and presented. */
  firstFrameAt: number | null;
}

const REJOIN_DELAYS_MS = [1000, 2000, 5000];
const HEALTH_BATCH_MS = 500;

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
  #interaction: InteractionState = emptyInteraction;
  #media: MediaSession | undefined;
  #mediaStatus: MediaStatus = 'idle';
  /** Studio: the teacher pressed 开始上课 / 恢复直播 and has not paused. */
  #publishing = false;
  /** Producer per local track kind, in the current media session. */
  #producers: { audio?: ms.Producer; video?: ms.Producer } = {};
  /** Studio: the screen share published as a courseware angle. */
  #screen: { producer: ms.Producer; track: MediaStreamTrack } | undefined;
  #publishRun: Promise<void> | undefined;
  #snapshot: ClassroomSnapshot | undefined;
  readonly #listeners = new Set<() => void>();
  #rejoinTimer: ReturnType<typeof setTimeout> | undefined;
  #joinAttempt = 0;
  /** From the last join's answer: lets the next connection take this participant over (stage, hand, media kept). */
  #resumeKey: string | undefined;
  /** Keeps the join token fresh for reconnects in lessons longer than its life. */
  readonly #tokenRefresh = new TokenRefresher({
    refresh: () => this.request('session:refresh', {}),
    onToken: (token) => this.#signaling.setToken(token),
  });
  #iceRecovery: IceRecovery | undefined;
  #labels = { camera: 'camera', microphone: 'microphone' };
  #closed = false;

  // consumption
  #basePolicy: { master: SpatialLayer | false; stage: SpatialLayer | false } = { master: false, stage: false };
  #wall: ReadonlySet<string> = new Set();
  #stageLayer: SpatialLayer | null = null;
  #policy: ConsumePolicy = NO_CONSUMPTION;
  #plan: SubscriptionPlan = new Map();
  /** Layer last asked for, per consumer. */
  readonly #consumerLayers = new Map<string, SpatialLayer | null>();
  /** Consumers we no longer show (e.g. wall tiles paged out of view): paused at the SFU and here. */
  readonly #locallyPaused = new Set<string>();
  #syncQueued = false;
  /** Device pixels across the large angle's tile, from the view (setLargeTileWidth). */
  #largeTileWidth: number | null = null;
  #audioOnly = false;
  #audioOnlySuggested = false;
  /** The large angle's layer cap after failed steps up (watchLargeVideo). */
  #largeCap: SpatialLayer | null = null;
  /** The viewer closed the suggestion (or already chose): do not offer it again this session. */
  #audioOnlyAnswered = false;

  // publishing for room devices and students on stage
  #localStarting: Promise<boolean> | undefined;
  /** The automatic camera start failed (denied or missing); wait for the page's retry. */
  #localGaveUp = false;

  // health
  #healthTimer: ReturnType<typeof setInterval> | undefined;
  #healthSample: HealthSample | null = null;
  #ownHealth: HealthReport | null = null;
  #healthBusy = false;

  /** Health pushes (one per classroom every 2 s) are applied in batches, so 50 rooms are not 25 renders a second. */
  #pendingHealth: ParticipantHealth[] = [];
  #healthFlush: ReturnType<typeof setTimeout> | undefined;

  #reactionSeq = 0;
  #reactionTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ClassroomClientOptions) {
    this.options = options;
    this.#signaling = new SignalingChannel({
      url: options.url ?? globalThis.location?.origin ?? 'http://127.0.0.1:3000',
      token: options.token,
      lessonId: options.lessonId,
    });
    this.#wireSignaling();
    this.#tokenRefresh.start(options.token);
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
      publishing: this.#wantsToPublish(),
      publishMode: this.#publishMode(),
      sharingScreen: this.#screen !== undefined,
      local: this.local.snapshot,
      interaction: this.#interaction,
      plan: this.#plan,
      audioOnly: this.#audioOnly,
      audioOnlySuggested: this.#audioOnlySuggested,
      ownHealth: this.#ownHealth,
      mediaLink: this.#mediaLink(),
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
    // Angles come and go, and with them which one is large (and so received at the top layer).
    if (this.#policy !== NO_CONSUMPTION) this.#policy = this.#effectivePolicy();
    this.#plan = planSubscriptions(this.#roster, this.#policy);
    this.#changed();
    this.#queueSync();
  }

  #applyInteraction(event: InteractionEvent): void {
    const next = reduceInteraction(this.#interaction, event);
    if (next === this.#interaction) return;
    const anglesChanged = next.angles !== this.#interaction.angles;
    this.#interaction = next;
    if (anglesChanged) this.#updatePolicy(); // the large angle decides which angle gets the top layer
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

  /** Whether this client's role holds a permission (false before the join). */
  can(permission: Permission): boolean {
    const self = this.#roster.self;
    return self ? can(self.role, permission) : false;
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
      this.#dispatch({ type: 'disconnected' });
      // A dropped connection keeps the media session: the SFU goes on forwarding while socket.io reconnects and the
      // join resumes this participant. The server closing us on purpose is not retried by socket.io; retry unless
      // that was final, with media rebuilt.
      if (!willReconnect) {
        this.#teardownMedia();
        if (!isTerminal(this.#connection) && !this.#closed) this.#rejoinTimer = setTimeout(() => this.#signaling.connect(), 1000);
      }
    });
    s.on('connectError', (error, refused) => {
      this.#dispatch({ type: 'connectFailed', code: refused ? error.code : undefined, detail: error.message });
    });
    s.on('lesson:state', (lesson) => this.#onLesson(lesson));
    s.on('participant:joined', (participant) => this.#apply({ type: 'participantJoined', participant }));
    s.on('participant:updated', (participant) => this.#apply({ type: 'participantUpdated', participant }));
    s.on('participant:left', ({ participantId }) => {
      this.#apply({ type: 'participantLeft', participantId });
      this.#applyInteraction({ type: 'participantLeft', participantId });
    });
    s.on('media:publicationAdded', (publication) => this.#apply({ type: 'publicationAdded', publication }));
    s.on('media:publicationUpdated', (publication) => this.#apply({ type: 'publicationUpdated', publication }));
    s.on('media:publicationRemoved', ({ producerId }) => {
      const media = this.#media;
      const consumer = media?.consumerForProducer(producerId);
      if (consumer) media?.closeConsumer(consumer.id);
      // Our own producer, closed by the server (a student taken off stage): let go of it locally.
      if (media?.producer(producerId)) {
        media.dropProducer(producerId);
        for (const kind of ['audio', 'video'] as const) if (this.#producers[kind]?.id === producerId) delete this.#producers[kind];
      }
      this.#apply({ type: 'publicationRemoved', producerId });
    });
    s.on('media:reset', ({ reason }) => {
      this.#warn(new ClassroomError('UNAVAILABLE', `media restarted: ${reason}`));
      this.#teardownMedia();
      if (this.#connection.phase === 'live') void this.#startMedia();
    });
    s.on('media:consumerClosed', ({ consumerId }) => {
      this.#media?.closeConsumer(consumerId);
      this.#apply({ type: 'consumerClosed', consumerId });
    });
    s.on('participant:health', (health) => this.#queueHealth(health));
    s.on('stage:state', (stage) => this.#applyInteraction({ type: 'stage', stage }));
    s.on('quiz:launched', (quiz) => this.#applyInteraction({ type: 'quizLaunched', quiz }));
    s.on('quiz:results', (results) => this.#applyInteraction({ type: 'quizResults', results }));
    s.on('quiz:roomAnswered', ({ quizId, choice }) => {
      // The room's answer is the device's and the local teacher's own; a student's answer stays their own.
      if (this.#roster.self?.role !== 'student') this.#applyInteraction({ type: 'quizAnswered', quizId, choice });
    });
    s.on('quiz:closed', ({ quizId }) => this.#applyInteraction({ type: 'quizClosed', quizId }));
    s.on('quiz:revealed', ({ quiz, results }) => this.#applyInteraction({ type: 'quizRevealed', quiz, results }));
    s.on('chat:message', (message) => this.#applyInteraction({ type: 'chatMessage', message }));
    s.on('chat:deleted', ({ messageId }) => this.#applyInteraction({ type: 'chatDeleted', messageId }));
    s.on('chat:state', ({ enabled }) => this.#applyInteraction({ type: 'chatState', enabled }));
    s.on('reaction', ({ participantId, reaction }) => this.#onReaction(participantId, reaction));
    s.on('message:private', (message) => this.#applyInteraction({ type: 'privateMessage', message }));
    s.on('comment:added', (comment) => this.#applyInteraction({ type: 'comment', comment }));
    s.on('attendance:updated', (attendance) => this.#applyInteraction({ type: 'attendance', attendance }));
    s.on('timeline:event', (event) => this.#applyInteraction({ type: 'timeline', event }));
    s.on('recording:state', ({ phase }) => this.#applyInteraction({ type: 'recording', phase }));
    s.on('angle:directed', ({ producerId, by }) => this.#applyInteraction({ type: 'angleDirected', producerId, by }));
    s.on('session:closed', ({ reason }) => this.#dispatch({ type: 'sessionClosed', reason }));
  }

  async #join(): Promise<void> {
    const attempt = ++this.#joinAttempt;
    try {
      // Without a live media session the server's copy is stale: ask it to drop that too (a full rejoin).
      const media = this.#media && !this.#media.closed ? this.#media : undefined;
      const resume = this.#resumeKey ? { key: this.#resumeKey, restartMedia: media === undefined } : undefined;
      const data = await this.request('lesson:join', resume ? { resume } : {});
      if (attempt !== this.#joinAttempt || this.#closed) return;
      mark(data.resumed ? 'resumed' : 'joined');
      this.#resumeKey = data.resumeKey;
      if (media && this.#media === media && data.resumed) this.#dropWhatEnded(media, data.resumed, data.publications);
      else if (this.#media) this.#teardownMedia(); // the server does not have our media any more
      this.#basePolicy = this.options.consume?.(data.self.role) ?? { master: 2, stage: 1 };
      this.#policy = this.#effectivePolicy();
      this.#apply({ type: 'joined', data });
      this.#applyInteraction({ type: 'joined', data });
      this.#dispatch({ type: 'joined', status: data.lesson.status });
      if (data.lesson.status === 'live') void this.#startMedia();
      void this.#afterJoin(data);
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

  /**
   * After a resume with media kept: whatever ended at the SFU while the socket was down is let go here (the pushes
   * that would have said so were missed); the plan then consumes again what is still wanted.
   */
  #dropWhatEnded(media: MediaSession, resumed: { consumerIds: string[]; producerIds: string[] }, publications: readonly Publication[]): void {
    const consumers = new Set(resumed.consumerIds);
    const listed = new Set(publications.map((p) => p.producerId));
    for (const consumer of media.consumers) {
      if (!consumers.has(consumer.id) || !listed.has(consumer.producerId)) media.closeConsumer(consumer.id);
    }
    const producers = new Set(resumed.producerIds);
    for (const producer of media.producers) {
      if (producers.has(producer.id)) continue;
      media.dropProducer(producer.id);
      for (const kind of ['audio', 'video'] as const) if (this.#producers[kind]?.id === producer.id) delete this.#producers[kind];
    }
    if (this.#screen && !producers.has(this.#screen.producer.id)) this.#endScreen();
  }

  /** What the join snapshot leaves out: live quiz results and the timeline, for roles that see them. */
  async #afterJoin(data: ResponseOf<'lesson:join'>): Promise<void> {
    const role = data.self.role;
    const quiz = data.quiz;
    if (quiz && can(role, 'quiz:results')) {
      await this.request('quiz:results', { quizId: quiz.id })
        .then((results) => this.#applyInteraction({ type: 'quizResults', results }))
        .catch(() => undefined);
    }
    if (can(role, 'timeline:view')) {
      await this.request('timeline:list', {})
        .then((events) => this.#applyInteraction({ type: 'timelineList', events }))
        .catch(() => undefined);
    }
  }

  #onLesson(lesson: Lesson): void {
    this.#apply({ type: 'lesson', lesson });
    this.#dispatch({ type: 'lessonState', status: lesson.status });
    if (lesson.status === 'live' && this.#connection.joined) void this.#startMedia();
  }

  #queueHealth(health: ParticipantHealth): void {
    this.#pendingHealth.push(health);
    this.#healthFlush ??= setTimeout(() => {
      this.#healthFlush = undefined;
      const batch = this.#pendingHealth;
      this.#pendingHealth = [];
      let next = this.#interaction;
      for (const h of batch) next = reduceInteraction(next, { type: 'health', health: h });
      if (next === this.#interaction) return;
      this.#interaction = next;
      this.#changed();
    }, HEALTH_BATCH_MS);
  }

  #onReaction(participantId: string, reaction: Reaction): void {
    const at = Date.now();
    this.#applyInteraction({ type: 'reaction', id: ++this.#reactionSeq, participantId, reaction, at });
    clearTimeout(this.#reactionTimer);
    this.#reactionTimer = setTimeout(() => this.#applyInteraction({ type: 'pruneReactions', now: Date.now() }), REACTION_TTL_MS + 50);
  }

  // ── media ───────────────────────────────────────────────────────────────────────────────

  /** Builds the mediasoup session for this connection (once per join), then consumes and publishes. */
  async #startMedia(): Promise<void> {
    if (this.#media && !this.#media.closed) {
      // Kept across a resume: consume and publish whatever the new snapshot asks for.
      this.#queueSync();
      void this.#publishLocal();
      return;
    }
    const recovery = new IceRecovery(
      (transportId) => media.restartIce(transportId),
      (reason) => this.#rejoinFully(media, reason),
    );
    const media = new MediaSession(
      (name, payload) => this.request(name, payload),
      (transportId, state) => {
        recovery.onState(transportId, state);
        this.#changed();
      },
    );
    this.#media = media;
    this.#iceRecovery = recovery;
    this.#setMediaStatus('connecting');
    try {
      // Receivers create their transport alongside the Device load (one round trip saved).
      const receives = this.#policy.master !== false || this.#policy.stage !== false || this.can('roster:view');
      await (receives ? Promise.all([media.load(), media.recvTransport()]) : media.load());
      if (media.closed) return;
      mark('media-ready');
      this.#setMediaStatus('ready');
      this.#startHealth();
      this.#reconcile();
      await Promise.all([this.#syncPublishing(), this.#publishLocal()]);
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

  /** ICE restarts did not bring the media path back: start over with new transports and a fresh server-side state. */
  #rejoinFully(media: MediaSession, reason: string): void {
    if (this.#media !== media || this.#closed) return;
    this.#warn(new ClassroomError('UNAVAILABLE', `media connection lost (${reason}); rejoining`));
    mark('full-rejoin');
    this.#teardownMedia();
    // Still joined on this socket: the join (with restartMedia) drops our old media at the server and answers with a
    // fresh snapshot; stage and hand stay. Without a socket, the reconnect's join does the same.
    if (this.#signaling.connected) void this.#join();
  }

  #mediaLink(): ClassroomSnapshot['mediaLink'] {
    const media = this.#media;
    if (!media || media.closed) return this.#connection.everJoined && this.#connection.phase === 'live' ? 'recovering' : 'idle';
    if (this.#connection.phase === 'reconnecting') return 'recovering';
    const state = media.connectionState;
    return state === 'disconnected' || state === 'failed' ? 'recovering' : 'ok';
  }

  #teardownMedia(): void {
    this.#iceRecovery?.stop();
    this.#iceRecovery = undefined;
    this.#media?.close();
    this.#media = undefined;
    this.#producers = {};
    this.#endScreen();
    this.#publishRun = undefined;
    this.#consumerLayers.clear();
    this.#locallyPaused.clear();
    this.#stopHealth();
    this.#apply({ type: 'mediaReset' });
    this.#setMediaStatus('idle');
  }

  #effectivePolicy(): ConsumePolicy {
    const { master, stage } = this.#basePolicy;
    const role = this.#roster.self?.role;
    // Only a screen that lays angles out large + small (a room, a student) has a large angle; the studio does not.
    const largeAngle = role === 'master_teacher' ? null : (angleLayout(studioAngles(this.#roster), this.#interaction.angles).large?.producerId ?? null);
    return {
      master,
      stage: stage === false ? false : (this.#stageLayer ?? stage),
      wall: this.#wall,
      largeAngle,
      largeWidth: role && sizesLayerToTile(role) ? this.#largeTileWidth : null,
      largeCap: this.#largeCap,
      audioOnly: this.#audioOnly,
    };
  }

  #updatePolicy(): void {
    const next = this.#effectivePolicy();
    if (samePolicy(next, this.#policy)) return;
    this.#policy = next;
    this.#plan = planSubscriptions(this.#roster, this.#policy);
    this.#changed();
    this.#queueSync();
  }

  /** The wall tiles on screen: their room cameras are received at layer 0; tiles scrolled or paged away stop. */
  setWall(participantIds: Iterable<string>): void {
    this.#wall = new Set(participantIds);
    this.#updatePolicy();
  }

  /** Layer for stage feeds (1 for small picture-in-picture tiles, 2 for large ones). */
  setStageLayer(layer: SpatialLayer): void {
    this.#stageLayer = layer;
    this.#updatePolicy();
  }

  /** Re-ask the SFU for a simulcast layer on the master's video (e.g. the window got small). */
  async setPreferredSpatialLayer(spatialLayer: SpatialLayer): Promise<void> {
    if (this.#basePolicy.master === false) return;
    this.#basePolicy = { ...this.#basePolicy, master: spatialLayer };
    this.#updatePolicy();
  }

  /** The large angle's tile, in device pixels (CSS width × devicePixelRatio); a phone receives no more than that. */
  setLargeTileWidth(devicePixels: number): void {
    this.#largeTileWidth = Math.round(devicePixels);
    this.#updatePolicy();
  }

  /** 仅音频+课件 on or off: camera-type video stops (paused at the SFU), audio and courseware go on. */
  setAudioOnly(on: boolean): void {
    this.#audioOnlyAnswered = true;
    this.#audioOnlySuggested = false;
    this.#audioOnly = on;
    this.#changed();
    this.#updatePolicy();
  }

  /** Closes the 仅音频+课件 suggestion without taking it. */
  dismissAudioOnlySuggestion(): void {
    this.#audioOnlyAnswered = true;
    this.#audioOnlySuggested = false;
    this.#changed();
  }

  /**
   * While the view shows the lesson: reads the large video's and the audio's inbound stats every second. A step up
   * that froze caps the large angle's layer for a while (layer-cap.ts); video starving while sound still arrives
   * suggests 仅音频+课件 (starvation.ts). Returns the stop.
   */
  watchLargeVideo(intervalMs = 1000): () => void {
    /** The received track being watched: a new consumer or another angle starts over. */
    let watched: MediaStreamTrack | null | undefined;
    let starvation = notStarved;
    let layerCap = noLayerCap;
    const timer = setInterval(async () => {
      const large = this.#policy.largeAngle;
      const pub = large ? this.#roster.publications.get(large) : undefined;
      const track = pub?.track;
      if (!pub || !track) return;
      if (track !== watched) {
        // Another picture: what was learnt about the last one does not apply.
        watched = track;
        starvation = notStarved;
        layerCap = noLayerCap;
        this.#setLargeCap(null);
      }
      // Paused (仅音频+课件) or reconnecting: nothing to learn now; the cap stays for when it plays again.
      if (!this.#plan.has(pub.producerId) || this.#connection.phase !== 'live') return;
      const reports = await this.inboundRtp();
      const video = reports.find((r) => r['trackIdentifier'] === track.id);
      if (!video || track !== watched) return;
      const at = performance.now();
      const audioPackets = reports.filter((r) => r['kind'] === 'audio').reduce((n, r) => n + (Number(r['packetsReceived']) || 0), 0);
      if (pub.simulcastLayers > 1 && Number(video['frameWidth']) > 0) {
        const layer = layerCovering(Number(video['frameWidth']), pub.simulcastLayers);
        layerCap = observeLargeVideo(layerCap, {
          at,
          layer,
          freezeSeconds: Number(video['totalFreezesDuration']) || 0,
          packetsLost: Number(video['packetsLost']) || 0,
        });
        this.#setLargeCap(layerCap.cap);
      }
      if (this.#audioOnly || this.#audioOnlyAnswered) return;
      starvation = observeCounters(starvation, { at, videoFrames: Number(video['framesDecoded']) || 0, audioPackets });
      if (isStarved(starvation) && !this.#audioOnlySuggested) {
        this.#audioOnlySuggested = true;
        this.#changed();
      }
    }, intervalMs);
    return () => {
      clearInterval(timer);
      this.#setLargeCap(null);
    };
  }

  #setLargeCap(cap: SpatialLayer | null): void {
    if (this.#largeCap === cap) return;
    this.#largeCap = cap;
    this.#updatePolicy();
  }

  /** After any roster or policy change: consume/pause to match the plan, publish/unpublish to match the role. */
  #queueSync(): void {
    if (this.#syncQueued) return;
    this.#syncQueued = true;
    queueMicrotask(() => {
      this.#syncQueued = false;
      if (this.#closed) return;
      this.#reconcile();
      void this.#syncPublishing();
    });
  }

  /** Consumes what the plan wants and is not consumed yet; pauses locally what it no longer wants. */
  #reconcile(): void {
    const media = this.#media;
    if (!media || media.closed || this.#mediaStatus !== 'ready') return;
    const plan = this.#plan;
    for (const pub of remotePublications(this.#roster)) {
      const want = plan.get(pub.producerId);
      if (want === undefined) {
        if (pub.consumerId && !this.#locallyPaused.has(pub.consumerId)) {
          this.#locallyPaused.add(pub.consumerId);
          media.setConsumerPaused(pub.consumerId, true).catch((err: unknown) => this.#warn(err));
        }
        continue;
      }
      if (pub.subscription === 'unsubscribed') {
        void this.#consume(media, pub, want);
        continue;
      }
      if (pub.subscription !== 'subscribed' || !pub.consumerId) continue;
      const consumerId = pub.consumerId;
      if (this.#locallyPaused.delete(consumerId)) media.setConsumerPaused(consumerId, false).catch((err: unknown) => this.#warn(err));
      if (want !== null && this.#consumerLayers.get(consumerId) !== want) {
        this.#consumerLayers.set(consumerId, want);
        media.setPreferredLayer(consumerId, want).catch((err: unknown) => this.#warn(err));
      }
    }
  }

  async #consume(media: MediaSession, publication: TrackPublication, layer: SpatialLayer | null): Promise<void> {
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
        this.#consumerLayers.delete(consumer.id);
        this.#locallyPaused.delete(consumer.id);
        if (this.#media === media) this.#apply({ type: 'consumerClosed', consumerId: consumer.id });
      });
      this.#consumerLayers.set(consumer.id, layer);
      // Attach first (the view renders the track), then let RTP flow.
      this.#apply({ type: 'subscribed', producerId, consumerId: consumer.id, track });
      await media.resume(consumer, publication, { spatialLayer: layer ?? undefined });
      mark(`resumed:${publication.kind}`);
    } catch (err) {
      if (media.closed || this.#media !== media) return;
      this.#apply({ type: 'unsubscribed', producerId });
      // NOT_FOUND: the publication went away or is no longer ours to receive; its removal push follows.
      if (!isClassroomError(err, 'NOT_FOUND')) this.#warn(err);
    }
  }

  // ── publishing ──────────────────────────────────────────────────────────────────────────

  #publishMode(): PublishMode {
    const self = this.#roster.self;
    if (!self) return null;
    if (can(self.role, 'media:publish')) return 'studio';
    if (can(self.role, 'media:publishRoom')) return 'room';
    if (can(self.role, 'media:publishStage')) return 'stage';
    return null;
  }

  /** Studio: after 开始上课; a classroom's room device: whenever the lesson is live; a student: while on stage. */
  #wantsToPublish(): boolean {
    switch (this.#publishMode()) {
      case 'studio':
        return this.#publishing;
      case 'room':
        return this.#roster.lesson?.status === 'live';
      case 'stage':
        return this.#roster.lesson?.status === 'live' && this.#roster.self?.onStage === true;
      default:
        return false;
    }
  }

  /** Room device and student: open the camera when publishing starts, publish; close everything when it stops. */
  async #syncPublishing(): Promise<void> {
    const mode = this.#publishMode();
    if (mode !== 'room' && mode !== 'stage') return;
    if (this.#wantsToPublish()) {
      if (this.#mediaStatus !== 'ready') return;
      const status = this.local.snapshot.status;
      if (status === 'ready') return this.#publishLocal();
      if (status === 'starting' || this.#localStarting || this.#localGaveUp) return;
      await this.#openLocal();
      return;
    }
    this.#localGaveUp = false;
    if (mode === 'stage' && (this.#producers.audio || this.#producers.video || this.local.snapshot.status !== 'idle')) {
      // Off stage: the server has closed our producers (or will); stop sending and turn the camera off.
      const media = this.#media;
      for (const producer of Object.values(this.#producers)) media?.dropProducer(producer.id);
      this.#producers = {};
      this.local.stop();
    }
  }

  async #openLocal(): Promise<boolean> {
    this.#localStarting ??= this.local.start().finally(() => (this.#localStarting = undefined));
    const ok = await this.#localStarting;
    if (!ok) {
      this.#localGaveUp = true;
      return false;
    }
    // Still wanted? (taken off stage while the permission prompt was up)
    if (!this.#wantsToPublish()) {
      void this.#syncPublishing();
      return true;
    }
    await this.#publishLocal();
    return true;
  }

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

  /**
   * Studio: shares a screen or window (getDisplayMedia) as a second angle of kind 'screen' (课件), beside the
   * camera. Ends when the teacher stops it here or in the browser's own sharing bar.
   */
  async shareScreen(label: string): Promise<void> {
    if (this.#publishMode() !== 'studio') throw new ClassroomError('FORBIDDEN', 'only the studio shares a screen');
    const media = this.#media;
    if (!media || media.closed || this.#mediaStatus !== 'ready') throw new ClassroomError('INVALID_STATE', 'media is not ready');
    if (this.#screen) return;
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { max: 15 } }, audio: false });
    const track = stream.getVideoTracks()[0];
    if (!track) throw new ClassroomError('BAD_REQUEST', 'no screen was shared');
    track.contentHint = 'detail';
    try {
      const producer = await media.produce(track, 'screen', label);
      this.#screen = { producer, track };
    } catch (err) {
      track.stop();
      throw err;
    }
    track.addEventListener('ended', () => void this.stopScreenShare(), { once: true });
    this.#changed();
  }

  async stopScreenShare(): Promise<void> {
    const screen = this.#endScreen();
    if (screen) await this.#media?.closeProducer(screen.producer.id);
  }

  #endScreen(): { producer: ms.Producer; track: MediaStreamTrack } | undefined {
    const screen = this.#screen;
    if (!screen) return undefined;
    this.#screen = undefined;
    screen.track.stop();
    this.#changed();
    return screen;
  }

  /** Publishes the local tracks that are not yet published (serialised, idempotent). */
  #publishLocal(): Promise<void> {
    const run = (this.#publishRun ?? Promise.resolve()).then(() => this.#publishMissing());
    this.#publishRun = run.catch(() => undefined);
    return run;
  }

  #publishLabels(): { camera: string; microphone: string; profile: PublishProfile } {
    const mode = this.#publishMode();
    if (mode === 'studio' || !this.#roster.self) return { ...this.#labels, profile: 'studio' };
    // The wire label is at most 40 characters: the classroom's (or student's) name.
    const name = [...this.#roster.self.displayName].slice(0, 40).join('');
    return { camera: name, microphone: name, profile: 'room' };
  }

  async #publishMissing(): Promise<void> {
    const media = this.#media;
    if (!this.#wantsToPublish() || !media || media.closed || this.#mediaStatus !== 'ready') return;
    const { camera, microphone } = this.local.snapshot;
    const labels = this.#publishLabels();
    const wanted: [kind: 'video' | 'audio', track: MediaStreamTrack | null, source: MediaSource, label: string][] = [
      ['video', camera, 'camera', labels.camera],
      ['audio', microphone, 'microphone', labels.microphone],
    ];
    for (const [kind, track, source, label] of wanted) {
      if (!track || this.#producers[kind]) continue;
      try {
        const producer = await media.produce(track, source, label, labels.profile);
        if (media.closed || this.#media !== media) return;
        this.#producers[kind] = producer;
        producer.observer.once('close', () => {
          if (this.#producers[kind] === producer) delete this.#producers[kind];
        });
      } catch (err) {
        // A student whose invitation was withdrawn meanwhile is refused; that is not worth a warning.
        if (!(isClassroomError(err, 'FORBIDDEN') && !this.#wantsToPublish())) this.#warn(err);
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

  /**
   * Opens the local camera and mic. In the studio a refused permission is the page's error state; a room
   * device or a student keeps watching the lesson and the page shows the problem beside it.
   */
  async startLocalMedia(): Promise<boolean> {
    this.#localGaveUp = false;
    const ok = await this.local.start();
    const studio = this.#publishMode() === 'studio' || this.#publishMode() === null;
    if (studio) {
      if (ok) this.#dispatch({ type: 'mediaRecovered' });
      else if (this.local.snapshot.status === 'denied') this.#dispatch({ type: 'mediaDenied', detail: this.local.snapshot.errorName ?? undefined });
    } else if (!ok) {
      this.#localGaveUp = true;
    }
    if (ok) await this.#publishLocal();
    return ok;
  }

  /**
   * Self mute / unmute of this client's own microphone (a student on stage, the studio). A teacher's hard
   * mute cannot be lifted here: that throws FORBIDDEN before asking the server.
   */
  async setMicMuted(muted: boolean): Promise<Publication> {
    const pub = ownPublication(this.#roster, 'audio');
    const producer = this.#producers.audio;
    if (!pub || !producer) throw new ClassroomError('INVALID_STATE', 'the microphone is not published');
    if (!muted && pub.hardMuted) throw new ClassroomError('FORBIDDEN', 'muted by a teacher');
    if (muted) producer.pause();
    try {
      const updated = await this.request('media:setPaused', { producerId: pub.producerId, paused: muted });
      this.#apply({ type: 'publicationUpdated', publication: updated });
      if (!muted) producer.resume();
      return updated;
    } catch (err) {
      if (muted) producer.resume();
      throw err;
    }
  }

  // ── health ──────────────────────────────────────────────────────────────────────────────

  #reportsHealth(): boolean {
    const mode = this.#publishMode();
    return mode === 'room' || (mode === 'stage' && this.#roster.self?.onStage === true);
  }

  #startHealth(): void {
    if (this.#healthTimer !== undefined) return;
    this.#healthTimer = setInterval(() => void this.#reportHealth(), HEALTH_INTERVAL_MS);
  }

  #stopHealth(): void {
    clearInterval(this.#healthTimer);
    this.#healthTimer = undefined;
    this.#healthSample = null;
  }

  /** Every client measures its own link (the page shows it); room devices and students on stage also send it to the studio. */
  async #reportHealth(): Promise<void> {
    const media = this.#media;
    if (this.#healthBusy || !media || media.closed) return;
    this.#healthBusy = true;
    try {
      const stats = await media.transportStats();
      const { report, sample } = computeHealth({
        send: stats.send ? ([...stats.send.values()] as StatLike[]) : null,
        recv: stats.recv ? ([...stats.recv.values()] as StatLike[]) : null,
        state: media.connectionState,
        at: performance.now(),
        previous: this.#healthSample,
      });
      if (this.#media !== media) return;
      this.#healthSample = sample;
      this.#ownHealth = report;
      this.#changed();
      if (this.#reportsHealth() && media.hasSendTransport && this.#signaling.connected) await this.request('health:report', report);
    } catch (err) {
      console.debug('[classroom] health report failed', err);
    } finally {
      this.#healthBusy = false;
    }
  }

  // ── stage, hands, hard mute ─────────────────────────────────────────────────────────────

  /** 举手. A local teacher's hand is their room's: the server raises the room device's hand. */
  async raiseHand(): Promise<Participant> {
    const participant = await this.request('hand:raise', {});
    this.#apply({ type: 'participantUpdated', participant });
    return participant;
  }

  /** 放下: one's own (room's) hand, or (stage:manage) anyone's. */
  async lowerHand(participantId?: string): Promise<Participant> {
    const participant = await this.request('hand:lower', participantId ? { participantId } : {});
    this.#apply({ type: 'participantUpdated', participant });
    return participant;
  }

  /** 邀请上台. CONFLICT when the stage is full. */
  async invite(participantId: string): Promise<StageState> {
    const stage = await this.request('stage:invite', { participantId });
    this.#applyInteraction({ type: 'stage', stage });
    return stage;
  }

  /** 下台. */
  async removeFromStage(participantId: string): Promise<StageState> {
    const stage = await this.request('stage:remove', { participantId });
    this.#applyInteraction({ type: 'stage', stage });
    return stage;
  }

  /** Hard mute (or lift it): the server pauses the participant's tracks of that kind; they cannot unmute. */
  async mute(participantId: string, kind: MediaKind, muted: boolean): Promise<Publication[]> {
    const { publications } = await this.request('participant:mute', { participantId, kind, muted });
    for (const publication of publications) this.#apply({ type: 'publicationUpdated', publication });
    return publications;
  }

  // ── quizzes ─────────────────────────────────────────────────────────────────────────────

  async launchQuiz(launch: QuizLaunch): Promise<Quiz> {
    const quiz = await this.request('quiz:launch', launch);
    this.#applyInteraction({ type: 'quizLaunched', quiz });
    return quiz;
  }

  /** Answers for oneself, or (local teacher, room device) for the whole classroom. */
  async answerQuiz(quizId: string, choice: readonly OptionId[], forClassroom = false): Promise<void> {
    await this.request('quiz:answer', { quizId, choice: [...choice], forClassroom });
    this.#applyInteraction({ type: 'quizAnswered', quizId, choice });
  }

  async closeQuiz(quizId: string): Promise<QuizResults> {
    const results = await this.request('quiz:close', { quizId });
    this.#applyInteraction({ type: 'quizClosed', quizId });
    this.#applyInteraction({ type: 'quizResults', results });
    return results;
  }

  async revealQuiz(quizId: string): Promise<QuizResults> {
    const results = await this.request('quiz:reveal', { quizId });
    this.#applyInteraction({ type: 'quizClosed', quizId });
    this.#applyInteraction({ type: 'quizResults', results });
    return results;
  }

  // ── chat, reactions, notes, attendance, comments ────────────────────────────────────────

  async sendChat(text: string, kind: 'chat' | 'question' = 'chat'): Promise<ChatMessage> {
    const message = await this.request('chat:send', { text, kind });
    this.#applyInteraction({ type: 'chatMessage', message });
    return message;
  }

  async deleteChat(messageId: string): Promise<void> {
    await this.request('chat:delete', { messageId });
    this.#applyInteraction({ type: 'chatDeleted', messageId });
  }

  async setChatEnabled(enabled: boolean): Promise<void> {
    const state = await this.request('chat:setEnabled', { enabled });
    this.#applyInteraction({ type: 'chatState', enabled: state.enabled });
  }

  async react(reaction: Reaction): Promise<void> {
    await this.request('reaction:send', { reaction });
  }

  /** A local teacher's private note to the master teacher. */
  async messageMaster(text: string): Promise<PrivateMessage> {
    const message = await this.request('message:toMaster', { text });
    this.#applyInteraction({ type: 'privateMessage', message });
    return message;
  }

  /** A local teacher's head count for their classroom. */
  async recordAttendance(present: number): Promise<Attendance> {
    const attendance = await this.request('attendance:record', { present });
    this.#applyInteraction({ type: 'attendance', attendance });
    return attendance;
  }

  /** 签到: a student on a personal device. */
  async checkIn(): Promise<string> {
    const { at } = await this.request('attendance:checkIn', {});
    this.#applyInteraction({ type: 'checkedIn', at });
    return at;
  }

  /** An observer's (or teacher's) time-stamped comment. */
  async addComment(text: string): Promise<Comment> {
    const comment = await this.request('comment:add', { text });
    this.#applyInteraction({ type: 'comment', comment });
    return comment;
  }

  /** Drops a knowledge-point chapter marker on the lesson's timeline (and the recording). */
  async markKnowledgePoint(knowledgePoint: string): Promise<TimelineEvent> {
    const event = await this.request('lesson:markKnowledgePoint', { knowledgePoint });
    this.#applyInteraction({ type: 'timeline', event });
    return event;
  }

  /** Pauses or resumes the lesson recording (lesson:control); the phase follows the server's answer. */
  async setRecordingPaused(paused: boolean): Promise<boolean> {
    const result = await this.request('recording:setPaused', { paused });
    this.#applyInteraction({ type: 'recording', phase: result.paused ? 'paused' : 'recording' });
    return result.paused;
  }

  /** Puts a studio angle large on this screen only (the viewer's own choice; nothing goes to the server). */
  chooseAngle(producerId: string): void {
    this.#applyInteraction({ type: 'angleChosen', producerId });
  }

  /** 导播 (lesson:control): switches every room's and student's large view to this studio angle; null stops directing. */
  async directAngle(producerId: string | null): Promise<void> {
    const result = await this.request('angle:direct', { producerId });
    this.#applyInteraction({ type: 'angleDirected', producerId: result.producerId, by: this.#roster.self?.id ?? null });
  }

  // ── test hook support ───────────────────────────────────────────────────────────────────

  /** Decoded frames of the consumer of one producer (0 when not received). */
  async framesDecodedOf(producerId: string): Promise<number> {
    return this.#media ? this.#media.framesDecodedOf(producerId) : 0;
  }

  /** Called by the view when the first remote video frame is presented. */
  markFirstFrame(at = performance.now()): void {
    if (this.timing.firstFrameAt === null) mark('first-frame');
    this.timing.firstFrameAt ??= at;
  }

  /** The receive transport's inbound-rtp reports as plain objects (freezes, concealment, loss), for tests and benchmarks. */
  async inboundRtp(): Promise<Record<string, unknown>[]> {
    const recv = this.#media ? (await this.#media.transportStats()).recv : null;
    return recv ? [...(recv.values() as Iterable<Record<string, unknown>>)].filter((r) => r.type === 'inbound-rtp').map((r) => ({ ...r })) : [];
  }

  /** Inbound RTP counters over this client's consumers, or those of one participant's publications. */
  async inboundStats(participantId?: string): Promise<{ framesDecoded: number; audioPacketsReceived: number }> {
    return this.#media ? this.#media.inboundStats(participantId) : { framesDecoded: 0, audioPacketsReceived: 0 };
  }

  /** ICE restarts asked for in this media session (tests, diagnostics). */
  get iceRestarts(): number {
    return this.#iceRecovery?.restarts ?? 0;
  }

  /** Tests: the signaling connection drops as if the network went away (socket.io reconnects and resumes). */
  dropSignalingConnection(): void {
    this.#signaling.dropConnection();
  }

  /** Stops everything after an ended lesson or a dead link: no reconnect loop. */
  #shutdown(): void {
    this.#tokenRefresh.stop();
    clearTimeout(this.#rejoinTimer);
    clearTimeout(this.#reactionTimer);
    clearTimeout(this.#healthFlush);
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
