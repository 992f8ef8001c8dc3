/** A step of a fan-out sweep fails when the SFU core is this busy or this much is lost. */
export const CPU_LIMIT_PCT = 85;
export const LOSS_LIMIT_PCT = 0.1;

export interface SweepPoint {
  viewers: number;
  /** Percent of one core used by the SFU process(es). */
  cpuPct: number;
  lossPct: number;
  /** Packets/s arriving at the sink (all viewers together). */
  packetsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Percent of one core used by the bench process (source forwarder + sink): near 100 means the harness, not the SFU, was the limit. */
  benchCpuPct: number;
}

export interface SweepVerdict {
  /** Highest passing viewer count below the first failure (0 when none passed). */
  viewersPerCore: number;
  /** Packets/s out ÷ (cpuPct / 100) at that point: what one full core would forward at that cost per packet. */
  packetsPerSecPerCore: number;
  /** Why the ceiling is where it is; 'none' when every step passed (viewersPerCore is then a lower bound). */
  limitedBy: 'cpu' | 'loss' | 'none';
}

export function passes(point: SweepPoint): boolean {
  return point.cpuPct <= CPU_LIMIT_PCT && point.lossPct <= LOSS_LIMIT_PCT;
}

function firstFailure(points: SweepPoint[]): SweepPoint | undefined {
  return [...points].sort((a, b) => a.viewers - b.viewers).find((p) => !passes(p));
}

/**
 * The one extra viewer count worth measuring: halfway between the last pass and the first failure, or
 * undefined when nothing failed or no whole count lies between them.
 */
export function refineTarget(points: SweepPoint[]): number | undefined {
  const fail = firstFailure(points);
  if (!fail) return undefined;
  const lastPass = Math.max(0, ...points.filter((p) => passes(p) && p.viewers < fail.viewers).map((p) => p.viewers));
  const middle = Math.round((lastPass + fail.viewers) / 2);
  return middle > lastPass && middle < fail.viewers ? middle : undefined;
}

/** The sweep's ceiling. A pass above the first failure is noise, not capacity, and is not counted. */
export function verdict(points: SweepPoint[]): SweepVerdict {
  const fail = firstFailure(points);
  const below = points.filter((p) => passes(p) && (!fail || p.viewers < fail.viewers));
  const best = below.reduce<SweepPoint | undefined>((top, p) => (!top || p.viewers > top.viewers ? p : top), undefined);
  return {
    viewersPerCore: best?.viewers ?? 0,
    packetsPerSecPerCore: best && best.cpuPct > 0 ? Math.round(best.packetsPerSec / (best.cpuPct / 100)) : 0,
    limitedBy: !fail ? 'none' : fail.cpuPct > CPU_LIMIT_PCT ? 'cpu' : 'loss',
  };
}
