/** The figures issue 7 asks for, with the target each is judged against (undefined: a reference, no target). */
export interface RequiredFigure {
  key: string;
  meaning: string;
  target?: { text: string; met(value: number): boolean };
}

const atMost = (limit: number, unit: string) => ({ text: `≤ ${limit}${unit}`, met: (v: number) => v <= limit });
const atLeast = (limit: number, unit: string) => ({ text: `≥ ${limit}${unit}`, met: (v: number) => v >= limit });

export const REQUIRED_FIGURES: RequiredFigure[] = [
  { key: 'engine.viewersPerCore', meaning: 'bare mediasoup worker: plain SRTP viewers one core carries (the ceiling)' },
  { key: 'fanout.viewersPerCore', meaning: 'the product SFU: the same viewers on one core' },
  { key: 'fanout.ratioToEngine', meaning: 'product ÷ engine ceiling', target: atLeast(0.95, '') },
  { key: 'fanout.lossPct', meaning: 'packet loss at the product\'s ceiling, %', target: atMost(0.1, ' %') },
  { key: 'fanout.mixViewersPerCore', meaning: 'product, realistic mix of viewers, per core' },
  { key: 'fanout.scaling2Workers', meaning: 'efficiency going from 1 to 2 workers (fraction of 2×)', target: atLeast(0.9, '') },
  { key: 'peer.janus.viewersPerCore', meaning: 'Janus 1.1 with the same viewers on one core' },
  { key: 'peer.janus.ratio', meaning: 'product ÷ Janus (ahead of Janus above 1)', target: { text: '> 1', met: (v) => v > 1 } },
  { key: 'forwarding.p99Ms', meaning: 'SFU forwarding latency p99, ms', target: atMost(5, ' ms') },
  { key: 'join.p95Ms', meaning: 'join → first frame p95, ms', target: atMost(1000, ' ms') },
  { key: 'joinStorm.p95Ms', meaning: 'join → first frame p95 during a join storm, ms', target: atMost(1000, ' ms') },
  { key: 'joinStorm.keyframeRequestsPerSec', meaning: 'keyframe requests reaching the master during the storm, per s', target: atMost(1, '/s') },
  { key: 'signaling.quizP99Ms', meaning: 'quiz launch → pushed to every socket p99, ms', target: atMost(200, ' ms') },
  { key: 'recording.cpuPerStreamPct', meaning: 'recording CPU per stream, % of a core', target: atMost(5, ' %') },
  { key: 'recording.readySeconds', meaning: 'lesson end → recording ready, s', target: atMost(10, ' s') },
];

/** The result sections the report expects, in the order it shows them (a dotted key is nested). */
export const SECTIONS = ['engine', 'fanout', 'peer.janus', 'forwarding', 'calibration', 'join', 'joinStorm', 'signaling', 'recording'];
