import { describe, expect, it } from 'vitest';
import { ROLES } from './domain.ts';
import { can, isVisibleTo, ROLE_PERMISSIONS } from './permissions.ts';
import { clientRequests } from './events.ts';

describe('permissions', () => {
  it('lets only the master teacher publish studio angles and only master and admin control the lesson', () => {
    expect(ROLES.filter((r) => can(r, 'media:publish'))).toEqual(['master_teacher']);
    expect(ROLES.filter((r) => can(r, 'media:publishRoom'))).toEqual(['classroom_device']);
    expect(ROLES.filter((r) => can(r, 'comment:read'))).not.toContain('student');
    expect(ROLES.filter((r) => can(r, 'lesson:control'))).toEqual(['master_teacher', 'admin']);
  });

  it('hides observers from students and classroom devices only', () => {
    expect(isVisibleTo('student', 'observer')).toBe(false);
    expect(isVisibleTo('classroom_device', 'observer')).toBe(false);
    expect(isVisibleTo('master_teacher', 'observer')).toBe(true);
    expect(isVisibleTo('student', 'master_teacher')).toBe(true);
  });

  it('guards every client request with a permission some role has', () => {
    const granted = new Set(Object.values(ROLE_PERMISSIONS).flat());
    for (const [name, def] of Object.entries(clientRequests)) {
      const anyOf: readonly string[] = typeof def.permission === 'string' ? [def.permission] : def.permission;
      expect(anyOf.some((p) => granted.has(p as never)), name).toBe(true);
    }
  });
});
