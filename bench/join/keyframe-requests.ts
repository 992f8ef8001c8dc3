import type { Page } from 'playwright-core';

declare global {
  interface Window {
    __benchPeerConnections?: RTCPeerConnection[];
  }
}

/**
 * Runs before the page's own scripts: keeps every RTCPeerConnection the page makes, so the bench can read the
 * studio's send-side stats without any hook in the product.
 */
export async function tapPeerConnections(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const connections: RTCPeerConnection[] = [];
    window.__benchPeerConnections = connections;
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Native {
      constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
        super(...args);
        connections.push(this);
      }
    };
  });
}

export interface KeyframeRequests {
  pli: number;
  fir: number;
  /** Per outbound video encoding (rid, or ssrc without simulcast): PLI + FIR received so far. */
  byEncoding: Record<string, number>;
}

/**
 * The PLI and FIR a publishing page has received on its outbound video (`outbound-rtp` pliCount and firCount, summed
 * over simulcast encodings): the keyframe requests that reached its encoder. Needs tapPeerConnections.
 */
export async function keyframeRequests(page: Page): Promise<KeyframeRequests> {
  return page.evaluate(async () => {
    const out = { pli: 0, fir: 0, byEncoding: {} as Record<string, number> };
    for (const pc of window.__benchPeerConnections ?? []) {
      if (pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      report.forEach((s: Record<string, unknown>) => {
        if (s.type !== 'outbound-rtp' || s.kind !== 'video') return;
        const pli = Number(s.pliCount) || 0;
        const fir = Number(s.firCount) || 0;
        out.pli += pli;
        out.fir += fir;
        const key = String(s.rid ?? s.ssrc);
        out.byEncoding[key] = (out.byEncoding[key] ?? 0) + pli + fir;
      });
    }
    return out;
  });
}
