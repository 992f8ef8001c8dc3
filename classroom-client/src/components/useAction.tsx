import { useCallback, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError, type ErrorMessages } from '../i18n/errors.ts';

export { describeError, type ErrorMessages };

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
