import type { ErrorCode, LessonStatus } from '@dualclass/protocol';

/**
 * The client's connection state machine, as a pure reducer so it can be tested without a
 * browser. The phase a view renders is derived from a few independent facts (socket, join,
 * lesson status, fatal error, camera/mic permission) rather than stored as one mutable field,
 * so no ordering of events can leave it stale.
 */
export const PHASES = ['connecting', 'waiting', 'live', 'reconnecting', 'ended', 'error'] as const;
export type Phase = (typeof PHASES)[number];

/**
 * - token_invalid: the join link is missing, malformed, expired, revoked or for a lesson that no
 *   longer admits anyone (terminal: a new link is needed).
 * - replaced: the same participant joined from another window (terminal for this one).
 * - media_denied: camera or microphone permission refused (studio; recoverable by retrying).
 * - network: the server cannot be reached or keeps failing (recoverable; socket.io keeps retrying).
 */
export const ERROR_KINDS = ['token_invalid', 'media_denied', 'network', 'replaced'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface ClientError {
  kind: ErrorKind;
  /** The wire error code when the server gave one. */
  code?: ErrorCode;
  /** Developer-facing detail (not translated); views show it only as secondary text. */
  detail?: string;
}

export type SocketStatus = 'idle' | 'connecting' | 'connected' | 'disconnected';

export interface ConnectionState {
  readonly phase: Phase;
  readonly error: ClientError | null;
  readonly socket: SocketStatus;
  /** Joined in the current socket session. */
  readonly joined: boolean;
  /** Joined at least once since the page loaded; a later disconnect is a reconnect. */
  readonly everJoined: boolean;
  readonly lessonStatus: LessonStatus | null;
  /** Consecutive failures to connect or join; reset by a successful join. */
  readonly failures: number;
  readonly fatal: ClientError | null;
  readonly network: ClientError | null;
  readonly mediaDenied: ClientError | null;
}

export type SessionClosedReason = 'lesson_ended' | 'replaced' | 'token_expired' | 'server_shutdown';

export type ConnectionEvent =
  | { type: 'connecting' }
  | { type: 'connected' }
  | { type: 'joined'; status: LessonStatus }
  | { type: 'lessonState'; status: LessonStatus }
  | { type: 'disconnected' }
  /** Handshake refused (code from the server) or the transport failed (no code). */
  | { type: 'connectFailed'; code?: ErrorCode; detail?: string }
  | { type: 'joinFailed'; code: ErrorCode; detail?: string }
  | { type: 'sessionClosed'; reason: SessionClosedReason }
  | { type: 'mediaDenied'; detail?: string }
  | { type: 'mediaRecovered' };

/** After this many consecutive failures before the first join, show a network error (retries continue). */
export const FAILURES_BEFORE_NETWORK_ERROR = 3;

/** Codes that mean "this link will never work"; everything else is worth retrying. */
const LINK_ERROR_CODES: ReadonlySet<ErrorCode> = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND']);

export function isLinkError(code: ErrorCode | undefined): boolean {
  return code !== undefined && LINK_ERROR_CODES.has(code);
}

type Facts = Omit<ConnectionState, 'phase' | 'error'>;

export function derivePhase(f: Facts): { phase: Phase; error: ClientError | null } {
  if (f.lessonStatus === 'ended') return { phase: 'ended', error: null };
  if (f.fatal) return { phase: 'error', error: f.fatal };
  if (f.mediaDenied) return { phase: 'error', error: f.mediaDenied };
  if (!f.joined) {
    if (f.everJoined) return { phase: 'reconnecting', error: null };
    if (f.network && f.failures >= FAILURES_BEFORE_NETWORK_ERROR) return { phase: 'error', error: f.network };
    return { phase: 'connecting', error: null };
  }
  return { phase: f.lessonStatus === 'live' ? 'live' : 'waiting', error: null };
}

function build(f: Facts): ConnectionState {
  return { ...f, ...derivePhase(f) };
}

export const initialConnectionState: ConnectionState = build({
  socket: 'idle',
  joined: false,
  everJoined: false,
  lessonStatus: null,
  failures: 0,
  fatal: null,
  network: null,
  mediaDenied: null,
});

/** Ended lessons and dead links stay that way: no later event revives them. */
export function isTerminal(state: ConnectionState): boolean {
  return state.phase === 'ended' || state.fatal !== null;
}

function failure(f: Facts, code: ErrorCode | undefined, detail: string | undefined): Facts {
  // The server refuses a handshake or join for a lesson that has ended with INVALID_STATE.
  if (code === 'INVALID_STATE') return { ...f, lessonStatus: 'ended' };
  const error: ClientError = { kind: isLinkError(code) ? 'token_invalid' : 'network' };
  if (code) error.code = code;
  if (detail) error.detail = detail;
  if (error.kind === 'token_invalid') return { ...f, fatal: error };
  return { ...f, network: error, failures: f.failures + 1 };
}

export function reduceConnection(state: ConnectionState, event: ConnectionEvent): ConnectionState {
  if (isTerminal(state)) return state;
  const { phase: _phase, error: _error, ...f } = state;
  switch (event.type) {
    case 'connecting':
      return build({ ...f, socket: 'connecting' });
    case 'connected':
      return build({ ...f, socket: 'connected' });
    case 'joined':
      return build({ ...f, joined: true, everJoined: true, lessonStatus: event.status, failures: 0, network: null });
    case 'lessonState':
      return build({ ...f, lessonStatus: event.status });
    case 'disconnected':
      return build({ ...f, socket: 'disconnected', joined: false });
    case 'connectFailed':
      return build(failure({ ...f, socket: 'disconnected', joined: false }, event.code, event.detail));
    case 'joinFailed':
      return build(failure({ ...f, joined: false }, event.code, event.detail));
    case 'sessionClosed':
      switch (event.reason) {
        case 'lesson_ended':
          return build({ ...f, lessonStatus: 'ended' });
        case 'token_expired':
          return build({ ...f, fatal: { kind: 'token_invalid', detail: 'token expired' } });
        case 'replaced':
          return build({ ...f, fatal: { kind: 'replaced' } });
        case 'server_shutdown':
          return state; // the disconnect that follows moves us to reconnecting
      }
      return state;
    case 'mediaDenied':
      return build({ ...f, mediaDenied: event.detail ? { kind: 'media_denied', detail: event.detail } : { kind: 'media_denied' } });
    case 'mediaRecovered':
      return f.mediaDenied ? build({ ...f, mediaDenied: null }) : state;
  }
}
