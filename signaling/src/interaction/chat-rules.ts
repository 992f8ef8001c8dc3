import { ClassroomError, can, type Participant } from '@dualclass/protocol';
import type { StoredChatMessage } from './interaction-store.ts';

/** With chat off, only moderators (the teachers) may still write. */
export function assertMaySend(sender: Pick<Participant, 'role'>, chatEnabled: boolean): void {
  if (!chatEnabled && !can(sender.role, 'chat:moderate')) throw new ClassroomError('INVALID_STATE', 'chat is turned off');
}

/**
 * The master teacher may delete any message; a local teacher their own and those sent by participants of their
 * classroom; nobody else any.
 */
export function mayDelete(actor: Pick<Participant, 'id' | 'role' | 'classroomId'>, message: Pick<StoredChatMessage, 'classroomId' | 'message'>): boolean {
  if (!can(actor.role, 'chat:moderate')) return false;
  if (actor.role !== 'local_teacher') return true;
  if (message.message.participantId === actor.id) return true;
  return actor.classroomId !== null && message.classroomId === actor.classroomId;
}

/** Turning the whole lesson's chat off and on is the master's call, not one remote classroom's. */
export function assertMayToggle(actor: Pick<Participant, 'role'>): void {
  if (!can(actor.role, 'chat:moderate') || actor.role === 'local_teacher') {
    throw new ClassroomError('FORBIDDEN', 'only the master teacher turns chat on or off');
  }
}
