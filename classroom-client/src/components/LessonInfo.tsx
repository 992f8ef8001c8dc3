import type { Lesson } from '@dualclass/protocol';
import { useTranslation } from 'react-i18next';

/** Title line and "学科 · 年级 · 主讲 · 学校" for headers. Text from the server is rendered as text. */
export function LessonTitle({ lesson, fallback }: { lesson: Lesson | null; fallback: string }) {
  return <h1 className="lesson-title">{lesson?.title ?? fallback}</h1>;
}

export function LessonMeta({ lesson, full = false }: { lesson: Lesson | null; full?: boolean }) {
  const { t } = useTranslation();
  if (!lesson) return null;
  return (
    <dl className={`lesson-meta ${full ? 'lesson-meta--full' : ''}`} aria-label={t('lesson.info')}>
      <div>
        <dt>{t('lesson.subject')}</dt>
        <dd>{lesson.subject}</dd>
      </div>
      <div>
        <dt>{t('lesson.grade')}</dt>
        <dd>{lesson.grade}</dd>
      </div>
      <div>
        <dt>{t('lesson.teacher')}</dt>
        <dd>{lesson.teacherName}</dd>
      </div>
      {full ? (
        <div>
          <dt>{t('lesson.school')}</dt>
          <dd>{lesson.school}</dd>
        </div>
      ) : null}
      {full && lesson.knowledgePoints.length > 0 ? (
        <div className="lesson-meta__wide">
          <dt>{t('lesson.knowledgePoints')}</dt>
          <dd>{lesson.knowledgePoints.join('、')}</dd>
        </div>
      ) : null}
    </dl>
  );
}

export function formatTime(iso: string, lang: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}
