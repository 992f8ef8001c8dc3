import * as echarts from 'echarts';
import type { Machine } from '../lib/machine.ts';
import type { SweepPoint } from '../lib/sweep-verdict.ts';
import { CPU_LIMIT_PCT } from '../lib/sweep-verdict.ts';

// One colour per sweep, shared by its CPU and loss lines.
const COLOURS = ['#5470c6', '#ee6666', '#3ba272', '#fc8452', '#9a60b4'];

export interface Sweep {
  label: string;
  points: SweepPoint[];
}

/** Worker CPU (solid, left axis) and loss (dashed, right axis) against viewers, one pair of lines per sweep, as SVG. */
export function fanoutChartSvg(sweeps: Sweep[], machine: Machine | undefined): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 900, height: 480 });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      title: {
        text: 'SFU CPU and loss against viewers',
        subtext: machine ? machineLine(machine) : 'machine unknown',
        left: 'center',
      },
      legend: { bottom: 0 },
      grid: { left: 70, right: 70, top: 80, bottom: 70 },
      xAxis: { type: 'value', name: 'viewers', nameLocation: 'middle', nameGap: 28, min: 0 },
      yAxis: [
        { type: 'value', name: 'SFU CPU, % of one core', nameLocation: 'middle', nameGap: 45, min: 0, max: (v: { max: number }) => Math.max(100, Math.ceil(v.max / 10) * 10) },
        { type: 'value', name: 'loss, % of packets', nameLocation: 'middle', nameGap: 45, min: 0, max: (v: { max: number }) => Math.max(1, Math.ceil(v.max)), splitLine: { show: false } },
      ],
      series: sweeps.flatMap((sweep, i) => [
        {
          name: `${sweep.label} CPU`,
          type: 'line',
          yAxisIndex: 0,
          color: COLOURS[i % COLOURS.length],
          data: sweep.points.map((p) => [p.viewers, p.cpuPct]),
          ...(i === 0 ? { markLine: { silent: true, symbol: 'none', label: { formatter: `${CPU_LIMIT_PCT} % CPU limit`, position: 'insideStartTop' }, lineStyle: { type: 'dotted', color: '#999' }, data: [{ yAxis: CPU_LIMIT_PCT }] } } : {}),
        },
        {
          name: `${sweep.label} loss`,
          type: 'line',
          yAxisIndex: 1,
          color: COLOURS[i % COLOURS.length],
          lineStyle: { type: 'dashed' },
          data: sweep.points.map((p) => [p.viewers, p.lossPct]),
        },
      ]),
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export function machineLine(m: Machine): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memGiB} GiB RAM, Node ${m.node}, Linux ${m.kernel}`;
}
