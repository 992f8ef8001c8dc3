import {
  ClassroomError,
  isVisibleTo,
  type CreateIngest,
  type IngestInfo,
  type JoinTokenClaims,
  type Lesson,
  type MediaKind,
  type MediaSource,
  type Participant,
  type Publication,
  type ResponseOf,
  type RtpParametersWire,
} from '@dualclass/protocol';
import type { SfuClient } from '@dualclass/sfu-server/client';
import type { Logger } from 'pino';
import type { Broadcaster } from '../realtime/broadcaster.ts';
import { newId } from '../ids.ts';
import type { LessonStore } from './lesson-store.ts';
import { LessonRegistry, type LiveLesson, type LiveParticipant } from './live-lesson.ts';

/**
 * Lesson lifecycle and presence, shared by the socket handlers and the REST API so both paths
 * run the same rules.
 */
export class LessonService {
  readonly registry = new LessonRegistry();

  constructor(
    private readonly store: LessonStore,
    private readonly sfu: SfuClient,
    private readonly broadcast: Broadcaster,
    private readonly log: Logger,
  ) {
    sfu.on('producer.closed', ({ lessonId, producerId }) => {
      this.registry.get(lessonId)?.findPublication(producerId)?.owner.removePublication(producerId);
    });
    sfu.on('consumer.closed', ({ participantId, consumerId }) => {
      this.broadcast.toParticipant(participantId, 'media:consumerClosed', { consumerId });
    });
    sfu.on('router.closed', ({ lessonId, reason }) => {
      this.log.warn({ lessonId, reason }, 'media router closed under a live lesson');
      const live = this.registry.get(lessonId);
      for (const p of live?.participants ?? []) for (const pub of p.publications) p.removePublication(pub.producerId);
    });
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

  async join(claims: JoinTokenClaims): Promise<{ participant: LiveParticipant; snapshot: ResponseOf<'lesson:join'> }> {
    const lesson = await this.admit(claims);
    const live = this.registry.getOrCreate(lesson.id);
    const info: Participant = {
      id: claims.sub,
      lessonId: lesson.id,
      role: claims.role,
      displayName: claims.name,
      classroomId: claims.classroomId,
      joinedAt: new Date().toISOString(),
      connection: 'connected',
    };
    const participant = live.addParticipant(info);
    this.#wire(live, participant);
    this.broadcast.presence(info, 'participant:joined');
    const participants = live.participants.map((p) => p.info).filter((p) => isVisibleTo(claims.role, p.role));
    return { participant, snapshot: { self: info, lesson, participants, publications: live.publications() } };
  }

  #wire(live: LiveLesson, participant: LiveParticipant): void {
    participant.on('publicationclose', (publication) => {
      this.broadcast.toLesson(live.lessonId, 'media:publicationRemoved', { producerId: publication.producerId });
      if (!participant.closed) {
        this.sfu
          .call('producer.close', { lessonId: live.lessonId, participantId: participant.id, producerId: publication.producerId })
          .catch((err: unknown) => this.log.debug({ err }, 'producer already closed'));
      }
    });
    participant.once('close', (reason) => {
      this.broadcast.presence(participant.info, 'participant:left');
      if (reason !== 'replaced') {
        this.sfu
          .call('participant.close', { lessonId: live.lessonId, participantId: participant.id })
          .catch((err: unknown) => this.log.warn({ err }, 'could not release participant media'));
      }
    });
  }

  leave(participant: LiveParticipant): void {
    participant.close('left');
  }

  async start(lessonId: string): Promise<Lesson> {
    const lesson = await this.store.setLessonStatus(lessonId, 'scheduled', 'live');
    this.broadcast.toLesson(lessonId, 'lesson:state', lesson);
    this.log.info({ lessonId }, 'lesson started');
    return lesson;
  }

  async end(lessonId: string): Promise<Lesson> {
    const lesson = await this.store.setLessonStatus(lessonId, 'live', 'ended');
    this.broadcast.toLesson(lessonId, 'lesson:state', lesson);
    this.registry.get(lessonId)?.close();
    await this.sfu.call('router.close', { lessonId }).catch((err: unknown) => this.log.warn({ err }, 'router close failed'));
    this.log.info({ lessonId }, 'lesson ended');
    return lesson;
  }

  async requireLive(lessonId: string): Promise<void> {
    const lesson = await this.store.getLesson(lessonId);
    if (lesson.status !== 'live') throw new ClassroomError('INVALID_STATE', `lesson is ${lesson.status}`);
  }

  async publish(
    participant: LiveParticipant,
    input: { transportId: string; kind: MediaKind; rtpParameters: RtpParametersWire; source: MediaSource; label: string },
  ): Promise<Publication> {
    const { lessonId, id: participantId } = participant.info;
    await this.requireLive(lessonId);
    const { producerId, simulcastLayers } = await this.sfu.call('producer.create', {
      lessonId,
      participantId,
      transportId: input.transportId,
      kind: input.kind,
      rtpParameters: input.rtpParameters,
    });
    const publication: Publication = {
      producerId,
      participantId,
      kind: input.kind,
      source: input.source,
      label: input.label,
      paused: false,
      simulcastLayers,
    };
    return this.#announce(participant, publication);
  }

  #announce(participant: LiveParticipant, publication: Publication): Publication {
    if (participant.closed) throw new ClassroomError('INVALID_STATE', 'participant has left');
    participant.addPublication(publication);
    this.broadcast.toLesson(participant.info.lessonId, 'media:publicationAdded', publication);
    return publication;
  }

  unpublish(participant: LiveParticipant, producerId: string): void {
    if (!participant.removePublication(producerId)) throw new ClassroomError('NOT_FOUND', 'publication not found');
  }

  /**
   * Plain-RTP studio feed (the demo's ffmpeg test pattern, a hardware encoder): a studio participant
   * without a socket whose tracks arrive over UDP.
   */
  async createIngest(lessonId: string, input: CreateIngest): Promise<IngestInfo> {
    const lesson = await this.store.getLesson(lessonId);
    if (lesson.status === 'ended') throw new ClassroomError('INVALID_STATE', 'lesson has ended');
    const live = this.registry.getOrCreate(lessonId);
    const participantId = newId('par');
    await this.sfu.call('router.ensure', { lessonId });
    const tracks = [
      { kind: 'video' as const, mimeType: 'video/VP8' as const, ...input.video },
      ...(input.audio ? [{ kind: 'audio' as const, mimeType: 'audio/opus' as const, ...input.audio }] : []),
    ];
    const created = await this.sfu.call('ingest.createPlainRtp', { lessonId, participantId, tracks });
    const participant = live.addParticipant({
      id: participantId,
      lessonId,
      role: 'master_teacher',
      displayName: input.label,
      classroomId: null,
      joinedAt: new Date().toISOString(),
      connection: 'connected',
    });
    this.#wire(live, participant);
    this.broadcast.presence(participant.info, 'participant:joined');
    for (const t of created.tracks) {
      this.#announce(participant, {
        producerId: t.producerId,
        participantId,
        kind: t.kind,
        source: t.kind === 'video' ? 'camera' : 'microphone',
        label: input.label,
        paused: false,
        simulcastLayers: 1,
      });
    }
    const endpoint = (kind: MediaKind) => {
      const t = created.tracks.find((track) => track.kind === kind);
      return t && { ip: t.ip, port: t.port, producerId: t.producerId };
    };
    const video = endpoint('video');
    if (!video) throw new ClassroomError('INTERNAL', 'sfu created no video ingest');
    return { participantId, video, audio: endpoint('audio') };
  }
}
