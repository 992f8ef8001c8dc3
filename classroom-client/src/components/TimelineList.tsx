import type { Participant, TimelineEvent, TimelineType } from '@dualclass/protocol';
import { useTranslation } from 'react-i18next';
import { formatLessonTime } from '../core/quiz.ts';

/** Events that already have their own panel (chat) or would drown the rest (every single answer). */
const HIDDEN: ReadonlySet<TimelineType> = new Set(['chat', 'quiz_answer']);

/** 课堂动态: the lesson's timeline, newest first, stamped with lesson time, for observers' lesson study. */
export function TimelineList({ events, participants, max = 30 }: { events: readonly TimelineEvent[]; participants: ReadonlyMap<string, Participant>; max?: number }) {
  const { t } = useTranslation();
  const shown = events.filter((e) => !HIDDEN.has(e.type)).slice(-max).reverse();
  if (shown.length === 0) return <p className="muted">{t('timeline.empty')}</p>;
  const name = (id: string | null) => (id ? participants.get(id)?.displayName : undefined);
  return (
    <ol className="timeline">
      {shown.map((e) => {
        const who = name(e.actorId);
        const whom = name(e.subjectId);
        const point = typeof e.data['knowledgePoint'] === 'string' ? e.data['knowledgePoint'] : undefined;
        const detail = [who, whom && whom !== who ? `→ ${whom}` : undefined, point].filter(Boolean).join(' ');
        return (
          <li key={e.id} className="timeline__item">
            <time className="comments__time">{formatLessonTime(e.lessonMs)}</time>
            <span className="timeline__type">{t(`timeline.types.${e.type}`)}</span>
            {detail ? <span className="muted"> {detail}</span> : null}
          </li>
        );
      })}
    </ol>
  );
}
