import { z } from 'zod';
import type { Role } from './domain.ts';

export const PERMISSIONS = [
  'lesson:control', // start / end the lesson, drop knowledge-point markers
  'lesson:view', // join and see lesson state
  'media:publish', // publish studio angles and master audio
  'media:publishRoom', // a classroom device's room camera and mic (staff-only until on stage)
  'media:publishStage', // a student's own camera and mic, only while on stage
  'media:consume', // receive media
  'roster:view', // see the full participant list and the classroom wall (students do not see observers)
  'hand:raise', // raise / lower one's own hand (a classroom device's hand is its room's)
  'stage:manage', // invite to and remove from the stage, lower anyone's hand
  'participant:mute', // hard mute; a local teacher only within their own classroom
  'quiz:manage', // launch, close, reveal
  'quiz:answer',
  'quiz:results', // live per-classroom counts before reveal
  'chat:send',
  'chat:moderate', // delete messages, turn chat off and on
  'reaction:send',
  'attendance:record', // a local teacher for their own classroom
  'attendance:checkIn', // a student on a personal device
  'attendance:view',
  'message:toMaster', // a local teacher's private note to the master teacher
  'comment:write', // observers' time-stamped comments
  'comment:read',
  'timeline:view',
  'admin:manage', // lessons, classrooms, tokens
  'library:view', // search and play the resource library
  'library:download', // download recordings and resources (counted)
  'library:upload', // add courseware and videos to the library
] as const;
export const PermissionSchema = z.enum(PERMISSIONS);
export type Permission = z.infer<typeof PermissionSchema>;

const STAFF_VIEW: Permission[] = ['library:view', 'library:download', 'lesson:view', 'media:consume', 'roster:view', 'quiz:results', 'attendance:view', 'comment:read', 'timeline:view'];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  master_teacher: [
    ...STAFF_VIEW, 'lesson:control', 'media:publish', 'stage:manage', 'participant:mute', 'quiz:manage',
    'chat:send', 'chat:moderate', 'reaction:send', 'comment:write', 'library:upload',
  ],
  local_teacher: [
    'lesson:view', 'media:consume', 'roster:view', 'hand:raise', 'participant:mute', 'quiz:answer', 'chat:send',
    'chat:moderate', 'reaction:send', 'attendance:record', 'attendance:view', 'message:toMaster', 'comment:read',
    'library:view', 'library:download', 'library:upload',
  ],
  classroom_device: ['lesson:view', 'media:consume', 'media:publishRoom', 'hand:raise', 'quiz:answer', 'reaction:send'],
  student: [
    'lesson:view', 'media:consume', 'media:publishStage', 'hand:raise', 'quiz:answer', 'chat:send', 'reaction:send',
    'attendance:checkIn', 'library:view',
  ],
  observer: [...STAFF_VIEW, 'comment:write'],
  admin: [...STAFF_VIEW, 'lesson:control', 'admin:manage', 'comment:write', 'library:upload'],
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** Roles whose presence other participants may see. Observers watch silently and are never shown to students. */
export function isVisibleTo(viewer: Role, subject: Role): boolean {
  if (subject === 'observer') return can(viewer, 'roster:view');
  return true;
}
