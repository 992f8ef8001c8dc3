import { RECORDING_PHASES } from '@dualclass/protocol';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SfuNodes } from './capture/sfu-nodes.ts';
import type { RecorderService } from './recorder-service.ts';

/** The recorder's metrics: gauges read at scrape time, finalize outcomes counted as they happen. */
export function registerRecorderMetrics(registry: Registry, service: RecorderService, sfu: SfuNodes): void {
  const registers = [registry];
  new Gauge({
    name: 'dualclass_recorder_sfu_links',
    help: 'RPC links to SFU nodes (its own SFU_URL and the nodes tracks were tapped on) by state',
    labelNames: ['state'],
    registers,
    collect() {
      const nodes = sfu.nodes();
      const up = nodes.filter((n) => n.client.connected).length;
      this.set({ state: 'up' }, up);
      this.set({ state: 'down' }, nodes.length - up);
    },
  });
  new Gauge({
    name: 'dualclass_recorder_recordings',
    help: 'Lesson recordings on this recorder by phase (finalizing = finalize jobs running)',
    labelNames: ['phase'],
    registers,
    collect() {
      const counts = new Map<string, number>(RECORDING_PHASES.map((p) => [p, 0]));
      for (const r of service.recordings()) counts.set(r.phase, (counts.get(r.phase) ?? 0) + 1);
      for (const [phase, n] of counts) this.set({ phase }, n);
    },
  });
  new Gauge({
    name: 'dualclass_recorder_capture_processes',
    help: 'ffmpeg capture processes running',
    registers,
    collect() {
      let n = 0;
      for (const r of service.recordings()) n += r.captureProcesses();
      this.set(n);
    },
  });
  const jobs = new Counter({
    name: 'dualclass_recorder_finalize_jobs_total',
    help: 'Finished finalize jobs by result (published, or failed with raw segments kept)',
    labelNames: ['result'],
    registers,
  });
  const duration = new Histogram({
    name: 'dualclass_recorder_finalize_duration_seconds',
    help: 'Lesson end to published (or failed) recording',
    labelNames: ['result'],
    buckets: [5, 15, 30, 60, 120, 300, 600, 1200],
    registers,
  });
  for (const result of ['published', 'failed'] as const) jobs.inc({ result }, 0);
  service.on('finalized', ({ result, seconds }) => {
    jobs.inc({ result });
    duration.observe({ result }, seconds);
  });
}
