import type { OptionId, Quiz, QuizResults } from '@dualclass/protocol';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ClassroomClient } from '../core/client.ts';
import { formatClock, isRightAnswer, secondsLeft, toggleChoice } from '../core/quiz.ts';
import { ActionError, useAction } from './useAction.tsx';
import { useNow } from './useNow.ts';

/** The room's own answer, from the results (the local teacher's entry), if the results are known here. */
export function roomAnswerOf(results: QuizResults | null, quiz: Quiz, classroomId: string | null): readonly OptionId[] | null {
  if (!results || results.quizId !== quiz.id || !classroomId) return null;
  return results.perClassroom.find((r) => r.classroomId === classroomId)?.classroomAnswer ?? null;
}

/**
 * 答题卡: a student answering for themselves, or a local teacher entering the room's answer (`forClassroom`).
 * Countdown while open, the chosen answer once sent, and right/wrong after the reveal.
 */
export function QuizAnswerCard({
  client,
  quiz,
  answered,
  forClassroom,
  results,
  classroomId,
}: {
  client: ClassroomClient;
  quiz: Quiz;
  answered: readonly OptionId[] | null;
  forClassroom: boolean;
  results: QuizResults | null;
  classroomId: string | null;
}) {
  const { t } = useTranslation();
  const now = useNow(500, quiz.status === 'open');
  const [choice, setChoice] = useState<OptionId[]>([]);
  const [leftToStudents, setLeftToStudents] = useState(false);
  const action = useAction({ CONFLICT: forClassroom ? t('quiz.roomAlreadyAnswered') : t('quiz.alreadyAnswered'), INVALID_STATE: t('quiz.closedNoAnswer') });
  const left = secondsLeft(quiz, now);
  const open = quiz.status === 'open' && left > 0;
  const mine = answered ?? (forClassroom ? roomAnswerOf(results, quiz, classroomId) : null);
  const right = quiz.status === 'revealed' ? isRightAnswer(mine, quiz.correct) : null;
  const canAnswer = open && !mine && !leftToStudents;

  return (
    <section className="card quiz-card" aria-labelledby={`quiz-card-${quiz.id}`}>
      <div className="quiz-card__head">
        <h2 id={`quiz-card-${quiz.id}`}>{forClassroom ? t('quiz.roomTitle') : t('quiz.title')}</h2>
        {open ? (
          <span className={`quiz-card__timer ${left <= 10 ? 'quiz-card__timer--low' : ''}`} role="timer" aria-label={t('quiz.timeLeft', { time: formatClock(left) })}>
            {formatClock(left)}
          </span>
        ) : (
          <span className={`chip chip--quiz-${quiz.status}`}>{t(`quiz.status.${quiz.status}`)}</span>
        )}
      </div>
      <p className="quiz-card__question">{quiz.question}</p>
      <p className="muted">{t(`quiz.kinds.${quiz.kind}`)}</p>
      <div className="quiz-card__options" role="group" aria-label={t('quiz.optionsLegend')}>
        {quiz.options.map((o) => {
          const chosen = (mine ?? choice).includes(o.id);
          const isCorrect = quiz.status === 'revealed' && (quiz.correct ?? []).includes(o.id);
          return (
            <button
              key={o.id}
              type="button"
              className={`quiz-option ${chosen ? 'quiz-option--chosen' : ''} ${isCorrect ? 'quiz-option--correct' : ''}`}
              aria-pressed={chosen}
              disabled={!canAnswer || action.busy}
              onClick={() => setChoice((c) => toggleChoice(quiz.kind, c, o.id))}
            >
              <span className="quiz-option__id">{o.id}</span>
              <span className="quiz-option__text">{o.text}</span>
              {isCorrect ? <span className="quiz-option__mark">{t('quiz.correctMark')}</span> : null}
            </button>
          );
        })}
      </div>
      <div aria-live="polite" className="quiz-card__state">
        {mine ? <p>{t('quiz.yourAnswer', { answer: mine.join('') })}</p> : null}
        {mine && quiz.status !== 'revealed' ? <p className="muted">{t('quiz.waitingReveal')}</p> : null}
        {!mine && !open ? <p>{t('quiz.closedNoAnswer')}</p> : null}
        {quiz.status === 'revealed' ? <p>{t('quiz.correctAnswer', { answer: (quiz.correct ?? []).join('') })}</p> : null}
        {right !== null ? <p className={right ? 'quiz-card__right' : 'quiz-card__wrong'}>{right ? t('quiz.right') : t('quiz.wrong')}</p> : null}
        {forClassroom && leftToStudents && !mine && open ? <p>{t('quiz.leftToStudents')}</p> : null}
      </div>
      {canAnswer ? (
        <div className="button-row">
          <button
            type="button"
            className="btn btn--primary btn--large"
            disabled={choice.length === 0 || action.busy}
            onClick={() => void action.run(() => client.answerQuiz(quiz.id, choice, forClassroom))}
          >
            {forClassroom ? t('quiz.submitRoom') : t('quiz.submit')}
          </button>
          {forClassroom ? (
            <button type="button" className="btn" onClick={() => setLeftToStudents(true)}>
              {t('quiz.leaveToStudents')}
            </button>
          ) : null}
        </div>
      ) : null}
      {forClassroom && leftToStudents && !mine && open ? (
        <button type="button" className="btn" onClick={() => setLeftToStudents(false)}>
          {t('quiz.answerForRoom')}
        </button>
      ) : null}
      <ActionError error={action.error} />
    </section>
  );
}

