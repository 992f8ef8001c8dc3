import type { Quiz, QuizResults } from '@dualclass/protocol';
import { BarElement, CategoryScale, Chart, LinearScale, Tooltip, type ChartOptions } from 'chart.js';
import { useMemo } from 'react';
import { Bar } from 'react-chartjs-2';
import { useTranslation } from 'react-i18next';
import { classroomAccuracy, classroomsLeftOut, optionChart } from '../core/quiz.ts';

Chart.register(CategoryScale, LinearScale, BarElement, Tooltip);

const TEXT = '#f3f6fb';
const GRID = 'rgba(185, 196, 216, 0.25)';
const BAR = '#2f6fed';
const CORRECT = '#2e9d57';

function reducedMotion(): boolean {
  return typeof window !== 'undefined' && window.matchMedia?.('(prefers-reduced-motion: reduce)').matches === true;
}

/** Long classroom names are cut on the axis (the hidden table and the tooltip keep them whole). */
function shorten(label: string, max = 10): string {
  const chars = [...label];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : label;
}

function baseOptions(horizontal: boolean, max?: number): ChartOptions<'bar'> {
  const value = { beginAtZero: true, ticks: { color: TEXT, precision: 0 }, grid: { color: GRID }, ...(max ? { max } : {}) };
  const category = {
    ticks: {
      color: TEXT,
      font: { size: 14, weight: 'bold' as const },
      callback(this: { getLabelForValue(value: number): string }, tickValue: string | number) {
        return shorten(this.getLabelForValue(Number(tickValue)));
      },
    },
    grid: { display: false },
  };
  return {
    indexAxis: horizontal ? 'y' : 'x',
    responsive: true,
    maintainAspectRatio: false,
    animation: reducedMotion() ? false : { duration: 250 },
    plugins: { legend: { display: false }, tooltip: { enabled: true } },
    scales: horizontal ? { x: value, y: category } : { x: category, y: value },
  };
}

/**
 * Live answer counts per option (bars turn green on the correct options, known to the master and, after
 * reveal, to all). The canvas has an aria-label; a visually hidden table carries the same numbers.
 */
export function OptionCountsChart({ quiz, results }: { quiz: Quiz; results: QuizResults | null }) {
  const { t } = useTranslation();
  const chart = useMemo(() => optionChart(quiz, results), [quiz, results]);
  const data = useMemo(
    () => ({
      labels: chart.labels,
      datasets: [
        {
          label: t('quiz.tableCount'),
          data: chart.counts,
          backgroundColor: chart.correct.map((c) => (c ? CORRECT : BAR)),
          borderRadius: 4,
        },
      ],
    }),
    [chart, t],
  );
  const summary = chart.ids.map((id, i) => `${id} ${chart.counts[i] ?? 0}`).join('，');
  return (
    <figure className="chart">
      <figcaption className="chart__title">{t('quiz.perOption', { count: chart.total })}</figcaption>
      <div className="chart__canvas">
        <Bar data={data} options={baseOptions(false)} role="img" aria-label={t('quiz.chartOptions', { summary })} />
      </div>
      <div className="sr-only">
        <table>
          <caption>{t('quiz.perOption', { count: chart.total })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('quiz.tableOption')}</th>
              <th scope="col">{t('quiz.tableCount')}</th>
            </tr>
          </thead>
          <tbody>
            {chart.ids.map((id, i) => (
              <tr key={id}>
                <th scope="row">
                  {id}. {chart.texts[i]}
                  {chart.correct[i] ? ` (${t('quiz.correctMark')})` : ''}
                </th>
                <td>{chart.counts[i]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

/** Accuracy per classroom (horizontal bars, 0–100 %), with the same hidden table. */
export function ClassroomAccuracyChart({ results, names }: { results: QuizResults | null; names: ReadonlyMap<string, string> }) {
  const { t } = useTranslation();
  const rows = useMemo(() => classroomAccuracy(results, names), [results, names]);
  const data = useMemo(
    () => ({
      labels: rows.map((r) => r.name),
      datasets: [{ label: t('quiz.tableAccuracy'), data: rows.map((r) => r.accuracyPct), backgroundColor: BAR, borderRadius: 4 }],
    }),
    [rows, t],
  );
  if (rows.length === 0) return null;
  const leftOut = classroomsLeftOut(results, names);
  const summary = rows.map((r) => `${r.name} ${r.accuracyPct}%`).join('，');
  return (
    <figure className="chart">
      <figcaption className="chart__title">{t('quiz.perClassroom')}</figcaption>
      {/* Many classrooms scroll inside the card rather than stretching it. */}
      <div className="chart__scroll" tabIndex={0} aria-label={t('quiz.perClassroom')}>
        <div className="chart__canvas" style={{ height: `${Math.max(6, rows.length * 1.9 + 2)}rem` }}>
          <Bar data={data} options={baseOptions(true, 100)} role="img" aria-label={t('quiz.chartClassrooms', { summary })} />
        </div>
      </div>
      {leftOut > 0 ? <p className="muted">{t('quiz.classroomsLeftOut', { count: leftOut })}</p> : null}
      <div className="sr-only">
        <table>
          <caption>{t('quiz.perClassroom')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('quiz.tableClassroom')}</th>
              <th scope="col">{t('quiz.tableAnswers')}</th>
              <th scope="col">{t('quiz.tableAccuracy')}</th>
              <th scope="col">{t('quiz.tableRoomAnswer')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.classroomId}>
                <th scope="row">{r.name}</th>
                <td>{r.answers}</td>
                <td>{r.accuracyPct}%</td>
                <td>{r.classroomAnswer ? r.classroomAnswer.join('') : t('quiz.noAnswer')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
