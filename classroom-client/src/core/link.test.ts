import { describe, expect, it } from 'vitest';
import { readJoinLink, resolveView, viewForRole } from './link.ts';

const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwYXJfMSJ9.c2lnbmF0dXJl';

describe('join link', () => {
  it('reads the token from the fragment and the lesson from the query', () => {
    expect(readJoinLink(`#token=${jwt}`, '?lesson=les_1')).toEqual({ ok: true, token: jwt, lessonId: 'les_1' });
  });

  it('missing or malformed tokens are refused locally', () => {
    expect(readJoinLink('', '')).toEqual({ ok: false, reason: 'missing' });
    expect(readJoinLink('#foo=bar', '')).toEqual({ ok: false, reason: 'missing' });
    expect(readJoinLink('#token=x', '')).toEqual({ ok: false, reason: 'malformed' });
    expect(readJoinLink('#token=a.b', '')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('ignores an invalid lesson id instead of sending it', () => {
    expect(readJoinLink(`#token=${jwt}`, '?lesson=../../etc')).toEqual({ ok: true, token: jwt, lessonId: undefined });
  });

  it('resolves views from the first path segment', () => {
    expect(resolveView('/classroom')).toBe('classroom');
    expect(resolveView('/student/')).toBe('student');
    expect(resolveView('/')).toBeNull();
    expect(resolveView('/library')).toBeNull();
  });

  it('maps roles to their views', () => {
    expect(viewForRole('master_teacher')).toBe('studio');
    expect(viewForRole('local_teacher')).toBe('classroom');
    expect(viewForRole('classroom_device')).toBe('classroom');
    expect(viewForRole('observer')).toBe('observer');
  });
});
