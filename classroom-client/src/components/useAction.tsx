import { isClassroomError, type ErrorCode } from '@dualclass/protocol';
import type { TFunction } from 'i18next';
import { useCallback, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** Per-code messages a caller knows better than the generic one (e.g. CONFLICT on invite = the stage is full). */
export type ErrorMessages = Partial<Record<ErrorCode, string>>;

/** A request failure as one line for the user: RATE_LIMITED says how long to wait; the rest say what failed. */
export function describeError(t: TFunction, err: unknown, messages: ErrorMessages = {}): string {
  if (isClassroomError(err)) {
    const specific = messages[err.code];
    if (specific) return specific;
    if (err.code === 'RATE_LIMITED') return t('errors.rateLimited', { seconds: Math.max(1, Math.ceil(err.retryAfter ?? 1)) });
    if (err.code === 'UNAVAILABLE' || err.code === 'TIMEOUT') return t('errors.offline');
    return t('errors.requestFailed', { message: err.message });
  }
  return t('errors.requestFailed', { message: err instanceof Error ? err.message : String(err) });
}

/**
 * Runs one user action at a time: `busy` while it runs, `error` (already translated) when it failed.
 * Resolves true on success so callers can clear a form.
 */
export function useAction(messages?: ErrorMessages): {
  run: (action: () => Promise<unknown>) => Promise<boolean>;
  busy: boolean;
  error: string | null;
  clear: () => void;
} {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mounted = useRef(true);
  const messagesRef = useRef(messages);
  messagesRef.current = messages;
  const run = useCallback(
    async (action: () => Promise<unknown>) => {
      setBusy(true);
      setError(null);
      try {
        await action();
        return true;
      } catch (err) {
        if (mounted.current) setError(describeError(t, err, messagesRef.current));
        return false;
      } finally {
        if (mounted.current) setBusy(false);
      }
    },
    [t],
  );
  const clear = useCallback(() => setError(null), []);
  return { run, busy, error, clear };
}

export function ActionError({ error, id }: { error: string | null; id?: string }) {
  // Always mounted so a screen reader hears each new error.
  return (
    <p id={id} className={`action-error ${error ? '' : 'action-error--empty'}`} role="alert">
      {error}
    </p>
  );
}
