import type { Comment } from '@dualclass/protocol';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ClassroomClient } from '../core/client.ts';
import { formatLessonTime } from '../core/quiz.ts';
import { ActionError, useAction } from './useAction.tsx';

/**
 * 观摩评语: observers' comments pinned to lesson time (mm:ss since the start), newest last. Teachers read them;
 * whoever holds comment:write gets the box.
 */
export function CommentsPanel({ client, comments, canWrite }: { client: ClassroomClient; comments: readonly Comment[]; canWrite: boolean }) {
  const { t } = useTranslation();
  const id = useId();
  const [text, setText] = useState('');
  const action = useAction();
  const submit = async () => {
    const value = text.trim();
    if (!value) return;
    if (await action.run(() => client.addComment(value))) setText('');
  };
  return (
    <div className="comments">
      {canWrite ? (
        <form
          className="comments__form"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <label className="field__label" htmlFor={`${id}-c`}>
            {t('comments.input')}
          </label>
          <textarea
            id={`${id}-c`}
            className="field__control"
            rows={3}
            maxLength={1000}
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void submit();
              }
            }}
          />
          <p className="field__hint">{t('comments.hint')}</p>
          <button type="submit" className="btn btn--primary" disabled={action.busy}>
            {t('comments.add')}
          </button>
          <ActionError error={action.error} />
        </form>
      ) : null}
      {comments.length === 0 ? (
        <p className="muted">{t('comments.empty')}</p>
      ) : (
        <ol className="comments__list" aria-live="polite" aria-label={t('comments.title')}>
          {comments.map((c) => (
            <li key={c.id} className="comments__item" data-testid="comment">
              <p className="comments__meta">
                <time className="comments__time" aria-label={t('comments.lessonTime', { time: formatLessonTime(c.lessonMs) })}>
                  {formatLessonTime(c.lessonMs)}
                </time>
                <span className="comments__author">{c.authorName}</span>
              </p>
              <p className="comments__text">{c.text}</p>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
