import type { PrivateMessage } from '@dualclass/protocol';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ClassroomClient } from '../core/client.ts';
import { formatClockTime } from '../i18n/format.ts';
import { ActionError, useAction } from './useAction.tsx';

/** The master's inbox of notes from local teachers (newest first), read out as they arrive. */
export function PrivateInbox({ messages, names }: { messages: readonly PrivateMessage[]; names: ReadonlyMap<string, string> }) {
  const { t, i18n } = useTranslation();
  const newestFirst = [...messages].reverse();
  return (
    <div aria-live="polite">
      {newestFirst.length === 0 ? (
        <p className="muted">{t('messages.empty')}</p>
      ) : (
        <ol className="notes">
          {newestFirst.map((m) => (
            <li key={m.id} className="notes__item" data-testid="private-message">
              <p className="notes__meta">
                <strong>{m.fromName}</strong>
                {m.classroomId ? <span className="muted"> · {names.get(m.classroomId) ?? m.classroomId}</span> : null}
                <time className="muted" dateTime={m.sentAt}>
                  {' '}
                  {formatClockTime(m.sentAt, i18n.language)}
                </time>
              </p>
              <p className="notes__text">{m.text}</p>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

/** A local teacher's private note to the master teacher, and the notes sent so far. */
export function MessageMaster({ client, sent }: { client: ClassroomClient; sent: readonly PrivateMessage[] }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const [text, setText] = useState('');
  const action = useAction({ INVALID_STATE: t('messages.masterAway') });
  const submit = async () => {
    const value = text.trim();
    if (!value) return;
    if (await action.run(() => client.messageMaster(value))) setText('');
  };
  return (
    <form
      className="notes-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label className="field__label" htmlFor={`${id}-m`}>
        {t('messages.toMaster')}
      </label>
      <textarea id={`${id}-m`} className="field__control" rows={2} maxLength={500} value={text} placeholder={t('messages.placeholder')} onChange={(e) => setText(e.target.value)} />
      <button type="submit" className="btn btn--primary" disabled={action.busy}>
        {t('messages.send')}
      </button>
      <ActionError error={action.error} />
      {sent.length > 0 ? (
        <ol className="notes" aria-label={t('messages.sent')}>
          {[...sent].reverse().map((m) => (
            <li key={m.id} className="notes__item">
              <p className="notes__meta muted">
                <time dateTime={m.sentAt}>{formatClockTime(m.sentAt, i18n.language)}</time> · {t('messages.sentMark')}
              </p>
              <p className="notes__text">{m.text}</p>
            </li>
          ))}
        </ol>
      ) : null}
    </form>
  );
}
