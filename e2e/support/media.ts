import type { Page } from 'playwright-core';

export interface MediaStats {
  framesDecoded: number;
  videoWidth: number;
  audioPacketsReceived: number;
  /** Join start → first decoded video frame, ms, once a frame has been decoded. */
  firstFrameMs: number | undefined;
}

/** Reads the client's own getStats-based test hook (classroom-client exposes `window.__classroom`). */
export async function mediaStats(page: Page): Promise<MediaStats> {
  return page.evaluate(async () => {
    const hook = (window as unknown as {
      __classroom?: {
        stats(): Promise<{ framesDecoded: number; videoWidth: number; audioPacketsReceived: number }>;
        timing: { joinStartedAt: number | null; firstFrameAt: number | null };
      };
    }).__classroom;
    if (!hook) return { framesDecoded: 0, videoWidth: 0, audioPacketsReceived: 0, firstFrameMs: undefined };
    const s = await hook.stats();
    const { joinStartedAt, firstFrameAt } = hook.timing;
    return {
      framesDecoded: s.framesDecoded,
      videoWidth: s.videoWidth,
      audioPacketsReceived: s.audioPacketsReceived,
      firstFrameMs: joinStartedAt != null && firstFrameAt != null ? firstFrameAt - joinStartedAt : undefined,
    };
  });
}

export type TrackStats = Omit<MediaStats, 'firstFrameMs'>;

/** What the page receives from one participant's publications (e.g. a classroom on stage). */
export async function mediaStatsFor(page: Page, participantId: string): Promise<TrackStats> {
  return page.evaluate(async (id) => {
    const hook = (window as unknown as { __classroom?: { statsFor(id: string): Promise<TrackStats> } }).__classroom;
    return hook ? hook.statsFor(id) : { framesDecoded: 0, videoWidth: 0, audioPacketsReceived: 0 };
  }, participantId);
}

async function poll<T>(read: () => Promise<T>, done: (s: T) => boolean, timeoutMs: number, page: Page): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read().catch(() => undefined);
    if (last !== undefined && done(last)) return last;
    await page.waitForTimeout(200);
  }
  throw new Error(`media did not arrive within ${timeoutMs} ms; last stats ${JSON.stringify(last)}`);
}

export function waitForMedia(page: Page, done: (s: MediaStats) => boolean, timeoutMs: number): Promise<MediaStats> {
  return poll(() => mediaStats(page), done, timeoutMs, page);
}

export function waitForMediaFrom(page: Page, participantId: string, done: (s: TrackStats) => boolean, timeoutMs: number): Promise<TrackStats> {
  return poll(() => mediaStatsFor(page, participantId), done, timeoutMs, page);
}
