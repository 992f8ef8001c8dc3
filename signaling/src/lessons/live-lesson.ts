import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { ClassroomError, type Participant, type Publication } from '@dualclass/protocol';
import { secretMatcher } from '@dualclass/protocol/ops';

/** `timed_out`: the connection dropped and no resume came within the grace period. */
export type ParticipantCloseReason = 'left' | 'replaced' | 'lesson_closed' | 'timed_out';

/** The socket speaking for a participant now. A resume from a new socket detaches the old one. */
export interface ParticipantBinding {
  readonly socketId: string;
  /** Another socket took this participant over (the old connection was half-open). */
  detach(): void;
  closed(reason: ParticipantCloseReason): void;
}

/**
 * A participant's live presence in a lesson. Owns its publications; closing it closes them
 * (emitting `publicationclose` for each) before emitting `close`, as mediasoup's tree does.
 */
export class LiveParticipant extends EventEmitter<{
  close: [reason: ParticipantCloseReason];
  publicationclose: [publication: Publication];
}> {
  readonly #publications = new Map<string, Publication>();
  /** consumerId → producerId of what this participant receives, so access can be withdrawn. */
  readonly consumers = new Map<string, string>();
  /** When the participant went on stage; orders the stage. */
  stageSince = 0;
  /** Presented by the client to take this participant over after a dropped connection. */
  readonly resumeKey: string;
  #binding: ParticipantBinding | undefined;
  /** The socket last bound, kept across a suspend and a restore on another node, so that socket's session finds us again. */
  #socketId: string | null = null;
  #keyMatches: ((candidate: string) => boolean) | undefined;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    public info: Participant,
    restored?: { resumeKey: string; socketId: string | null; stageSince: number },
  ) {
    super();
    this.resumeKey = restored?.resumeKey ?? randomBytes(24).toString('base64url');
    this.#socketId = restored?.socketId ?? null;
    this.stageSince = restored?.stageSince ?? 0;
  }

  /** The socket that spoke for this participant last (bound now, or before a drop). */
  get socketId(): string | null {
    return this.#socketId;
  }

  get id(): string {
    return this.info.id;
  }
  get closed(): boolean {
    return this.#closed;
  }
  get publications(): Publication[] {
    return [...this.#publications.values()];
  }

  /** Constant-time, so the key cannot be guessed byte by byte from response times. */
  acceptsResumeKey(key: string): boolean {
    this.#keyMatches ??= secretMatcher(this.resumeKey);
    return this.#keyMatches(key);
  }

  /** Attaches the participant to a socket; whichever socket held it before is detached. */
  bind(binding: ParticipantBinding): void {
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    const previous = this.#binding;
    this.#binding = binding;
    this.#socketId = binding.socketId;
    if (previous && previous.socketId !== binding.socketId) previous.detach();
  }

  isBoundTo(socketId: string): boolean {
    return this.#binding?.socketId === socketId;
  }

  /** The socket went away without leaving: everything is kept (media keeps flowing) until `graceMs` pass without a resume. */
  suspend(graceMs: number): void {
    this.#binding = undefined;
    clearTimeout(this.#graceTimer);
    this.#graceTimer = setTimeout(() => this.close('timed_out'), graceMs);
    this.#graceTimer.unref?.();
  }

  get suspended(): boolean {
    return this.#graceTimer !== undefined;
  }

  ownsPublication(producerId: string): boolean {
    return this.#publications.has(producerId);
  }

  publication(producerId: string): Publication | undefined {
    return this.#publications.get(producerId);
  }

  /** Replaces a publication's mutable fields (pause, mute, audience) and returns the new value. */
  updatePublication(producerId: string, change: Partial<Pick<Publication, 'paused' | 'hardMuted' | 'audience'>>): Publication {
    const current = this.#publications.get(producerId);
    if (!current) throw new ClassroomError('NOT_FOUND', 'publication not found');
    const next = { ...current, ...change };
    this.#publications.set(producerId, next);
    return next;
  }

  addPublication(publication: Publication): void {
    if (this.#closed) throw new ClassroomError('INVALID_STATE', 'participant has left');
    this.#publications.set(publication.producerId, publication);
  }

  removePublication(producerId: string): Publication | undefined {
    const publication = this.#publications.get(producerId);
    if (!publication) return undefined;
    this.#publications.delete(producerId);
    this.emit('publicationclose', publication);
    return publication;
  }

  /** Its media is gone at the SFU (reset, or the router died): every publication is withdrawn, nothing is received. */
  dropMedia(): void {
    for (const producerId of [...this.#publications.keys()]) this.removePublication(producerId);
    this.consumers.clear();
  }

  /** Lets go without a trace (another node runs the lesson now): no events, no media released, no timers left. */
  abandon(): void {
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    this.#closed = true;
    this.removeAllListeners();
  }

  close(reason: ParticipantCloseReason): void {
    if (this.#closed) return;
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    for (const producerId of [...this.#publications.keys()]) this.removePublication(producerId);
    this.#closed = true;
    this.#binding?.closed(reason);
    this.emit('close', reason);
  }
}

/** The live state of one lesson on this signaling node: who is here and what they publish. */
export class LiveLesson extends EventEmitter<{ close: [] }> {
  readonly #participants = new Map<string, LiveParticipant>();
  #closed = false;
  /** 导播: the studio video angle every viewer was last directed to, or null. */
  directedAngle: string | null = null;

  constructor(readonly lessonId: string) {
    super();
  }

  get closed(): boolean {
    return this.#closed;
  }
  get participants(): LiveParticipant[] {
    return [...this.#participants.values()];
  }

  participant(id: string): LiveParticipant | undefined {
    return this.#participants.get(id);
  }

  publications(): Publication[] {
    return this.participants.flatMap((p) => p.publications);
  }

  findPublication(producerId: string): { owner: LiveParticipant; publication: Publication } | undefined {
    for (const owner of this.#participants.values()) {
      const publication = owner.publications.find((p) => p.producerId === producerId);
      if (publication) return { owner, publication };
    }
    return undefined;
  }

  /** A live studio video angle (the master's or an encoder's video, seen by everyone), or undefined. */
  studioAngle(producerId: string): Publication | undefined {
    const found = this.findPublication(producerId);
    if (!found) return undefined;
    const { owner, publication } = found;
    return owner.info.role === 'master_teacher' && publication.kind === 'video' && publication.audience === 'all' ? publication : undefined;
  }

  /** Adds a participant; one with the same id (same token, new tab) replaces the old one. */
  /** `restored`: the participant as another node last saved it (cluster failover), not a new arrival. */
  addParticipant(info: Participant, restored?: ConstructorParameters<typeof LiveParticipant>[1]): LiveParticipant {
    if (this.#closed) throw new ClassroomError('INVALID_STATE', 'lesson is closed');
    this.#participants.get(info.id)?.close('replaced');
    const participant = new LiveParticipant(info, restored);
    this.#participants.set(info.id, participant);
    participant.once('close', () => {
      if (this.#participants.get(info.id) === participant) this.#participants.delete(info.id);
    });
    return participant;
  }

  /** This node no longer runs the lesson (another node took it over): drop it here, touching nothing shared. */
  abandon(): void {
    if (this.#closed) return;
    for (const p of this.participants) p.abandon();
    this.#participants.clear();
    this.#closed = true;
    this.emit('close');
  }

  close(): void {
    if (this.#closed) return;
    for (const p of this.participants) p.close('lesson_closed');
    this.#closed = true;
    this.emit('close');
  }
}

export class LessonRegistry {
  readonly #lessons = new Map<string, LiveLesson>();

  get(lessonId: string): LiveLesson | undefined {
    return this.#lessons.get(lessonId);
  }

  getOrCreate(lessonId: string): LiveLesson {
    let lesson = this.#lessons.get(lessonId);
    if (!lesson) {
      lesson = new LiveLesson(lessonId);
      this.#lessons.set(lessonId, lesson);
      lesson.once('close', () => this.#lessons.delete(lessonId));
    }
    return lesson;
  }

  all(): LiveLesson[] {
    return [...this.#lessons.values()];
  }
}
