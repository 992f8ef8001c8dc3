import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpuModel: string;
  cores: number;
  memGiB: number;
  node: string;
  kernel: string;
}

/** The machine line every figure states: benchmark numbers mean nothing without the CPU they ran on. */
export function machineInfo(): Machine {
  return {
    cpuModel: cpuModel(),
    // Online CPUs, not this process's affinity (availableParallelism): a bench pins itself to one core while it measures.
    cores: os.cpus().length,
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: os.release(),
  };
}

// os.cpus() reports only what the kernel names; /proc/cpuinfo is the same source but survives a missing model on some VMs.
function cpuModel(): string {
  const fromOs = os.cpus()[0]?.model.trim();
  if (fromOs) return fromOs;
  const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
  return match?.[1]?.trim() ?? 'unknown';
}
