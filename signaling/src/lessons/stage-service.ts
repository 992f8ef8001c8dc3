import {
  ClassroomError,
  can,
  type HealthReport,
  type MediaKind,
  type Participant,
  type Publication,
  type RequestOf,
  type StageState,
} from '@dualclass/protocol';
import type { Broadcaster } from '../realtime/broadcaster.ts';
import type { Timeline } from '../timeline/timeline.ts';
import type { LessonService } from './lesson-service.ts';
import type { LiveLesson, LiveParticipant } from './live-lesson.ts';

/** Roles that can be brought on stage: a remote classroom's room device, or a student on a personal device. */
const STAGEABLE = new Set<Participant['role']>(['classroom_device', 'student']);

/**
 * Hands, the stage (连麦) and hard mute. The stage decides who hears and sees whom: a classroom off stage feeds
 * only the studio's wall with its camera and keeps its mic paused; on stage both reach every room.
 */
export class StageService {
  constructor(
    private readonly lessons: LessonService,
    private readonly broadcast: Broadcaster,
    private readonly timeline: Timeline,
    private readonly limit: number,
  ) {
    lessons.onParticipantLeft((participant) => {
      if (participant.info.onStage) this.#pushState(participant.info.lessonId);
    });
  }

  /** A classroom's room mic is closed while the classroom is off stage. */
  #roomMicClosed(participant: LiveParticipant): boolean {
    return can(participant.info.role, 'media:publishRoom') && !participant.info.onStage;
  }

  #live(lessonId: string): LiveLesson {
    const live = this.lessons.registry.get(lessonId);
    if (!live) throw new ClassroomError('INVALID_STATE', 'lesson is not in session');
    return live;
  }

  #target(live: LiveLesson, participantId: string): LiveParticipant {
    const target = live.participant(participantId);
    if (!target || target.closed) throw new ClassroomError('NOT_FOUND', 'participant not found');
    return target;
  }

  state(lessonId: string): StageState {
    const live = this.lessons.registry.get(lessonId);
    const members = (live?.participants ?? []).filter((p) => p.info.onStage).sort((a, b) => a.stageSince - b.stageSince);
    return { limit: this.limit, members: members.map((p) => p.id) };
  }

  /** What a new publication may reach and whether it starts paused, by who publishes it. */
  publishPolicy(participant: LiveParticipant, kind: MediaKind): Pick<Publication, 'audience' | 'paused'> {
    const { role, onStage } = participant.info;
    if (can(role, 'media:publish')) return { audience: 'all', paused: false };
    if (can(role, 'media:publishRoom')) {
      // A room mic stays closed until the classroom is on stage, so 50 rooms never talk over the lesson.
      return { audience: onStage ? 'all' : 'staff', paused: kind === 'audio' && this.#roomMicClosed(participant) };
    }
    if (can(role, 'media:publishStage') && onStage) return { audience: 'all', paused: false };
    throw new ClassroomError('FORBIDDEN', 'only participants on stage may publish');
  }

  async publish(participant: LiveParticipant, input: RequestOf<'media:produce'>): Promise<Publication> {
    return this.lessons.publish(participant, input, this.publishPolicy(participant, input.kind));
  }

  /** Self mute/unmute. A teacher's hard mute and a closed room mic cannot be lifted by their owner. */
  async setOwnPaused(participant: LiveParticipant, producerId: string, paused: boolean): Promise<Publication> {
    const publication = participant.publication(producerId);
    if (!publication) throw new ClassroomError('NOT_FOUND', 'publication not found');
    if (!paused && publication.hardMuted) throw new ClassroomError('FORBIDDEN', 'muted by a teacher');
    if (!paused && publication.kind === 'audio' && this.#roomMicClosed(participant)) {
      throw new ClassroomError('INVALID_STATE', 'the room microphone opens when the classroom is on stage');
    }
    return this.lessons.setPublicationState(participant, producerId, { paused });
  }

  /** A local teacher's hand is their room's: it raises the room device's hand, which the studio sees on the wall. */
  #handOwner(live: LiveLesson, actor: LiveParticipant): LiveParticipant {
    if (actor.info.role !== 'local_teacher') return actor;
    const device = live.participants.find((p) => p.info.role === 'classroom_device' && p.info.classroomId === actor.info.classroomId);
    if (!device) throw new ClassroomError('INVALID_STATE', 'the classroom device is not connected');
    return device;
  }

  async raiseHand(actor: LiveParticipant): Promise<Participant> {
    const lesson = await this.lessons.requireLive(actor.info.lessonId);
    const owner = this.#handOwner(this.#live(lesson.id), actor);
    if (owner.info.handRaisedAt) return owner.info;
    const info = this.lessons.updateParticipant(owner, { handRaisedAt: new Date().toISOString() });
    await this.timeline.record(lesson, 'hand_raise', { actorId: actor.id, subjectId: owner.id });
    return info;
  }

  async lowerHand(actor: LiveParticipant, participantId: string | undefined): Promise<Participant> {
    const lesson = await this.lessons.requireLive(actor.info.lessonId);
    const live = this.#live(lesson.id);
    const owner = participantId === undefined ? this.#handOwner(live, actor) : this.#target(live, participantId);
    this.#mayActOn(actor, owner, 'stage:manage', 'lower this hand');
    if (!owner.info.handRaisedAt) return owner.info;
    const info = this.lessons.updateParticipant(owner, { handRaisedAt: null });
    await this.timeline.record(lesson, 'hand_lower', { actorId: actor.id, subjectId: owner.id });
    return info;
  }

  async invite(actor: LiveParticipant, participantId: string): Promise<StageState> {
    const lesson = await this.lessons.requireLive(actor.info.lessonId);
    const live = this.#live(lesson.id);
    const target = this.#target(live, participantId);
    if (!STAGEABLE.has(target.info.role)) throw new ClassroomError('BAD_REQUEST', 'only classrooms and students can go on stage');
    if (target.info.onStage) return this.state(lesson.id);
    if (this.state(lesson.id).members.length >= this.limit) {
      throw new ClassroomError('CONFLICT', `the stage is full (${this.limit})`);
    }
    target.stageSince = Date.now();
    this.lessons.updateParticipant(target, { onStage: true, handRaisedAt: null });
    await this.lessons.setAudience(live, target, 'all');
    for (const mic of target.publications.filter((p) => p.kind === 'audio' && p.paused && !p.hardMuted)) {
      await this.lessons.setPublicationState(target, mic.producerId, { paused: false });
    }
    await this.timeline.record(lesson, 'stage_on', { actorId: actor.id, subjectId: target.id });
    return this.#pushState(lesson.id);
  }

  async remove(actor: LiveParticipant, participantId: string): Promise<StageState> {
    const lesson = await this.lessons.requireLive(actor.info.lessonId);
    const live = this.#live(lesson.id);
    const target = this.#target(live, participantId);
    if (!target.info.onStage) return this.state(lesson.id);
    await this.takeOffStage(live, target);
    await this.timeline.record(lesson, 'stage_off', { actorId: actor.id, subjectId: target.id });
    return this.#pushState(lesson.id);
  }

  /** Off stage: a student's stage tracks end; a classroom's go back to the wall with the mic closed. */
  async takeOffStage(live: LiveLesson, target: LiveParticipant): Promise<void> {
    this.lessons.updateParticipant(target, { onStage: false });
    if (target.info.role === 'student') {
      for (const pub of target.publications) target.removePublication(pub.producerId);
      return;
    }
    await this.lessons.setAudience(live, target, 'staff');
    for (const mic of target.publications.filter((p) => p.kind === 'audio' && !p.paused)) {
      await this.lessons.setPublicationState(target, mic.producerId, { paused: true });
    }
  }

  #pushState(lessonId: string): StageState {
    const state = this.state(lessonId);
    this.broadcast.toLesson(lessonId, 'stage:state', state);
    return state;
  }

  /** The master may act on anyone; a local teacher only within their own classroom; others only on themselves. */
  #mayActOn(actor: LiveParticipant, target: LiveParticipant, anyone: 'stage:manage' | 'participant:mute', what: string): void {
    if (actor.id === target.id) return;
    if (actor.info.role === 'local_teacher' && target.info.classroomId === actor.info.classroomId && actor.info.classroomId) return;
    if (can(actor.info.role, anyone) && actor.info.role !== 'local_teacher') return;
    throw new ClassroomError('FORBIDDEN', `you may not ${what}`);
  }

  /** Hard mute: paused at the SFU, and only a teacher can lift it. */
  async mute(actor: LiveParticipant, req: RequestOf<'participant:mute'>): Promise<Publication[]> {
    const lesson = await this.lessons.requireLive(actor.info.lessonId);
    const target = this.#target(this.#live(lesson.id), req.participantId);
    if (target.id === actor.id) throw new ClassroomError('BAD_REQUEST', 'use media:setPaused for your own tracks');
    this.#mayActOn(actor, target, 'participant:mute', 'mute this participant');
    const updated: Publication[] = [];
    for (const pub of target.publications.filter((p) => p.kind === req.kind)) {
      // Unmuting a room mic off stage lifts the hard mute but the mic stays closed until the room is on stage.
      const paused = req.muted || (pub.kind === 'audio' && this.#roomMicClosed(target));
      updated.push(await this.lessons.setPublicationState(target, pub.producerId, { hardMuted: req.muted, paused }));
    }
    await this.timeline.record(lesson, req.muted ? 'mute' : 'unmute', { actorId: actor.id, subjectId: target.id, data: { kind: req.kind } });
    return updated;
  }

  reportHealth(participant: LiveParticipant, report: HealthReport): void {
    this.broadcast.toPermission(participant.info.lessonId, 'roster:view', 'participant:health', {
      ...report,
      participantId: participant.id,
      reportedAt: new Date().toISOString(),
    });
  }
}
