import { ClassroomError } from '@dualclass/protocol';
import { Readiness, type ReadinessCheck } from '@dualclass/protocol/ops';
import type { SfuClient } from '@dualclass/sfu-server/client';
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import type { RecorderClient } from '../recording/recording-coordinator.ts';

// Probes come every few seconds; a dependency slower than this is as good as down for a lesson.
const CHECK_TIMEOUT_MS = 1_500;

/**
 * What signaling needs to serve a lesson, as named async checks. Other dependencies (Redis, from the shared
 * state) come in `extra`, one entry each.
 */
export function signalingReadiness(deps: {
  /** One SFU node, or several behind the cluster, which asks each for worker.list. */
  sfu: Pick<SfuClient, 'call'>;
  database: Database;
  recorder: RecorderClient | undefined;
  extra?: Record<string, () => Promise<void>>;
  log: Logger;
}): Readiness {
  const checks: ReadinessCheck[] = [
    {
      // worker.list rather than a bare ping: an SFU whose every worker is dead answers, but cannot host a lesson.
      name: 'sfu',
      run: async () => {
        const { workers } = await deps.sfu.call('worker.list', {}, { timeoutMs: CHECK_TIMEOUT_MS });
        if (workers.length === 0) throw new ClassroomError('UNAVAILABLE', 'sfu has no live media worker');
      },
    },
    {
      name: 'database',
      run: async () => {
        await deps.database.query('select 1');
      },
    },
  ];
  const recorder = deps.recorder;
  if (recorder) checks.push({ name: 'recorder', run: () => recorder.ping(CHECK_TIMEOUT_MS) });
  for (const [name, run] of Object.entries(deps.extra ?? {})) checks.push({ name, run });
  return new Readiness(checks, { timeoutMs: CHECK_TIMEOUT_MS, log: deps.log });
}
