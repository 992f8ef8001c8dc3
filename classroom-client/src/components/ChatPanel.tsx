import type { ChatMessage } from '@dualclass/protocol';
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ClassroomClient } from '../core/client.ts';
import { formatClockTime } from '../i18n/format.ts';
import { ActionError, useAction } from './useAction.tsx';

/**
 * Lesson chat. Names and text are React text nodes only (never HTML), so whatever a participant types shows
 * as typed. The list is a `log` region (new messages are read out politely). Students can send a message as
 * a question (提问) and filter to questions; moderators delete messages; the master turns chat on and off.
 */
export function ChatPanel({
  client,
  messages,
  enabled,
  canSend,
  canDelete,
  canToggle,
  questions = true,
  compact = false,
}: {
  client: ClassroomClient;
  messages: readonly ChatMessage[];
  enabled: boolean;
  canSend: boolean;
  /** Whether this client may delete a given message (chat:moderate; a local teacher only their classroom's). */
  canDelete: (message: ChatMessage) => boolean;
  /** The master teacher's on/off switch. */
  canToggle: boolean;
  /** Offer "send as question" and the questions filter. */
  questions?: boolean;
  compact?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const [text, setText] = useState('');
  const [asQuestion, setAsQuestion] = useState(false);
  const [onlyQuestions, setOnlyQuestions] = useState(false);
  const send = useAction();
  const moderate = useAction();
  const listRef = useRef<HTMLOListElement>(null);
  const writable = canSend && (enabled || canToggle);
  const shown = onlyQuestions ? messages.filter((m) => m.kind === 'question') : messages;

  // Follow new messages when the reader is already at the bottom.
  const last = shown.at(-1)?.id;
  useEffect(() => {
    const list = listRef.current;
    if (!list) return;
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    if (nearBottom || shown.length <= 1) list.scrollTop = list.scrollHeight;
  }, [last, shown.length]);

  const submit = async () => {
    const value = text.trim();
    if (!value) return;
    const ok = await send.run(() => client.sendChat(value, asQuestion ? 'question' : 'chat'));
    if (ok) setText('');
  };

  return (
    <div className={`chat ${compact ? 'chat--compact' : ''}`}>
      {canToggle ? (
        <div className="chat__toolbar">
          <button
            type="button"
            role="switch"
            aria-checked={enabled}
            className="switch"
            disabled={moderate.busy}
            onClick={() => void moderate.run(() => client.setChatEnabled(!enabled))}
          >
            <span className="switch__track" aria-hidden="true">
              <span className="switch__thumb" />
            </span>
            {t('chat.allow')}
          </button>
        </div>
      ) : null}
      {!enabled ? (
        <p className="chat__off" role="status">
          {canToggle ? t('chat.offForOthers') : t('chat.off')}
        </p>
      ) : null}
      {questions ? (
        <label className="check">
          <input type="checkbox" checked={onlyQuestions} onChange={(e) => setOnlyQuestions(e.target.checked)} />
          {t('chat.onlyQuestions')}
        </label>
      ) : null}
      <ol ref={listRef} className="chat__list" role="log" aria-live="polite" aria-label={t('chat.title')} tabIndex={0}>
        {shown.length === 0 ? <li className="muted chat__empty">{t('chat.empty')}</li> : null}
        {shown.map((m) => (
          <li key={m.id} className={`chat__msg ${m.kind === 'question' ? 'chat__msg--question' : ''}`} data-testid="chat-message">
            <p className="chat__meta">
              <span className="chat__name">{m.displayName}</span>
              <span className="chat__role">{t(`roles.${m.role}`)}</span>
              {m.kind === 'question' ? <span className="chip chip--question">{t('chat.question')}</span> : null}
              <time className="chat__time" dateTime={m.sentAt}>
                {formatClockTime(m.sentAt, i18n.language)}
              </time>
            </p>
            <p className="chat__text">{m.text}</p>
            {canDelete(m) ? (
              <button
                type="button"
                className="btn btn--small btn--ghost chat__delete"
                disabled={moderate.busy}
                aria-label={t('chat.deleteName', { name: m.displayName })}
                onClick={() => void moderate.run(() => client.deleteChat(m.id))}
              >
                {t('chat.delete')}
              </button>
            ) : null}
          </li>
        ))}
      </ol>
      <ActionError error={moderate.error} />
      {canSend ? (
        <form
          className="chat__form"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <label className="sr-only" htmlFor={`${id}-input`}>
            {t('chat.input')}
          </label>
          <input
            id={`${id}-input`}
            className="field__control chat__input"
            type="text"
            maxLength={500}
            autoComplete="off"
            enterKeyHint="send"
            placeholder={writable ? t('chat.placeholder') : t('chat.off')}
            disabled={!writable}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          <button type="submit" className="btn btn--primary" disabled={!writable || send.busy}>
            {t('chat.send')}
          </button>
          {questions ? (
            <label className="check chat__ask">
              <input type="checkbox" checked={asQuestion} onChange={(e) => setAsQuestion(e.target.checked)} disabled={!writable} />
              {t('chat.asQuestion')}
            </label>
          ) : null}
        </form>
      ) : null}
      <ActionError error={send.error} />
    </div>
  );
}