/**
 * The big screen's quiz: question and options readable from the back row, a countdown, and the reveal. The
 * room's answer is entered on the local teacher's console; this screen shows it once it knows it.
 */
export function QuizOverlay({ quiz, results, classroomId, answered }: { quiz: Quiz; results: QuizResults | null; classroomId: string | null; answered: readonly OptionId[] | null }) {
  const { t } = useTranslation();
  const now = useNow(500, quiz.status === 'open');
  const left = secondsLeft(quiz, now);
  const roomAnswer = answered ?? roomAnswerOf(results, quiz, classroomId);
  const correct = quiz.correct ?? [];
  const right = quiz.status === 'revealed' ? isRightAnswer(roomAnswer, correct) : null;
  const roomRow = results && classroomId ? results.perClassroom.find((r) => r.classroomId === classroomId) : undefined;
  return (
    <section className="quiz-overlay" aria-labelledby="quiz-overlay-q">
      <div className="quiz-overlay__head">
        <span className={`chip chip--quiz-${quiz.status}`}>{t(`quiz.status.${quiz.status}`)}</span>
        {quiz.status === 'open' ? (
          <span className="quiz-overlay__timer" role="timer" aria-label={t('quiz.timeLeft', { time: formatClock(left) })}>
            {formatClock(left)}
          </span>
        ) : null}
      </div>
      <h2 id="quiz-overlay-q" className="quiz-overlay__question">
        {quiz.question}
      </h2>
      <ol className="quiz-overlay__options">
        {quiz.options.map((o) => (
          <li
            key={o.id}
            className={`${correct.includes(o.id) && quiz.status === 'revealed' ? 'is-correct' : ''} ${roomAnswer?.includes(o.id) ? 'is-chosen' : ''}`}
          >
            <span className="quiz-overlay__id">{o.id}</span>
            <span>{o.text}</span>
          </li>
        ))}
      </ol>
      <p className="quiz-overlay__state" aria-live="polite">
        {quiz.status === 'revealed'
          ? [
              t('quiz.correctAnswer', { answer: correct.join('') }),
              roomAnswer ? t('quiz.roomResult', { answer: roomAnswer.join('') }) : t('quiz.roomNoAnswer'),
              right === null ? '' : right ? t('quiz.right') : t('quiz.wrong'),
              roomRow && roomRow.answers > 0 ? t('quiz.accuracy', { pct: Math.round(roomRow.accuracy * 100) }) : '',
            ]
              .filter(Boolean)
              .join(' · ')
          : roomAnswer
            ? t('quiz.roomAnswered')
            : quiz.status === 'open'
              ? t('quiz.waitingRoom')
              : t('quiz.waitingReveal')}
      </p>
    </section>
  );
}
