import { describe, expect, it } from 'vitest';
import { computeHealth, gradeHealth, isStale, toTransportState, type StatLike } from './health.ts';

// Trimmed from a real Chromium send-transport report: three simulcast layers and the mic.
const send = (videoBytes: number[], audioBytes: number): StatLike[] => [
  ...videoBytes.map((bytesSent) => ({ type: 'outbound-rtp', kind: 'video', bytesSent })),
  { type: 'outbound-rtp', kind: 'audio', bytesSent: audioBytes },
  { type: 'remote-inbound-rtp', kind: 'video', fractionLost: 0.02, roundTripTime: 0.05 },
  { type: 'remote-inbound-rtp', kind: 'video', fractionLost: 0.04, roundTripTime: 0.07 },
  { type: 'remote-inbound-rtp', kind: 'audio', fractionLost: 0, roundTripTime: 0.06 },
  { type: 'media-source', kind: 'audio', audioLevel: 0.31 },
  { type: 'media-source', kind: 'video' },
  { type: 'candidate-pair', state: 'succeeded', nominated: true, currentRoundTripTime: 0.2 },
  { type: 'transport' },
];
const recv = (bytesReceived: number): StatLike[] => [
  { type: 'inbound-rtp', kind: 'video', bytesReceived },
  { type: 'inbound-rtp', kind: 'audio', bytesReceived: 0 },
];

describe('health from getStats', () => {
  it('first sample: loss, RTT and level now; bitrates need a second sample', () => {
    const { report, sample } = computeHealth({ send: send([1000, 2000, 3000], 500), recv: recv(10_000), state: 'connected', at: 1000, previous: null });
    expect(report).toEqual({ state: 'connected', sendBitrateKbps: 0, recvBitrateKbps: 0, lossPct: 4, rttMs: 60, audioLevel: 0.31 });
    expect(sample).toEqual({ at: 1000, bytesSent: 6500, bytesReceived: 10_000, packetsReceived: 0, packetsLost: 0 });
  });

  it('bitrates are byte deltas over time (kbit/s)', () => {
    const first = computeHealth({ send: send([0, 0, 0], 0), recv: recv(0), state: 'connected', at: 0, previous: null });
    // 2 s later: 100 kB sent (400 kbit/s), 500 kB received (2000 kbit/s).
    const { report } = computeHealth({ send: send([25_000, 25_000, 40_000], 10_000), recv: recv(500_000), state: 'connected', at: 2000, previous: first.sample });
    expect(report.sendBitrateKbps).toBe(400);
    expect(report.recvBitrateKbps).toBe(2000);
  });

  it('counter resets and missing reports give zeros, never negatives; RTT falls back to the candidate pair', () => {
    const { report } = computeHealth({
      send: [{ type: 'outbound-rtp', bytesSent: 10 }, { type: 'candidate-pair', state: 'succeeded', nominated: true, currentRoundTripTime: 0.12 }],
      recv: null,
      state: 'closed',
      at: 4000,
      previous: { at: 2000, bytesSent: 1_000_000, bytesReceived: 5, packetsReceived: 9, packetsLost: 1 },
    });
    expect(report).toEqual({ state: 'disconnected', sendBitrateKbps: 0, recvBitrateKbps: 0, lossPct: 0, rttMs: 120, audioLevel: 0 });
  });

  it('transport states and grades', () => {
    expect(toTransportState('connecting')).toBe('connecting');
    expect(toTransportState('checking')).toBe('connecting');
    expect(toTransportState(undefined)).toBe('disconnected');
    expect(gradeHealth(null)).toBe('down');
    expect(gradeHealth({ state: 'connected', lossPct: 0.5, rttMs: 40 })).toBe('good');
    expect(gradeHealth({ state: 'connected', lossPct: 5, rttMs: 40 })).toBe('fair');
    expect(gradeHealth({ state: 'connected', lossPct: 12, rttMs: 40 })).toBe('poor');
    expect(gradeHealth({ state: 'failed', lossPct: 0, rttMs: 0 })).toBe('down');
    expect(isStale('2025-01-01T08:00:00.000Z', Date.parse('2025-01-01T08:00:05.000Z'))).toBe(false);
    expect(isStale('2025-01-01T08:00:00.000Z', Date.parse('2025-01-01T08:00:07.000Z'))).toBe(true);
  });

  it('a viewer: loss from inbound-rtp counters between samples, RTT from the receive transport\'s candidate pair', () => {
    const inbound = (received: number, lost: number): StatLike[] => [
      { type: 'inbound-rtp', kind: 'video', bytesReceived: received * 1000, packetsReceived: received, packetsLost: lost },
      { type: 'inbound-rtp', kind: 'audio', bytesReceived: 0, packetsReceived: 0, packetsLost: 0 },
      { type: 'candidate-pair', state: 'succeeded', nominated: true, currentRoundTripTime: 0.12 },
    ];
    const first = computeHealth({ send: null, recv: inbound(1000, 10), state: 'connected', at: 0, previous: null });
    expect(first.report.lossPct).toBe(0); // totals since the start say nothing about now
    const second = computeHealth({ send: null, recv: inbound(1900, 110), state: 'connected', at: 2000, previous: first.sample });
    expect(second.report.lossPct).toBe(10); // 100 lost of 1000 expected
    expect(second.report.rttMs).toBe(120);
    expect(gradeHealth(second.report)).toBe('poor');
  });
});
