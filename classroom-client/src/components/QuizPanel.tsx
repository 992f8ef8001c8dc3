import type { OptionId, Quiz, QuizKind, QuizResults } from '@dualclass/protocol';
import { lazy, Suspense, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ClassroomClient } from '../core/client.ts';
import { draftToLaunch, formatClock, OPTION_IDS, secondsLeft, type QuizDraft } from '../core/quiz.ts';
import { ActionError, useAction } from './useAction.tsx';
import { useNow } from './useNow.ts';

/**
 * The master's 答题器: compose and launch a question; while it runs, a countdown and live charts (per option,
 * per classroom); 收卷 closes it, 公布答案 shows everyone the answer. `manage` is quiz:manage; without it
 * (observers) the panel only shows the current quiz and its results.
 */
export function QuizPanel({
  client,
  quiz,
  results,
  names,
  knowledgePoints,
  manage,
}: {
  client: ClassroomClient;
  quiz: Quiz | null;
  results: QuizResults | null;
  names: ReadonlyMap<string, string>;
  knowledgePoints: readonly string[];
  manage: boolean;
}) {
  const { t } = useTranslation();
  const [composing, setComposing] = useState(false);
  const showCompose = manage && (quiz === null || (composing && quiz.status !== 'open'));
  return (
    <div className="quiz-panel">
      <p className="sr-only" aria-live="polite">
        {quiz ? t(`quiz.statusAnnounce.${quiz.status}`, { question: quiz.question }) : ''}
      </p>
      {showCompose ? (
        <QuizComposer client={client} knowledgePoints={knowledgePoints} onLaunched={() => setComposing(false)} onCancel={quiz ? () => setComposing(false) : undefined} />
      ) : quiz ? (
        <QuizLive client={client} quiz={quiz} results={results} names={names} manage={manage} onNew={() => setComposing(true)} />
      ) : (
        <p className="muted">{t('quiz.none')}</p>
      )}
    </div>
  );
}

function QuizLive({
  client,
  quiz,
  results,
  names,
  manage,
  onNew,
}: {
  client: ClassroomClient;
  quiz: Quiz;
  results: QuizResults | null;
  names: ReadonlyMap<string, string>;
  manage: boolean;
  onNew: () => void;
}) {
  const { t } = useTranslation();
  const now = useNow(500, quiz.status === 'open');
  const action = useAction();
  const left = secondsLeft(quiz, now);
  const correct = quiz.correct ?? [];
  return (
    <div className="quiz-live">
      <p className="quiz-live__status">
        <span className={`chip chip--quiz-${quiz.status}`}>{t(`quiz.status.${quiz.status}`)}</span>
        {quiz.status === 'open' ? <span className="quiz-live__timer">{t('quiz.timeLeft', { time: formatClock(left) })}</span> : null}
        <span className="muted">{t('quiz.kp', { point: quiz.knowledgePoint })}</span>
      </p>
      <p className="quiz-live__question">{quiz.question}</p>
      <ol className="quiz-live__options">
        {quiz.options.map((o) => (
          <li key={o.id} className={correct.includes(o.id) ? 'is-correct' : undefined}>
            <strong>{o.id}.</strong> {o.text}
            {correct.includes(o.id) ? <span className="sr-only"> ({t('quiz.correctMark')})</span> : null}
          </li>
        ))}
      </ol>
      <p>
        {t('quiz.answers', { count: results?.overall.answers ?? 0 })}
        {results && results.overall.answers > 0 ? ` · ${t('quiz.accuracy', { pct: Math.round(results.overall.accuracy * 100) })}` : ''}
      </p>
      <Suspense fallback={<p className="muted">{t('quiz.loadingChart')}</p>}>
        <OptionCountsChart quiz={quiz} results={results} />
        <ClassroomAccuracyChart results={results} names={names} />
      </Suspense>
      {manage ? (
        <div className="button-row">
          {quiz.status === 'open' ? (
            <button type="button" className="btn" disabled={action.busy} onClick={() => void action.run(() => client.closeQuiz(quiz.id))}>
              {t('quiz.close')}
            </button>
          ) : null}
          {quiz.status !== 'revealed' ? (
            <button type="button" className="btn btn--primary" disabled={action.busy} onClick={() => void action.run(() => client.revealQuiz(quiz.id))}>
              {t('quiz.reveal')}
            </button>
          ) : null}
          {quiz.status !== 'open' ? (
            <button type="button" className="btn" onClick={onNew}>
              {t('quiz.newQuiz')}
            </button>
          ) : null}
        </div>
      ) : null}
      <ActionError error={action.error} />
    </div>
  );
}

// Chart.js is only needed by the pages that show live results (studio, observer): load it on demand.
const OptionCountsChart = lazy(() => import('./QuizCharts.tsx').then((m) => ({ default: m.OptionCountsChart })));
const ClassroomAccuracyChart = lazy(() => import('./QuizCharts.tsx').then((m) => ({ default: m.ClassroomAccuracyChart })));

const KINDS: readonly QuizKind[] = ['single', 'multiple', 'true_false'];

