import { describe, expect, it } from 'vitest';
import { renderReport } from './markdown.ts';

const results = {
  machine: { cpuModel: 'Test CPU', cores: 2, memGiB: 4, node: 'v24.0.0', kernel: '6.1' },
  updatedAt: '2026-01-01T00:00:00.000Z',
  engine: { method: 'bare worker | one core', viewersPerCore: 180, points: [{ viewers: 50, cpuPct: 20.5 }] },
  peer: { janus: { viewersPerCore: 120, ratio: 0.9 } },
  signaling: { quizP99Ms: 150 },
};

describe('renderReport', () => {
  const report = renderReport(results, 'fanout.svg');
  const row = (key: string) => report.split('\n').find((line) => line.startsWith(`| \`${key}\``));

  it('states the machine and embeds the chart by a relative link', () => {
    expect(report).toContain('Machine: Test CPU, 2 cores, 4 GiB RAM, Node v24.0.0, Linux 6.1.');
    expect(report).toContain('](fanout.svg)');
  });

  it('judges each required figure against its target, nested keys included', () => {
    expect(row('signaling.quizP99Ms')).toMatch(/\| 150 \| ≤ 200 ms \| met \|$/);
    expect(row('peer.janus.ratio')).toMatch(/\| 0\.9 \| > 1 \| \*\*missed\*\* \|$/);
    expect(row('engine.viewersPerCore')).toMatch(/\| 180 \| — \| {2}\|$/);
    expect(row('join.p95Ms')).toContain('not measured');
  });

  it('lists every section with its method and points, and the sections not measured', () => {
    expect(report).toContain('*Method.* bare worker | one core');
    expect(report).toContain('| viewers | cpuPct |\n|---|---|\n| 50 | 20.5 |');
    expect(report).toContain('## peer.janus');
    expect(report).toContain('- `fanout`: not measured');
    expect(report).not.toContain('- `engine`: not measured');
  });
});
