import {
  ClassroomError,
  isVisibleTo,
  type ConsumerInfo,
  type CreateIngest,
  type IngestInfo,
  type JoinTokenClaims,
  type Lesson,
  type MediaKind,
  type Participant,
  type Publication,
  type RequestOf,
} from '@dualclass/protocol';
import type { SfuApi } from '../media/sfu-cluster.ts';
import type { Logger } from 'pino';
import type { Broadcaster } from '../realtime/broadcaster.ts';
import { newId } from '../ids.ts';
import type { Timeline } from '../timeline/timeline.ts';
import type { LessonStore } from './lesson-store.ts';
import { LessonRegistry, type LiveLesson, type LiveParticipant } from './live-lesson.ts';
import { canReceive } from './visibility.ts';
import { consumerPriority } from './bandwidth-policy.ts';
import type { LiveLessonSnapshot } from './live-snapshot.ts';

export interface JoinSnapshot {
  self: Participant;
  lesson: Lesson;
  participants: Participant[];
  publications: Publication[];
  directedAngle: string | null;
  resumeKey: string;
  resumed: { consumerIds: string[]; producerIds: string[] } | null;
}

export interface LessonServiceOptions {
  /** How long a participant whose connection dropped is kept (stage, hand, media) waiting for it to resume. */
  resumeGraceMs: number;
}

/**
 * Lesson lifecycle, presence and publications, shared by the socket handlers and the REST API so both
 * paths run the same rules.
 */
export class LessonService {
  readonly registry = new LessonRegistry();
  readonly #endListeners = new Set<(lessonId: string) => void>();
  readonly #startListeners = new Set<(lesson: Lesson) => void>();
  readonly #endingListeners = new Set<(lesson: Lesson) => Promise<void>>();
  readonly #mediaListeners = new Set<(live: LiveLesson) => void>();
  readonly #leaveListeners = new Set<(participant: LiveParticipant) => void>();
  readonly #restoredListeners = new Set<(lessonId: string) => void>();

  constructor(
    readonly store: LessonStore,
    private readonly sfu: SfuApi,
    private readonly broadcast: Broadcaster,
    private readonly timeline: Timeline,
    private readonly log: Logger,
    private readonly options: LessonServiceOptions = { resumeGraceMs: 45_000 },
  ) {
    sfu.on('producer.closed', ({ lessonId, producerId }) => {
      this.registry.get(lessonId)?.findPublication(producerId)?.owner.removePublication(producerId);
    });
    sfu.on('consumer.closed', ({ lessonId, participantId, consumerId }) => {
      this.registry.get(lessonId)?.participant(participantId)?.consumers.delete(consumerId);
      this.broadcast.toParticipant(participantId, 'media:consumerClosed', { consumerId });
    });
    sfu.on('router.closed', ({ lessonId, reason }) => {
      this.log.warn({ lessonId, reason }, 'media router closed under a live lesson');
      const live = this.registry.get(lessonId);
      for (const p of live?.participants ?? []) p.dropMedia();
      // Every transport of the lesson went with the router: clients start their media over on a new one.
      if (live) this.broadcast.toLesson(lessonId, 'media:reset', { reason: 'media server restarted' });
    });
  }

  /** Called when a lesson ends, after its live state is closed (quiz timers, recordings). */
  onLessonEnd(listener: (lessonId: string) => void): void {
    this.#endListeners.add(listener);
  }

  onLessonStart(listener: (lesson: Lesson) => void): void {
    this.#startListeners.add(listener);
  }

  /** Awaited when a lesson is ending, before its participants and media close (the recorder stops cleanly). */
  onLessonEnding(listener: (lesson: Lesson) => Promise<void>): void {
    this.#endingListeners.add(listener);
  }

  /** A publication came, went, or changed audience, or someone went on or off stage. */
  onMediaChange(listener: (live: LiveLesson) => void): void {
    this.#mediaListeners.add(listener);
  }

  /** This node took the lesson over from another and restored its live state (cluster failover). */
  onLessonRestored(listener: (lessonId: string) => void): void {
    this.#restoredListeners.add(listener);
  }

  onParticipantLeft(listener: (participant: LiveParticipant) => void): void {
    this.#leaveListeners.add(listener);
  }

