import type { HealthReport } from '@dualclass/protocol';

/**
 * Link health for the studio's classroom wall, computed from the publisher's own WebRTC stats: the send
 * transport's getStats (outbound bitrate, remote-inbound-rtp loss and RTT, the mic's media-source audio level)
 * and the receive transport's (inbound bitrate). Counters become rates between two samples, so the
 * computation keeps the previous sample; it is pure so it can be tested on a recorded report.
 */

/** The fields of RTCStats entries we read; real reports have many more. */
export interface StatLike {
  type?: string;
  kind?: string;
  mediaType?: string;
  bytesSent?: number;
  bytesReceived?: number;
  packetsReceived?: number;
  packetsLost?: number;
  fractionLost?: number;
  roundTripTime?: number;
  currentRoundTripTime?: number;
  audioLevel?: number;
  state?: string;
  nominated?: boolean;
  selected?: boolean;
}

export type TransportState = HealthReport['state'];

export interface HealthSample {
  /** ms (performance.now() or Date.now(); only differences matter). */
  at: number;
  bytesSent: number;
  bytesReceived: number;
  /** inbound-rtp totals, for the loss on what this client receives. */
  packetsReceived: number;
  packetsLost: number;
}

export const HEALTH_INTERVAL_MS = 2000;

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
const round1 = (value: number) => Math.round(value * 10) / 10;

/** mediasoup-client's transport connectionState, in the wire's words ('closed' counts as disconnected). */
export function toTransportState(state: string | undefined): TransportState {
  switch (state) {
    case 'new':
    case 'connecting':
    case 'connected':
    case 'disconnected':
    case 'failed':
      return state;
    case 'checking':
      return 'connecting';
    case 'completed':
      return 'connected';
    default:
      return 'disconnected';
  }
}

function kindOf(s: StatLike): string | undefined {
  return s.kind ?? s.mediaType;
}

/** kbps between two byte counters `dtMs` apart; a reset counter (or no time passed) gives 0. */
function kbps(bytesNow: number, bytesBefore: number, dtMs: number): number {
  if (dtMs <= 0 || bytesNow < bytesBefore) return 0;
  return ((bytesNow - bytesBefore) * 8) / dtMs; // bits per ms = kbit/s
}

function selectedPairRtt(s: StatLike): number | undefined {
  return (s.nominated || s.selected) && s.state === 'succeeded' && typeof s.currentRoundTripTime === 'number' ? s.currentRoundTripTime : undefined;
}

export function computeHealth(input: {
  send: Iterable<StatLike> | null;
  recv: Iterable<StatLike> | null;
  state: string | undefined;
  at: number;
  previous: HealthSample | null;
}): { report: HealthReport; sample: HealthSample } {
  let bytesSent = 0;
  let bytesReceived = 0;
  let maxLoss = 0;
  const rtts: number[] = [];
  let pairRtt: number | undefined;
  let audioLevel = 0;
  for (const s of input.send ?? []) {
    switch (s.type) {
      case 'outbound-rtp':
        bytesSent += s.bytesSent ?? 0;
        break;
      case 'remote-inbound-rtp':
        if (typeof s.fractionLost === 'number' && Number.isFinite(s.fractionLost)) maxLoss = Math.max(maxLoss, s.fractionLost);
        if (typeof s.roundTripTime === 'number' && Number.isFinite(s.roundTripTime)) rtts.push(s.roundTripTime);
        break;
      case 'media-source':
        if (kindOf(s) === 'audio' && typeof s.audioLevel === 'number') audioLevel = Math.max(audioLevel, s.audioLevel);
        break;
      case 'candidate-pair':
        pairRtt = selectedPairRtt(s) ?? pairRtt;
        break;
    }
  }
  let packetsReceived = 0;
  let packetsLost = 0;
  for (const s of input.recv ?? []) {
    if (s.type === 'candidate-pair' && pairRtt === undefined) pairRtt = selectedPairRtt(s);
    if (s.type !== 'inbound-rtp') continue;
    bytesReceived += s.bytesReceived ?? 0;
    packetsReceived += s.packetsReceived ?? 0;
    packetsLost += Math.max(0, s.packetsLost ?? 0);
  }
  const sample: HealthSample = { at: input.at, bytesSent, bytesReceived, packetsReceived, packetsLost };
  const prev = input.previous;
  const dt = prev ? input.at - prev.at : 0;
  // Loss on the way in since the last sample (a viewer has no remote-inbound report to read it from).
  if (prev && packetsReceived >= prev.packetsReceived && packetsLost >= prev.packetsLost) {
    const lost = packetsLost - prev.packetsLost;
    const expected = lost + packetsReceived - prev.packetsReceived;
    if (expected > 0) maxLoss = Math.max(maxLoss, lost / expected);
  }
  const rttSeconds = rtts.length > 0 ? rtts.reduce((a, b) => a + b, 0) / rtts.length : (pairRtt ?? 0);
  const report: HealthReport = {
    state: toTransportState(input.state),
    sendBitrateKbps: prev ? round1(clamp(kbps(bytesSent, prev.bytesSent, dt), 0, 100_000)) : 0,
    recvBitrateKbps: prev ? round1(clamp(kbps(bytesReceived, prev.bytesReceived, dt), 0, 100_000)) : 0,
    // fractionLost is a 0–1 fraction in remote-inbound-rtp.
    lossPct: round1(clamp(maxLoss * 100, 0, 100)),
    rttMs: Math.round(clamp(rttSeconds * 1000, 0, 60_000)),
    audioLevel: clamp(Math.round(audioLevel * 1000) / 1000, 0, 1),
  };
  return { report, sample };
}

export type HealthGrade = 'good' | 'fair' | 'poor' | 'down';

/** A traffic-light reading of a report for the wall (the numbers are shown beside it, so colour is never alone). */
export function gradeHealth(report: Pick<HealthReport, 'state' | 'lossPct' | 'rttMs'> | null): HealthGrade {
  if (!report || report.state === 'failed' || report.state === 'disconnected') return 'down';
  if (report.lossPct >= 10 || report.rttMs >= 600) return 'poor';
  if (report.lossPct >= 3 || report.rttMs >= 250 || report.state !== 'connected') return 'fair';
  return 'good';
}

/** Whether a report is too old to trust (the device stopped reporting). */
export function isStale(reportedAt: string, now: number, maxAgeMs = HEALTH_INTERVAL_MS * 3): boolean {
  const at = Date.parse(reportedAt);
  return Number.isNaN(at) || now - at > maxAgeMs;
}
