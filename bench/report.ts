/*
 * `npm run bench report`: renders bench/results/latest.json as REPORT.md with the fan-out chart (fanout.svg)
 * beside it. Runs after every bench, so the report always shows the latest numbers.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Machine } from './lib/machine.ts';
import { RESULTS_DIR, readResults } from './lib/results.ts';
import type { SweepPoint } from './lib/sweep-verdict.ts';
import { fanoutChartSvg, type Sweep } from './report/chart.ts';
import { renderReport, valueAt } from './report/markdown.ts';

const CHART_FILE = 'fanout.svg';
const SWEEPS = [
  { label: 'engine', key: 'engine.points' },
  { label: 'product', key: 'fanout.points' },
  { label: 'product mix', key: 'fanout.mixPoints' },
  { label: 'Janus', key: 'peer.janus.points' },
];

export async function run(): Promise<void> {
  const results = await readResults();
  const sweeps: Sweep[] = SWEEPS.flatMap(({ label, key }) => {
    const points = valueAt(results, key);
    return Array.isArray(points) && points.length > 0 ? [{ label, points: points as SweepPoint[] }] : [];
  });
  await writeFile(path.join(RESULTS_DIR, CHART_FILE), fanoutChartSvg(sweeps, results.machine as Machine | undefined));
  await writeFile(path.join(RESULTS_DIR, 'REPORT.md'), renderReport(results, CHART_FILE));
  console.log(`report: bench/results/REPORT.md and ${CHART_FILE} (${sweeps.map((s) => s.label).join(', ') || 'no sweeps yet'})`);
}
