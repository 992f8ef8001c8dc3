import { describe, expect, it } from 'vitest';
import {
  FAILURES_BEFORE_NETWORK_ERROR,
  initialConnectionState,
  isTerminal,
  reduceConnection,
  type ConnectionEvent,
  type ConnectionState,
} from './state.ts';

const run = (...events: ConnectionEvent[]): ConnectionState => events.reduce(reduceConnection, initialConnectionState);

describe('connection state machine', () => {
  it('starts connecting', () => {
    expect(initialConnectionState.phase).toBe('connecting');
    expect(run({ type: 'connecting' }, { type: 'connected' }).phase).toBe('connecting');
  });

  it('waits for a scheduled lesson and goes live when it starts', () => {
    const waiting = run({ type: 'connecting' }, { type: 'connected' }, { type: 'joined', status: 'scheduled' });
    expect(waiting.phase).toBe('waiting');
    expect(reduceConnection(waiting, { type: 'lessonState', status: 'live' }).phase).toBe('live');
  });

  it('joining a live lesson is live at once', () => {
    expect(run({ type: 'connected' }, { type: 'joined', status: 'live' }).phase).toBe('live');
  });

  it('ended is terminal: later events do not revive it', () => {
    const ended = run({ type: 'joined', status: 'live' }, { type: 'lessonState', status: 'ended' });
    expect(ended.phase).toBe('ended');
    expect(isTerminal(ended)).toBe(true);
    expect(reduceConnection(ended, { type: 'disconnected' })).toBe(ended);
    expect(reduceConnection(ended, { type: 'joined', status: 'live' })).toBe(ended);
  });

  it('a handshake refused because the lesson has ended shows the ended state, not a bad link', () => {
    const refused = run({ type: 'connecting' }, { type: 'connectFailed', code: 'INVALID_STATE', detail: 'lesson has ended' });
    expect(refused.phase).toBe('ended');
    expect(refused.error).toBeNull();
  });

  it('session:closed lesson_ended ends the lesson', () => {
    expect(run({ type: 'joined', status: 'live' }, { type: 'sessionClosed', reason: 'lesson_ended' }).phase).toBe('ended');
  });

  it('a dropped connection after joining is reconnecting, and a re-join restores the phase', () => {
    const dropped = run({ type: 'joined', status: 'live' }, { type: 'disconnected' });
    expect(dropped.phase).toBe('reconnecting');
    // transport failures while reconnecting stay "reconnecting", never a hard error
    const failing = Array.from({ length: 5 }, () => ({ type: 'connectFailed' }) as const).reduce(reduceConnection, dropped);
    expect(failing.phase).toBe('reconnecting');
    const back = reduceConnection(reduceConnection(failing, { type: 'connected' }), { type: 'joined', status: 'live' });
    expect(back.phase).toBe('live');
    expect(back.failures).toBe(0);
  });

  it('a refused handshake is an invalid link (terminal)', () => {
    const s = run({ type: 'connecting' }, { type: 'connectFailed', code: 'UNAUTHENTICATED', detail: 'invalid token' });
    expect(s.phase).toBe('error');
    expect(s.error).toEqual({ kind: 'token_invalid', code: 'UNAUTHENTICATED', detail: 'invalid token' });
    expect(isTerminal(s)).toBe(true);
  });

  it('FORBIDDEN and NOT_FOUND at join are link errors too', () => {
    expect(run({ type: 'connected' }, { type: 'joinFailed', code: 'FORBIDDEN' }).error?.kind).toBe('token_invalid');
    expect(run({ type: 'connected' }, { type: 'joinFailed', code: 'NOT_FOUND' }).error?.kind).toBe('token_invalid');
  });

  it('unreachable server: connecting, then a network error after a few failures, recovering on connect', () => {
    const failures = Array.from({ length: FAILURES_BEFORE_NETWORK_ERROR }, () => ({ type: 'connectFailed' }) as const);
    expect(run(...failures.slice(0, -1)).phase).toBe('connecting');
    const s = run(...failures);
    expect(s.phase).toBe('error');
    expect(s.error?.kind).toBe('network');
    expect(isTerminal(s)).toBe(false);
    expect(reduceConnection(reduceConnection(s, { type: 'connected' }), { type: 'joined', status: 'scheduled' }).phase).toBe('waiting');
  });

  it('retryable join failures count as network failures', () => {
    const s = run({ type: 'connected' }, { type: 'joinFailed', code: 'RATE_LIMITED' });
    expect(s.phase).toBe('connecting');
    expect(s.failures).toBe(1);
    expect(s.network?.code).toBe('RATE_LIMITED');
  });

  it('replaced and token_expired are terminal errors', () => {
    expect(run({ type: 'joined', status: 'live' }, { type: 'sessionClosed', reason: 'replaced' }).error?.kind).toBe('replaced');
    const expired = run({ type: 'joined', status: 'live' }, { type: 'sessionClosed', reason: 'token_expired' });
    expect(expired.error?.kind).toBe('token_invalid');
    expect(isTerminal(expired)).toBe(true);
  });

  it('server_shutdown waits for the disconnect', () => {
    const live = run({ type: 'joined', status: 'live' });
    expect(reduceConnection(live, { type: 'sessionClosed', reason: 'server_shutdown' })).toBe(live);
  });

  it('media_denied is an error until media recovers, and the lesson phase comes back', () => {
    const denied = run({ type: 'joined', status: 'scheduled' }, { type: 'mediaDenied', detail: 'NotAllowedError' });
    expect(denied.phase).toBe('error');
    expect(denied.error).toEqual({ kind: 'media_denied', detail: 'NotAllowedError' });
    expect(isTerminal(denied)).toBe(false);
    const live = reduceConnection(denied, { type: 'lessonState', status: 'live' });
    expect(live.phase).toBe('error');
    expect(reduceConnection(live, { type: 'mediaRecovered' }).phase).toBe('live');
  });

  it('an ended lesson wins over a denied camera', () => {
    const s = run({ type: 'joined', status: 'live' }, { type: 'mediaDenied' }, { type: 'lessonState', status: 'ended' });
    expect(s.phase).toBe('ended');
  });

  it('events that change nothing return the same state object', () => {
    const s = run({ type: 'joined', status: 'live' });
    expect(reduceConnection(s, { type: 'mediaRecovered' })).toBe(s);
  });
});