  /** Checks a verified token still names a lesson it may join; called at the socket handshake. */
  async admit(claims: JoinTokenClaims): Promise<Lesson> {
    const lesson = await this.store.getLesson(claims.lessonId).catch(() => {
      throw new ClassroomError('UNAUTHENTICATED', 'token names an unknown lesson');
    });
    if (lesson.status === 'ended') throw new ClassroomError('INVALID_STATE', 'lesson has ended');
    if (claims.classroomId && !lesson.classroomIds.includes(claims.classroomId)) {
      throw new ClassroomError('UNAUTHENTICATED', 'classroom is not paired with this lesson');
    }
    return lesson;
  }

  /**
   * Enters the lesson, or with the right resume key takes over one's own participant as it is (stage, hand, media
   * at the SFU). A wrong or stale key is not an error: the join is fresh and replaces any participant of that id.
   */
  async join(
    claims: JoinTokenClaims,
    resume?: { key: string; restartMedia?: boolean | undefined },
  ): Promise<{ participant: LiveParticipant; snapshot: JoinSnapshot }> {
    const lesson = await this.admit(claims);
    const live = this.registry.getOrCreate(lesson.id);
    const existing = live.participant(claims.sub);
    let participant: LiveParticipant;
    let resumed: JoinSnapshot['resumed'] = null;
    if (resume && existing && !existing.closed && existing.acceptsResumeKey(resume.key)) {
      participant = existing;
      if (resume.restartMedia) await this.#resetMedia(live, participant);
      else resumed = { consumerIds: [...participant.consumers.keys()], producerIds: participant.publications.map((p) => p.producerId) };
      if (participant.info.connection !== 'connected') this.updateParticipant(participant, { connection: 'connected' });
      this.log.info({ lessonId: lesson.id, participantId: participant.id, restartMedia: resume.restartMedia === true }, 'participant resumed');
    } else {
      participant = this.#enter(live, { id: claims.sub, role: claims.role, displayName: claims.name, classroomId: claims.classroomId });
    }
    const participants = live.participants.map((p) => p.info).filter((p) => isVisibleTo(claims.role, p.role));
    const publications = live.publications().filter((pub) => canReceive(claims.role, pub));
    return {
      participant,
      snapshot: { self: participant.info, lesson, participants, publications, directedAngle: live.directedAngle, resumeKey: participant.resumeKey, resumed },
    };
  }

  /** The participant's connection dropped without leaving: others see it reconnecting until it resumes or the grace ends. */
  suspend(participant: LiveParticipant): void {
    if (participant.closed) return;
    participant.suspend(this.options.resumeGraceMs);
    this.updateParticipant(participant, { connection: 'reconnecting' });
  }

