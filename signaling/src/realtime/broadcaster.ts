import type { Server } from 'socket.io';
import { can, isVisibleTo, type Participant, type Permission, type Role, type ServerToClientEvents } from '@dualclass/protocol';

export const lessonRoom = (lessonId: string) => `lesson:${lessonId}`;
/** Sockets whose role holds a permission, e.g. everyone who may read observer comments. */
export const permissionRoom = (lessonId: string, permission: Permission) => `lesson:${lessonId}:perm:${permission}`;
export const roleRoom = (lessonId: string, role: Role) => `lesson:${lessonId}:role:${role}`;
/** The room device, local teacher and students of one remote classroom. */
export const classroomRoom = (lessonId: string, classroomId: string) => `lesson:${lessonId}:classroom:${classroomId}`;
export const participantRoom = (participantId: string) => `participant:${participantId}`;

/** Permissions whose holders receive pushes addressed by permission; a socket joins these rooms at join. */
export const ROOM_PERMISSIONS = ['roster:view', 'comment:read', 'quiz:results', 'attendance:view', 'timeline:view'] as const satisfies readonly Permission[];
export type RoomPermission = (typeof ROOM_PERMISSIONS)[number];

/** Every room a joined participant's socket belongs to. */
export function roomsFor(p: Participant): string[] {
  const rooms = [lessonRoom(p.lessonId), participantRoom(p.id), roleRoom(p.lessonId, p.role)];
  for (const perm of ROOM_PERMISSIONS) if (can(p.role, perm)) rooms.push(permissionRoom(p.lessonId, perm));
  if (p.classroomId) rooms.push(classroomRoom(p.lessonId, p.classroomId));
  return rooms;
}

type Args<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>;
type Emit = (event: string, ...args: unknown[]) => boolean;

/** Pushes lesson events to the right sockets; presence of observers only reaches roster viewers. */
export class Broadcaster {
  constructor(private readonly io: Server) {}

  #emit<E extends keyof ServerToClientEvents>(rooms: string | string[], event: E, args: Args<E>): void {
    (this.io.to(rooms).emit as Emit)(event, ...args);
  }

  toLesson<E extends keyof ServerToClientEvents>(lessonId: string, event: E, ...args: Args<E>): void {
    this.#emit(lessonRoom(lessonId), event, args);
  }

  toPermission<E extends keyof ServerToClientEvents>(lessonId: string, permission: RoomPermission, event: E, ...args: Args<E>): void {
    this.#emit(permissionRoom(lessonId, permission), event, args);
  }

  /** Everyone in the lesson who does not hold the permission (e.g. non-staff when a publication's audience changes). */
  toLessonExcept<E extends keyof ServerToClientEvents>(lessonId: string, permission: RoomPermission, event: E, ...args: Args<E>): void {
    (this.io.to(lessonRoom(lessonId)).except(permissionRoom(lessonId, permission)).emit as Emit)(event, ...args);
  }

  toRole<E extends keyof ServerToClientEvents>(lessonId: string, role: Role, event: E, ...args: Args<E>): void {
    this.#emit(roleRoom(lessonId, role), event, args);
  }

  toClassroom<E extends keyof ServerToClientEvents>(lessonId: string, classroomId: string, event: E, ...args: Args<E>): void {
    this.#emit(classroomRoom(lessonId, classroomId), event, args);
  }

  toParticipant<E extends keyof ServerToClientEvents>(participantId: string, event: E, ...args: Args<E>): void {
    this.#emit(participantRoom(participantId), event, args);
  }

  presence(subject: Participant, event: 'participant:joined' | 'participant:updated' | 'participant:left'): void {
    const room = isVisibleTo('student', subject.role) ? lessonRoom(subject.lessonId) : permissionRoom(subject.lessonId, 'roster:view');
    const payload = event === 'participant:left' ? { participantId: subject.id } : subject;
    (this.io.to(room).emit as Emit)(event, payload);
  }
}
