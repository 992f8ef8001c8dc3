import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ClassroomError, toWireError } from './errors.ts';

describe('toWireError', () => {
  it('passes our own errors through with code, retry-after and issues', () => {
    expect(toWireError(new ClassroomError('RATE_LIMITED', 'slow down', { retryAfter: 3 }))).toEqual({
      code: 'RATE_LIMITED',
      message: 'slow down',
      retryAfter: 3,
    });
  });

  it('turns validation failures into BAD_REQUEST naming the field', () => {
    const result = z.object({ direction: z.enum(['send', 'recv']) }).safeParse({ direction: 'up' });
    expect(result.success).toBe(false);
    const wire = toWireError(result.error);
    expect(wire.code).toBe('BAD_REQUEST');
    expect(wire.issues?.[0]?.path).toBe('direction');
  });

  it('never leaks details of unexpected errors', () => {
    const wire = toWireError(new TypeError('secret at /srv/app/db.ts:12'));
    expect(wire).toEqual({ code: 'INTERNAL', message: 'internal error' });
    expect(toWireError('a string')).toEqual({ code: 'INTERNAL', message: 'internal error' });
  });

  it('round-trips through the wire', () => {
    const back = ClassroomError.fromWire(toWireError(new ClassroomError('FORBIDDEN', 'no')));
    expect(back).toBeInstanceOf(ClassroomError);
    expect(back.code).toBe('FORBIDDEN');
  });
});
