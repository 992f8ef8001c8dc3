import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const CLK_TCK = 100; // USER_HZ: the unit of utime/stime in /proc/<pid>/stat on Linux

export interface CpuMeter {
  /** Percent of ONE core the processes used since the meter started (200 = two full cores). */
  stop(): Promise<number>;
}

/** Pins every thread of `pid` to one core, so a worker's load lands on a core the bench can attribute. */
export async function pinToCore(pid: number, core: number): Promise<void> {
  await exec('taskset', ['-a', '-cp', String(core), String(pid)]);
}

/** Lets every thread of `pid` run on any core again (undoes pinToCore). */
export async function unpin(pid: number): Promise<void> {
  await exec('taskset', ['-a', '-cp', `0-${os.cpus().length - 1}`, String(pid)]);
}

/**
 * CPU used by `pids` (all their threads: the process line of /proc/<pid>/stat sums them) over wall time.
 * A process that exits mid-window counts what it used up to its last reading.
 */
export function processCpuMeter(pids: number[]): CpuMeter {
  const startedAt = process.hrtime.bigint();
  const before = new Map(pids.map((pid) => [pid, cpuTicks(pid) ?? 0]));
  return {
    async stop() {
      const wallSeconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      let ticks = 0;
      for (const [pid, start] of before) ticks += Math.max((cpuTicks(pid) ?? start) - start, 0);
      return wallSeconds > 0 ? (ticks / CLK_TCK / wallSeconds) * 100 : 0;
    },
  };
}

/** The fields of /proc/<pid>/stat from field 3 (state) on, or undefined when the process is gone. */
function statFields(pid: number | 'self'): number[] | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses; fields after the last ')' start at field 3.
  return text.slice(text.lastIndexOf(')') + 2).split(' ').map(Number);
}

/** utime + stime of a process in clock ticks, or undefined when it is gone. */
export function cpuTicks(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields && fields[11]! + fields[12]!;
}

/** CPU seconds of this process's reaped children (cutime + cstime). */
export function reapedChildrenCpuSeconds(): number {
  const fields = statFields('self')!;
  return (fields[13]! + fields[14]!) / CLK_TCK;
}