function QuizComposer({
  client,
  knowledgePoints,
  onLaunched,
  onCancel,
}: {
  client: ClassroomClient;
  knowledgePoints: readonly string[];
  onLaunched: () => void;
  onCancel: (() => void) | undefined;
}) {
  const { t } = useTranslation();
  const id = useId();
  const action = useAction();
  const [problem, setProblem] = useState<string | null>(null);
  const [draft, setDraft] = useState<QuizDraft>({
    question: '',
    kind: 'single',
    options: ['', '', '', ''],
    correct: [],
    knowledgePoint: knowledgePoints[0] ?? '',
    timeLimitSeconds: 60,
  });
  const set = (patch: Partial<QuizDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const optionCount = draft.kind === 'true_false' ? 2 : draft.options.length;
  const optionText = (i: number) => (draft.kind === 'true_false' ? (i === 0 ? t('quiz.true') : t('quiz.false')) : (draft.options[i] ?? ''));

  const toggleCorrect = (option: OptionId) => {
    if (draft.kind === 'multiple') {
      const next = draft.correct.includes(option) ? draft.correct.filter((c) => c !== option) : [...draft.correct, option];
      set({ correct: OPTION_IDS.filter((o) => next.includes(o)) });
    } else {
      set({ correct: [option] });
    }
  };

  const submit = async () => {
    const result = draftToLaunch(draft, [t('quiz.true'), t('quiz.false')]);
    if (!result.ok) {
      setProblem(t(`quiz.problems.${result.problem}`));
      return;
    }
    setProblem(null);
    const ok = await action.run(() => client.launchQuiz(result.launch));
    if (ok) {
      setDraft((d) => ({ ...d, question: '', options: d.options.map(() => ''), correct: [] }));
      onLaunched();
    }
  };

  return (
    <form
      className="quiz-compose"
      aria-label={t('quiz.compose')}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="field">
        <label className="field__label" htmlFor={`${id}-q`}>
          {t('quiz.question')}
        </label>
        <textarea id={`${id}-q`} className="field__control" rows={2} maxLength={500} value={draft.question} onChange={(e) => set({ question: e.target.value })} />
      </div>
      <fieldset className="fieldset">
        <legend className="field__label">{t('quiz.kind')}</legend>
        <div className="segmented">
          {KINDS.map((kind) => (
            <label key={kind} className="segmented__item">
              <input
                type="radio"
                name={`${id}-kind`}
                value={kind}
                checked={draft.kind === kind}
                onChange={() => set({ kind, correct: [] })}
              />
              <span>{t(`quiz.kinds.${kind}`)}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset className="fieldset">
        <legend className="field__label">{t('quiz.optionsLegend')}</legend>
        <ul className="quiz-compose__options">
          {OPTION_IDS.slice(0, optionCount).map((option, i) => (
            <li key={option} className="quiz-compose__option">
              <label className="quiz-compose__correct">
                <input
                  type={draft.kind === 'multiple' ? 'checkbox' : 'radio'}
                  name={`${id}-correct`}
                  checked={draft.correct.includes(option)}
                  onChange={() => toggleCorrect(option)}
                  aria-label={t('quiz.markCorrect', { id: option })}
                />
                <span aria-hidden="true">{option}</span>
              </label>
              <input
                className="field__control"
                aria-label={t('quiz.option', { id: option })}
                maxLength={200}
                value={optionText(i)}
                readOnly={draft.kind === 'true_false'}
                onChange={(e) => set({ options: draft.options.map((o, j) => (j === i ? e.target.value : o)) })}
              />
            </li>
          ))}
        </ul>
        {draft.kind !== 'true_false' ? (
          <div className="button-row button-row--tight">
            <button
              type="button"
              className="btn btn--small"
              disabled={draft.options.length >= OPTION_IDS.length}
              onClick={() => set({ options: [...draft.options, ''] })}
            >
              {t('quiz.addOption')}
            </button>
            <button
              type="button"
              className="btn btn--small"
              disabled={draft.options.length <= 2}
              onClick={() => {
                const removed = OPTION_IDS[draft.options.length - 1];
                set({ options: draft.options.slice(0, -1), correct: draft.correct.filter((c) => c !== removed) });
              }}
            >
              {t('quiz.removeOption')}
            </button>
          </div>
        ) : null}
        <p className="field__hint">{t('quiz.correctHint')}</p>
      </fieldset>
      <div className="field-row">
        <div className="field">
          <label className="field__label" htmlFor={`${id}-kp`}>
            {t('quiz.knowledgePoint')}
          </label>
          <input
            id={`${id}-kp`}
            className="field__control"
            list={`${id}-kps`}
            maxLength={60}
            value={draft.knowledgePoint}
            onChange={(e) => set({ knowledgePoint: e.target.value })}
          />
          <datalist id={`${id}-kps`}>
            {knowledgePoints.map((kp) => (
              <option key={kp} value={kp} />
            ))}
          </datalist>
        </div>
        <div className="field field--narrow">
          <label className="field__label" htmlFor={`${id}-time`}>
            {t('quiz.timeLimit')}
          </label>
          <input
            id={`${id}-time`}
            className="field__control"
            type="number"
            min={5}
            max={600}
            step={5}
            value={draft.timeLimitSeconds}
            onChange={(e) => set({ timeLimitSeconds: Number(e.target.value) })}
          />
        </div>
      </div>
      <p className="action-error" role="alert">
        {problem}
      </p>
      <div className="button-row">
        <button type="submit" className="btn btn--primary" disabled={action.busy}>
          {t('quiz.launch')}
        </button>
        {onCancel ? (
          <button type="button" className="btn" onClick={onCancel}>
            {t('studio.cancel')}
          </button>
        ) : null}
      </div>
      <ActionError error={action.error} />
    </form>
  );
}
