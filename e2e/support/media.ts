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

export async function waitForMedia(page: Page, done: (s: MediaStats) => boolean, timeoutMs: number): Promise<MediaStats> {
  const deadline = Date.now() + timeoutMs;
  let last: MediaStats | undefined;
  while (Date.now() < deadline) {
    last = await mediaStats(page).catch(() => undefined);
    if (last && done(last)) return last;
    await page.waitForTimeout(200);
  }
  throw new Error(`media did not arrive within ${timeoutMs} ms; last stats ${JSON.stringify(last)}`);
}
