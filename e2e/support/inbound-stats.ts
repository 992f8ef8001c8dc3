import type { Page } from 'playwright-core';

/** One kind's inbound-rtp counters, summed over the page's receive transport. */
export interface Inbound {
  kind: 'audio' | 'video';
  framesDecoded: number;
  frameWidth: number;
  freezeCount: number;
  totalFreezesDuration: number;
  packetsReceived: number;
  packetsLost: number;
  concealedSamples: number;
  totalSamplesReceived: number;
  concealmentEvents: number;
  /** Seconds, summed over every sample (audio) or frame (video) the jitter buffer emitted. */
  jitterBufferDelay: number;
  jitterBufferEmittedCount: number;
}

/** Sums the page's inbound-rtp reports per kind (the studio publishes one camera and one mic). */
export async function inbound(page: Page): Promise<Record<'audio' | 'video', Inbound>> {
  const reports = await page.evaluate(() => window.__classroom!.client.inboundRtp());
  const sum = (kind: 'audio' | 'video'): Inbound => {
    const rs = reports.filter((r) => r.kind === kind);
    const total = (k: string) => rs.reduce((n, r) => n + (Number(r[k]) || 0), 0);
    return {
      kind,
      framesDecoded: total('framesDecoded'),
      frameWidth: Math.max(0, ...rs.map((r) => Number(r.frameWidth) || 0)),
      freezeCount: total('freezeCount'),
      totalFreezesDuration: total('totalFreezesDuration'),
      packetsReceived: total('packetsReceived'),
      packetsLost: total('packetsLost'),
      concealedSamples: total('concealedSamples'),
      totalSamplesReceived: total('totalSamplesReceived'),
      concealmentEvents: total('concealmentEvents'),
      jitterBufferDelay: total('jitterBufferDelay'),
      jitterBufferEmittedCount: total('jitterBufferEmittedCount'),
    };
  };
  return { audio: sum('audio'), video: sum('video') };
}

/**
 * Watches the page for `seconds`: longest stretch without a new audio packet, phases seen, what the counters
 * moved by, the mean jitter-buffer delay over the window, and the median RTT of the page's own health reports
 * (null on pages that send none).
 */
export async function observe(page: Page, seconds: number) {
  const first = await inbound(page);
  let last = first;
  let lastAudioAt = Date.now();
  let longestAudioStall = 0;
  const phases = new Set<string>();
  const rtts: number[] = [];
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    await page.waitForTimeout(100);
    const now = await inbound(page);
    if (now.audio.packetsReceived > last.audio.packetsReceived) lastAudioAt = Date.now();
    longestAudioStall = Math.max(longestAudioStall, Date.now() - lastAudioAt);
    const { phase, rttMs } = await page.evaluate(() => {
      const snapshot = window.__classroom!.client.getSnapshot();
      return { phase: snapshot.phase, rttMs: snapshot.ownHealth?.rttMs ?? null };
    });
    phases.add(phase);
    if (rttMs !== null) rtts.push(rttMs);
    last = now;
  }
  const d = (k: keyof Inbound, kind: 'audio' | 'video') => (last[kind][k] as number) - (first[kind][k] as number);
  const jitterBufferMs = (kind: 'audio' | 'video') => Math.round((d('jitterBufferDelay', kind) / Math.max(1, d('jitterBufferEmittedCount', kind))) * 1000);
  rtts.sort((a, b) => a - b);
  return {
    longestAudioStallMs: longestAudioStall,
    phases: [...phases],
    framesDecoded: d('framesDecoded', 'video'),
    frameWidth: last.video.frameWidth,
    freezes: d('freezeCount', 'video'),
    freezeSeconds: Math.round(d('totalFreezesDuration', 'video') * 100) / 100,
    videoPackets: d('packetsReceived', 'video'),
    videoLost: d('packetsLost', 'video'),
    audioPackets: d('packetsReceived', 'audio'),
    audioLost: d('packetsLost', 'audio'),
    concealedPercent: Math.round((d('concealedSamples', 'audio') / Math.max(1, d('totalSamplesReceived', 'audio'))) * 1000) / 10,
    concealmentEvents: d('concealmentEvents', 'audio'),
    audioJitterBufferMs: jitterBufferMs('audio'),
    videoJitterBufferMs: jitterBufferMs('video'),
    rttMs: rtts.length > 0 ? rtts[Math.floor(rtts.length / 2)]! : null,
  };
}
