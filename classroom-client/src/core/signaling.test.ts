import { describe, expect, it } from 'vitest';
import { classifyConnectError } from './signaling.ts';

describe('classifyConnectError', () => {
  it('uses the wire error socket.io carries in err.data', () => {
    const err = Object.assign(new Error('UNAUTHENTICATED'), { data: { code: 'UNAUTHENTICATED', message: 'lesson has ended' } });
    const { error, refused } = classifyConnectError(err);
    expect(refused).toBe(true);
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.message).toBe('lesson has ended');
  });

  it('falls back to the code in err.message', () => {
    expect(classifyConnectError(new Error('FORBIDDEN')).error.code).toBe('FORBIDDEN');
  });

  it('a transport failure is UNAVAILABLE and not a refusal', () => {
    const { error, refused } = classifyConnectError(new Error('websocket error'));
    expect(refused).toBe(false);
    expect(error.code).toBe('UNAVAILABLE');
  });
});
