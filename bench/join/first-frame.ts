import type { Browser } from 'playwright-core';
import { DESKTOP_VIEWPORT, openAs, PHONE_VIEWPORT, type JoinTarget } from '../../e2e/support/join.ts';

export type ViewerRole = 'classroom_device' | 'student';

export interface FirstFrame {
  role: ViewerRole;
  /** The page's navigation start (performance.timeOrigin) → first master video frame presented. */
  fromNavigationMs: number;
  /** The client's connect() (socket handshake, lesson:join, transports, consume) → the same frame. */
  fromConnectMs: number;
  /** Where the time went (ms from navigation start): the client's user-timing marks. */
  marks: { connect: number; connected: number; mediaReady: number; firstFrame: number };
}

/**
 * One viewer's join, timed inside the page: a fresh page (its own browser context: nothing cached) loads the join
 * link, and the client marks the first frame of the master's video as the page presents it (requestVideoFrameCallback
 * on the large view). The page is closed once the frame is in, whatever happens.
 */
export async function timeFirstFrame(
  browser: Browser,
  target: JoinTarget,
  role: ViewerRole,
  classroomId: string,
  timeoutMs: number,
): Promise<FirstFrame> {
  const page = await openAs(browser, target, role, role === 'student' ? '测速学生' : '测速教室', {
    extra: role === 'classroom_device' ? { classroomId } : {},
    viewport: role === 'student' ? PHONE_VIEWPORT : DESKTOP_VIEWPORT,
  });
  try {
    await page.waitForFunction(() => window.__classroom?.timing.firstFrameAt != null, undefined, { polling: 100, timeout: timeoutMs }).catch(async (err: unknown) => {
      // Where the page got stuck, for the failure list: its phase, media state, and what it decoded.
      const where = await page
        .evaluate(async () => {
          const hook = window.__classroom;
          if (!hook) return 'no client';
          const { phase, media } = hook.client.snapshot;
          const { framesDecoded } = await hook.stats();
          return `phase ${phase}, media ${media}, ${framesDecoded} frames decoded`;
        })
        .catch(() => 'page unreadable');
      throw new Error(`no first frame within ${timeoutMs} ms (${where})`, { cause: err });
    });
    // No named functions in here: the bundler would wrap them in a helper the page does not have.
    const marks = await page.evaluate(() => {
      const [connected, mediaReady] = ['classroom:connected', 'classroom:media-ready'].map((n) => performance.getEntriesByName(n)[0]?.startTime ?? Number.NaN);
      const { joinStartedAt, firstFrameAt } = window.__classroom!.timing;
      return { connect: joinStartedAt!, connected: connected!, mediaReady: mediaReady!, firstFrame: firstFrameAt! };
    });
    return { role, fromNavigationMs: marks.firstFrame, fromConnectMs: marks.firstFrame - marks.connect, marks };
  } finally {
    await page.close();
  }
}
