import type { Browser } from 'playwright-core';
import type { Lesson } from '@dualclass/protocol';
import { startStack, type Stack } from '../../infra/src/stack.ts';
import { launchChromium } from './browser.ts';
import type { ImpairedLink } from './impaired-link.ts';
import type { JoinTarget } from './join.ts';

/** A stack on an impaired link's host address, a studio browser outside the link, a classroom browser inside it. */
export interface ImpairedClassroom {
  stack: Stack;
  /** Chromium on the host, unimpaired. */
  studioBrowser: Browser;
  /** Chromium inside the link's network namespace: its only way to the stack is the link. */
  roomBrowser: Browser;
  lesson: Lesson;
  classroomId: string;
  /** Where pages join this lesson (openAs). */
  target: JoinTarget;
  /** Closes both browsers, then stops the stack (the link is the caller's). */
  close(): Promise<void>;
}

/**
 * Starts the stack for one studio and one remote classroom across `link` (client served, one SFU worker, no
 * recorder), launches the two browsers, and creates a lesson paired with the classroom.
 */
export async function startImpairedClassroom(
  link: ImpairedLink,
  options: {
    lesson: { title: string; knowledgePoints?: string[] };
    classroomName: string;
    /** More environment for the stack's services. */
    env?: NodeJS.ProcessEnv;
    /** A camera file for the studio (demandingCameraFile) instead of Chromium's fake pattern. */
    studioFakeVideo?: string;
  },
): Promise<ImpairedClassroom> {
  const stack = await startStack({ host: link.hostIp, serveClient: true, sfuWorkers: 1, recorder: false, env: options.env });
  const browsers: Browser[] = [];
  const close = async () => {
    for (const browser of browsers.reverse()) await browser.close();
    await stack.stop();
  };
  try {
    const studioBrowser = await launchChromium({ secureOrigin: stack.url, fakeVideo: options.studioFakeVideo });
    browsers.push(studioBrowser);
    const roomBrowser = await launchChromium({ executablePath: await link.chromiumInside(), secureOrigin: stack.url });
    browsers.push(roomBrowser);
    const lesson = await stack.admin.createLesson(options.lesson);
    const classroomId = (await stack.admin.createClassroom({ name: options.classroomName })).id;
    await stack.admin.pairClassroom(lesson.id, classroomId);
    return { stack, studioBrowser, roomBrowser, lesson, classroomId, target: { admin: stack.admin, baseUrl: stack.url, lessonId: lesson.id }, close };
  } catch (err) {
    await close();
    throw err;
  }
}
