import type { Browser, Page } from 'playwright-core';
import type { IssueToken } from '@dualclass/protocol';
import type { AdminClient } from '../../infra/src/admin-client.ts';

/** Where a page joins: the admin client that issues its token, the origin it loads the join path from, the lesson. */
export interface JoinTarget {
  admin: Pick<AdminClient, 'issueToken'>;
  baseUrl: string;
  lessonId: string;
}

export const DESKTOP_VIEWPORT = { width: 1280, height: 720 };
/** A phone (390 CSS px wide, devicePixelRatio 1). */
export const PHONE_VIEWPORT = { width: 390, height: 844 };

export interface OpenOptions {
  /** More token fields (classroomId, …). */
  extra?: Partial<IssueToken>;
  viewport?: { width: number; height: number };
  /** Runs on the new page before it navigates (init scripts). */
  beforeJoin?: (page: Page) => Promise<void>;
}

/**
 * Issues a join token for `role` through the admin client, opens a page in `browser` (desktop-sized unless told),
 * logs its uncaught errors, and loads the token's join path.
 */
export async function openAs(
  browser: Browser,
  target: JoinTarget,
  role: IssueToken['role'],
  displayName: string,
  options: OpenOptions = {},
): Promise<Page> {
  const issued = await target.admin.issueToken(target.lessonId, { role, displayName, ...options.extra });
  const page = await browser.newPage({ viewport: options.viewport ?? DESKTOP_VIEWPORT });
  page.on('pageerror', (err) => console.error(`[${role} page error]`, err));
  await options.beforeJoin?.(page);
  await page.goto(new URL(issued.joinPath, target.baseUrl).href);
  return page;
}
