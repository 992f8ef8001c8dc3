import { isClassroomError, type ErrorCode } from '@dualclass/protocol';
import type { TFunction } from 'i18next';

/** Per-code messages a caller knows better than the generic one (e.g. CONFLICT on invite = the stage is full). */
export type ErrorMessages = Partial<Record<ErrorCode, string>>;


/**
 * A request failure as one line for the user: RATE_LIMITED says how many seconds to wait (the server's
 * retryAfter, rounded up, at least 1); a lost connection says so; the rest say what failed.
 */
export function describeError(t: TFunction, err: unknown, messages: ErrorMessages = {}): string {
  if (isClassroomError(err)) {
    const specific = messages[err.code];
    if (specific) return specific;
    if (err.code === 'RATE_LIMITED') return t('errors.rateLimited', { seconds: Math.max(1, Math.ceil(err.retryAfter ?? 1)) });
    if (err.code === 'UNAVAILABLE' || err.code === 'TIMEOUT') return t('errors.offline');
    if (err.code === 'TOO_LARGE') return t('errors.tooLarge');
    return t('errors.requestFailed', { message: err.message });
  }
  return t('errors.requestFailed', { message: err instanceof Error ? err.message : String(err) });
}
