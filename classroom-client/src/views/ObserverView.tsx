import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { ClassroomWall } from '../components/ClassroomWall.tsx';
import { CommentsPanel } from '../components/CommentsPanel.tsx';
import { QuizPanel } from '../components/QuizPanel.tsx';
import { TimelineList } from '../components/TimelineList.tsx';
import type { ClassroomClient } from '../core/client.ts';
import { useClassroom } from '../core/hooks.ts';
import { classroomNames, classroomWall, selfCan } from '../core/selectors.ts';
import { WatchView } from './WatchView.tsx';

/**
 * 观摩: watches the lesson silently (no camera or microphone is ever opened here), with the classroom wall
 * read-only, the quiz results, and time-stamped comments for the teachers.
 */
export function ObserverView({ client }: { client: ClassroomClient }) {
  const { t } = useTranslation();
  const snapshot = useClassroom(client);
  const { roster, interaction } = snapshot;
  const tiles = useMemo(() => classroomWall(roster, interaction), [roster, interaction]);
  const names = useMemo(() => classroomNames(roster), [roster]);
  return (
    <WatchView client={client} variant="observer">
      <div className="observer">
        <div className="observer__main">
          {selfCan(roster, 'roster:view') ? (
            <section className="card" aria-labelledby="observer-wall-title">
              <h2 id="observer-wall-title" className="card__title">
                {t('wall.title')}
                <span className="card__count">{t('wall.count', { count: tiles.length })}</span>
              </h2>
              <ClassroomWall client={client} tiles={tiles} controls={null} stageFull={false} perPage={6} />
            </section>
          ) : null}
          {interaction.quiz ? (
            <section className="card" aria-labelledby="observer-quiz-title">
              <h2 id="observer-quiz-title" className="card__title">
                {t('quiz.title')}
              </h2>
              <QuizPanel client={client} quiz={interaction.quiz} results={interaction.results} names={names} knowledgePoints={[]} manage={false} />
            </section>
          ) : null}
        </div>
        <div className="observer__side">
          <section className="card" aria-labelledby="observer-comments-title">
            <h2 id="observer-comments-title" className="card__title">
              {t('comments.title')}
              <span className="card__count">{interaction.comments.length}</span>
            </h2>
            <CommentsPanel client={client} comments={interaction.comments} canWrite={selfCan(roster, 'comment:write') && snapshot.phase === 'live'} />
          </section>
          {selfCan(roster, 'timeline:view') ? (
            <section className="card" aria-labelledby="observer-timeline-title">
              <h2 id="observer-timeline-title" className="card__title">
                {t('timeline.title')}
              </h2>
              <TimelineList events={interaction.timeline} participants={roster.participants} />
            </section>
          ) : null}
        </div>
      </div>
    </WatchView>
  );
}
