import type { Server } from 'socket.io';
import { isVisibleTo, type Participant, type ServerToClientEvents } from '@dualclass/protocol';

export const lessonRoom = (lessonId: string) => `lesson:${lessonId}`;
/** Sockets of roles allowed to see the full roster, observers included. */
export const rosterRoom = (lessonId: string) => `lesson:${lessonId}:roster`;
export const participantRoom = (participantId: string) => `participant:${participantId}`;

type Args<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>;

/** Pushes lesson events to the right sockets; presence of observers only reaches roster viewers. */
export class Broadcaster {
  constructor(private readonly io: Server) {}

  toLesson<E extends keyof ServerToClientEvents>(lessonId: string, event: E, ...args: Args<E>): void {
    (this.io.to(lessonRoom(lessonId)).emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
  }

  toParticipant<E extends keyof ServerToClientEvents>(participantId: string, event: E, ...args: Args<E>): void {
    (this.io.to(participantRoom(participantId)).emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
  }

  presence(subject: Participant, event: 'participant:joined' | 'participant:updated' | 'participant:left'): void {
    const room = isVisibleTo('student', subject.role) ? lessonRoom(subject.lessonId) : rosterRoom(subject.lessonId);
    const payload = event === 'participant:left' ? { participantId: subject.id } : subject;
    (this.io.to(room).emit as (e: string, ...a: unknown[]) => boolean)(event, payload);
  }
}