  /** Throws away everything the participant has at the SFU (its client builds new transports); presence stays. */
  async #resetMedia(live: LiveLesson, participant: LiveParticipant): Promise<void> {
    participant.dropMedia();
    await this.sfu
      .call('participant.close', { lessonId: live.lessonId, participantId: participant.id })
      .catch((err: unknown) => this.log.warn({ err }, 'could not release participant media'));
  }

  /**
   * Puts back a lesson's live state as the node that owned it last saved it (it died or handed the lesson over):
   * everyone is as they were, publications and consumers included, since their media lives on at the SFU. Those
   * who spoke through a socket wait as reconnecting until their socket's session finds them again or they resume.
   */
  restore(snapshot: LiveLessonSnapshot): void {
    const live = this.registry.getOrCreate(snapshot.lessonId);
    live.directedAngle = snapshot.directedAngle;
    for (const saved of snapshot.participants) {
      const participant = this.#enter(live, saved.info, { resumeKey: saved.resumeKey, socketId: saved.socketId, stageSince: saved.stageSince });
      for (const publication of saved.publications) participant.addPublication(publication);
      for (const [consumerId, producerId] of saved.consumers) participant.consumers.set(consumerId, producerId);
      // An encoder feed has no socket to come back through; it stays as it is.
      if (saved.socketId !== null) this.suspend(participant);
    }
    this.#mediaChanged(snapshot.lessonId);
    this.log.info({ lessonId: snapshot.lessonId, participants: snapshot.participants.length, savedAt: snapshot.savedAt }, 'lesson live state restored');
    for (const listener of this.#restoredListeners) listener(snapshot.lessonId);
  }

  #enter(
    live: LiveLesson,
    who: Pick<Participant, 'id' | 'role' | 'displayName' | 'classroomId'> | Participant,
    restored?: Parameters<LiveLesson['addParticipant']>[1],
  ): LiveParticipant {
    const info: Participant =
      'joinedAt' in who
        ? who
        : { ...who, lessonId: live.lessonId, joinedAt: new Date().toISOString(), connection: 'connected', handRaisedAt: null, onStage: false };
    const participant = live.addParticipant(info, restored);
    participant.on('publicationclose', (publication) => {
      this.#announce(live.lessonId, 'media:publicationRemoved', publication);
      if (live.directedAngle === publication.producerId && !live.closed) {
        live.directedAngle = null;
        this.broadcast.toLesson(live.lessonId, 'angle:directed', { producerId: null, by: null });
      }
      this.#mediaChanged(live.lessonId);
      if (!participant.closed) {
        this.sfu
          .call('producer.close', { lessonId: live.lessonId, participantId: participant.id, producerId: publication.producerId })
          .catch((err: unknown) => this.log.debug({ err }, 'producer already closed'));
      }
    });
    participant.once('close', (reason) => {
      this.broadcast.presence(participant.info, 'participant:left');
      for (const listener of this.#leaveListeners) listener(participant);
      if (reason !== 'replaced') {
        this.sfu
          .call('participant.close', { lessonId: live.lessonId, participantId: participant.id })
          .catch((err: unknown) => this.log.warn({ err }, 'could not release participant media'));
      }
    });
    this.broadcast.presence(participant.info, 'participant:joined');
    return participant;
  }

  /** Pushes a publication change to exactly those who may receive it. */
  #announce(lessonId: string, event: 'media:publicationAdded' | 'media:publicationUpdated' | 'media:publicationRemoved', publication: Publication): void {
    const payload = event === 'media:publicationRemoved' ? { producerId: publication.producerId } : publication;
    if (publication.audience === 'all') this.broadcast.toLesson(lessonId, event, payload as Publication);
    else this.broadcast.toPermission(lessonId, 'roster:view', event, payload as Publication);
  }

  leave(participant: LiveParticipant): void {
    participant.close('left');
  }

  /** Updates a participant's presence fields and tells whoever may see them. */
  updateParticipant(participant: LiveParticipant, change: Partial<Pick<Participant, 'handRaisedAt' | 'onStage' | 'connection'>>): Participant {
    participant.info = { ...participant.info, ...change };
    this.broadcast.presence(participant.info, 'participant:updated');
    if (change.onStage !== undefined) this.#mediaChanged(participant.info.lessonId);
    return participant.info;
  }

  async start(lessonId: string, actorId: string | null = null): Promise<Lesson> {
    const lesson = await this.store.setLessonStatus(lessonId, 'scheduled', 'live');
    this.broadcast.toLesson(lessonId, 'lesson:state', lesson);
    await this.timeline.record(lesson, 'lesson_start', { actorId });
    for (const listener of this.#startListeners) listener(lesson);
    this.log.info({ lessonId }, 'lesson started');
    return lesson;
  }

  async end(lessonId: string, actorId: string | null = null): Promise<Lesson> {
    const lesson = await this.store.setLessonStatus(lessonId, 'live', 'ended');
    for (const listener of this.#endingListeners) {
      await listener(lesson).catch((err: unknown) => this.log.error({ err, lessonId }, 'lesson-ending hook failed'));
    }
    await this.timeline.record(lesson, 'lesson_end', { actorId });
    this.broadcast.toLesson(lessonId, 'lesson:state', lesson);
    this.registry.get(lessonId)?.close();
    for (const listener of this.#endListeners) listener(lessonId);
    await this.sfu.call('router.close', { lessonId }).catch((err: unknown) => this.log.warn({ err }, 'router close failed'));
    this.log.info({ lessonId }, 'lesson ended');
    return lesson;
  }

  async requireLive(lessonId: string): Promise<Lesson> {
    const lesson = await this.store.getLesson(lessonId);
    if (lesson.status !== 'live') throw new ClassroomError('INVALID_STATE', `lesson is ${lesson.status}`);
    return lesson;
  }

  /** Creates the producer at the SFU and announces it; who may see it and whether it starts paused is the caller's policy. */
  async publish(
    participant: LiveParticipant,
    input: RequestOf<'media:produce'>,
    policy: Pick<Publication, 'audience' | 'paused'>,
  ): Promise<Publication> {
    const { lessonId, id: participantId } = participant.info;
    await this.requireLive(lessonId);
    const owner = { lessonId, participantId };
    const { producerId, simulcastLayers } = await this.sfu.call('producer.create', { ...owner, ...input });
    if (policy.paused) await this.sfu.call('producer.setPaused', { ...owner, producerId, paused: true });
    const { kind, source, label } = input;
    return this.#add(participant, { producerId, participantId, kind, source, label, simulcastLayers, hardMuted: false, ...policy });
  }

  #add(participant: LiveParticipant, publication: Publication): Publication {
    if (participant.closed) throw new ClassroomError('INVALID_STATE', 'participant has left');
    participant.addPublication(publication);
    this.#announce(participant.info.lessonId, 'media:publicationAdded', publication);
    this.#mediaChanged(participant.info.lessonId);
    return publication;
  }

  #mediaChanged(lessonId: string): void {
    const live = this.registry.get(lessonId);
    if (live) for (const listener of this.#mediaListeners) listener(live);
  }

  /**
   * 导播: points every viewer's large view at one studio video angle (or nobody's, with null). Anything that
   * is not a live studio video of this lesson is NOT_FOUND.
   */
  async directAngle(actor: LiveParticipant, producerId: string | null): Promise<{ producerId: string | null }> {
    const { lessonId } = actor.info;
    await this.requireLive(lessonId);
    const live = this.registry.get(lessonId);
    if (!live) throw new ClassroomError('INVALID_STATE', 'lesson is not live on this server');
    if (producerId !== null && !live.studioAngle(producerId)) throw new ClassroomError('NOT_FOUND', 'no such studio angle');
    live.directedAngle = producerId;
    this.broadcast.toLesson(lessonId, 'angle:directed', { producerId, by: actor.id });
    return { producerId };
  }

  unpublish(participant: LiveParticipant, producerId: string): void {
    if (!participant.removePublication(producerId)) throw new ClassroomError('NOT_FOUND', 'publication not found');
  }

  /** Pauses or resumes at the SFU, then records and announces the new state. */
  async setPublicationState(
    participant: LiveParticipant,
    producerId: string,
    change: Partial<Pick<Publication, 'paused' | 'hardMuted'>>,
  ): Promise<Publication> {
    const current = participant.publication(producerId);
    if (!current) throw new ClassroomError('NOT_FOUND', 'publication not found');
    if (change.paused !== undefined && change.paused !== current.paused) {
      await this.sfu.call('producer.setPaused', { lessonId: participant.info.lessonId, participantId: participant.id, producerId, paused: change.paused });
    }
    const next = participant.updatePublication(producerId, change);
    this.#announce(participant.info.lessonId, 'media:publicationUpdated', next);
    return next;
  }

  /**
   * Widens or narrows who may receive a participant's publications. Narrowing withdraws them from those who
   * may no longer receive them: their consumers close at the SFU and the publication disappears for them.
   */
  async setAudience(live: LiveLesson, owner: LiveParticipant, audience: Publication['audience']): Promise<void> {
    try {
      await this.#setAudience(live, owner, audience);
    } finally {
      this.#mediaChanged(live.lessonId);
    }
  }

  async #setAudience(live: LiveLesson, owner: LiveParticipant, audience: Publication['audience']): Promise<void> {
    for (const before of owner.publications) {
      if (before.audience === audience) continue;
      const after = owner.updatePublication(before.producerId, { audience });
      if (audience === 'all') {
        this.broadcast.toPermission(live.lessonId, 'roster:view', 'media:publicationUpdated', after);
        this.broadcast.toLessonExcept(live.lessonId, 'roster:view', 'media:publicationAdded', after);
        continue;
      }
      this.broadcast.toPermission(live.lessonId, 'roster:view', 'media:publicationUpdated', after);
      this.broadcast.toLessonExcept(live.lessonId, 'roster:view', 'media:publicationRemoved', { producerId: after.producerId });
      for (const viewer of live.participants) {
        if (canReceive(viewer.info.role, after)) continue;
        for (const [consumerId, producerId] of viewer.consumers) {
          if (producerId !== after.producerId) continue;
          viewer.consumers.delete(consumerId);
          await this.sfu
            .call('consumer.close', { lessonId: live.lessonId, participantId: viewer.id, consumerId })
            .catch((err: unknown) => this.log.debug({ err }, 'consumer already closed'));
        }
      }
    }
  }

  /** A consumer for a publication the participant may receive; anything else is NOT_FOUND, as if it did not exist. */
  async consume(participant: LiveParticipant, req: RequestOf<'media:consume'>): Promise<ConsumerInfo> {
    const live = this.registry.get(participant.info.lessonId);
    const found = live?.findPublication(req.producerId);
    if (!found || !canReceive(participant.info.role, found.publication)) throw new ClassroomError('NOT_FOUND', 'publication not found');
    // The master camera is the studio's first camera publication (the one rooms show large by default).
    const firstStudioCamera = live!.publications().find((p) => p.kind === 'video' && p.source === 'camera' && live!.participant(p.participantId)?.info.role === 'master_teacher');
    const priority = consumerPriority(found.publication, found.owner.info.role, firstStudioCamera?.producerId === found.publication.producerId);
    const info = await this.sfu.call('consumer.create', { lessonId: participant.info.lessonId, participantId: participant.id, ...req, priority });
    participant.consumers.set(info.consumerId, info.producerId);
    return info;
  }

  /**
   * Plain-RTP studio feed (the demo's ffmpeg test pattern, a hardware encoder): a studio participant
   * without a socket whose tracks arrive over UDP.
   */
  async createIngest(lessonId: string, input: CreateIngest): Promise<IngestInfo> {
    const { payloadType, mimeType, ssrc, ssrcs } = input.video;
    const tracks = [
      { kind: 'video' as const, mimeType, payloadType, ssrcs: ssrcs ?? [ssrc!] },
      ...(input.audio ? [{ kind: 'audio' as const, mimeType: 'audio/opus' as const, payloadType: input.audio.payloadType, ssrcs: [input.audio.ssrc] }] : []),
    ];
    const { participantId, created } = await this.#ingest(lessonId, input, async (owner) => {
      const { tracks: endpoints } = await this.sfu.call('ingest.createPlainRtp', { ...owner, tracks });
      return { tracks: endpoints, endpoints };
    });
    const endpoint = (kind: MediaKind) => {
      const t = created.endpoints.find((track) => track.kind === kind);
      return t && { ip: t.ip, port: t.port, producerId: t.producerId };
    };
    const video = endpoint('video');
    if (!video) throw new ClassroomError('INTERNAL', 'sfu created no video ingest');
    return { participantId, video, audio: endpoint('audio') };
  }

  /**
   * WHIP studio feed (OBS, a browser): like a plain-RTP feed, a studio participant without a socket, but its
   * media arrives over one WebRTC transport negotiated from the encoder's SDP offer. Returns the SDP answer.
   */
  async createWhipIngest(
    lessonId: string,
    input: Pick<CreateIngest, 'label' | 'source'>,
    offer: string,
  ): Promise<{ participantId: string; answer: string }> {
    const { participantId, created } = await this.#ingest(lessonId, input, (owner) => this.sfu.call('whip.publish', { ...owner, offer }));
    return { participantId, answer: created.answer };
  }

  /** Ends a socketless studio feed: its publications are withdrawn and its media closed at the SFU. */
  endIngest(lessonId: string, participantId: string): void {
    this.registry.get(lessonId)?.participant(participantId)?.close('left');
  }

  /**
   * The one path every studio feed takes: the lesson must not have ended, the media is created at the SFU for a
   * fresh master_teacher participant (released again if that fails), then the participant enters and each track
   * is announced to everyone as a studio publication.
   */
  async #ingest<T extends { tracks: { producerId: string; kind: MediaKind; simulcastLayers?: number }[] }>(
    lessonId: string,
    input: Pick<CreateIngest, 'label' | 'source'>,
    createMedia: (owner: { lessonId: string; participantId: string }) => Promise<T>,
  ): Promise<{ participantId: string; created: T }> {
    const lesson = await this.store.getLesson(lessonId);
    if (lesson.status === 'ended') throw new ClassroomError('INVALID_STATE', 'lesson has ended');
    const live = this.registry.getOrCreate(lessonId);
    const participantId = newId('par');
    await this.sfu.call('router.ensure', { lessonId });
    let created: T;
    try {
      created = await createMedia({ lessonId, participantId });
    } catch (err) {
      await this.sfu.call('participant.close', { lessonId, participantId }).catch(() => undefined);
      throw err;
    }
    const participant = this.#enter(live, { id: participantId, role: 'master_teacher', displayName: input.label, classroomId: null });
    for (const t of created.tracks) {
      this.#add(participant, {
        producerId: t.producerId,
        participantId,
        kind: t.kind,
        source: t.kind === 'video' ? input.source : 'microphone',
        label: input.label,
        paused: false,
        hardMuted: false,
        audience: 'all',
        simulcastLayers: t.simulcastLayers ?? 1,
      });
    }
    return { participantId, created };
  }
}
