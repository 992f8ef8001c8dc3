import { z } from 'zod';
import type { Role } from './domain.ts';

export const PERMISSIONS = [
  'lesson:control', // start / end the lesson
  'lesson:view', // join and see lesson state
  'media:publish', // publish studio angles and master audio
  'media:consume', // receive media
  'roster:view', // see the full participant list (students do not see observers)
  'admin:manage', // lessons, classrooms, tokens
] as const;
export const PermissionSchema = z.enum(PERMISSIONS);
export type Permission = z.infer<typeof PermissionSchema>;

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  master_teacher: ['lesson:control', 'lesson:view', 'media:publish', 'media:consume', 'roster:view'],
  local_teacher: ['lesson:view', 'media:consume', 'roster:view'],
  classroom_device: ['lesson:view', 'media:consume'],
  student: ['lesson:view', 'media:consume'],
  observer: ['lesson:view', 'media:consume', 'roster:view'],
  admin: ['lesson:control', 'lesson:view', 'media:consume', 'roster:view', 'admin:manage'],
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** Roles whose presence other participants may see. Observers watch silently and are never shown to students. */
export function isVisibleTo(viewer: Role, subject: Role): boolean {
  if (subject === 'observer') return can(viewer, 'roster:view');
  return true;
}
