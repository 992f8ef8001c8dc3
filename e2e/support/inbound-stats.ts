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
  bytesReceived: number;
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
      bytesReceived: total('bytesReceived'),
      concealedSamples: total('concealedSamples'),
      totalSamplesReceived: total('totalSamplesReceived'),
      concealmentEvents: total('concealmentEvents'),
      jitterBufferDelay: total('jitterBufferDelay'),
      jitterBufferEmittedCount: total('jitterBufferEmittedCount'),
    };
  };
  return { audio: sum('audio'), video: sum('video') };
}

/** Adds `ms` to the last run if it holds `value`, else starts a new run. */
function addRun<T>(runs: [T, number][], value: T, ms: number): void {
  const run = runs.at(-1);
  if (run && run[0] === value) run[1] += ms;
  else runs.push([value, ms]);
}

/** The share of an observation's time spent at a received width that passes `test` (observe's `widths`). */
export function share(widths: [number, number][], test: (width: number) => boolean): number {
  const total = widths.reduce((ms, [, d]) => ms + d, 0);
  return widths.filter(([w]) => test(w)).reduce((ms, [, d]) => ms + d, 0) / Math.max(1, total);
}

/**
 * Watches the page for `seconds`, sampling every 100 ms: longest stretch without a new audio packet, phases seen,
 * the received width and the camera layer the page asked for over time (as [value, ms] runs), what the counters
 * moved by, the received video rate, the mean jitter-buffer delay over the window, and the median RTT of the
 * page's own health reports (null on pages that send none).
 */
export async function observe(page: Page, seconds: number) {
  const first = await inbound(page);
  const startedAt = Date.now();
  let lastAt = startedAt;
  let last = first;
  let lastAudioAt = Date.now();
  let longestAudioStall = 0;
  const phases = new Set<string>();
  const rtts: number[] = [];
  /** The received width over time, as [width, ms] runs: when the SFU switched layers. */
  const widths: [number, number][] = [];
  /** The layer the page asked the SFU for over time, as [layer, ms] runs (null: not received). */
  const askedLayers: [number | null, number][] = [];
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    await page.waitForTimeout(100);
    const now = await inbound(page);
    if (now.audio.packetsReceived > last.audio.packetsReceived) lastAudioAt = Date.now();
    longestAudioStall = Math.max(longestAudioStall, Date.now() - lastAudioAt);
    const { phase, rttMs, asked } = await page.evaluate(() => {
      const { phase, ownHealth, plan, publications } = window.__classroom!.client.getSnapshot();
      const camera = publications.find((p) => p.kind === 'video');
      return { phase, rttMs: ownHealth?.rttMs ?? null, asked: camera ? (plan.get(camera.producerId) ?? null) : null };
    });
    phases.add(phase);
    if (rttMs !== null) rtts.push(rttMs);
    addRun(widths, now.video.frameWidth, Date.now() - lastAt);
    addRun(askedLayers, asked, Date.now() - lastAt);
    lastAt = Date.now();
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
    widths,
    askedLayers,
    videoKbps: Math.round((d('bytesReceived', 'video') * 8) / (Date.now() - startedAt)),
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
