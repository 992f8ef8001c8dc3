import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { IssueToken } from '@dualclass/protocol';
import { launchChromium } from '../e2e/support/browser.ts';
import { openAs, type JoinTarget } from '../e2e/support/join.ts';
import { REPO_ROOT, startStack } from '../infra/src/stack.ts';
import { loadSfuConfig } from '../sfu-server/src/config.ts';
import { TestParticipants } from '../signaling/src/testing/participants.ts';
import { timeFirstFrame, type FirstFrame, type ViewerRole } from './join/first-frame.ts';
import { keyframeRequests, tapPeerConnections } from './join/keyframe-requests.ts';
import { joinAsPlainReceiver } from './join/plain-joiner.ts';
import { summary } from './lib/percentile.ts';
import { saveSection } from './lib/results.ts';
import { RtpSink } from './lib/rtp-sink.ts';
import { numberOption } from './lib/cli-options.ts';

/*
 * Join → first frame, quiet and under a join storm, through the whole product (signaling, SFU and the built client
 * served by signaling; no recorder). The master is a Chromium studio page publishing its fake camera (simulcast) and
 * mic. Each measured join is a fresh Chromium page, classroom device and student in turn, timed inside the page from
 * navigation start to the first presented frame of the master's video; the page is closed right after.
 *  join:      quiet lesson, a warm-up join, then --joins (20) measured one after another.
 *  joinStorm: --storm (200) light joiners (30 % classroom devices, 70 % students: socket.io, lesson:join, a plain SRTP
 *             receiver into one UDP sink, master video + audio consumed and resumed) spread evenly over
 *             --storm-seconds (60), while --joins Chromium joins are measured the same way, one at a time, on a
 *             schedule spread over the storm.
 *             The studio page's outbound-rtp PLI + FIR counts (all simulcast encodings) before and after give the
 *             keyframe requests that reached the master's encoder.
 */

const JOINS = numberOption('joins', 20);
const WARMUP_JOINS = 1;
const STORM_JOINERS = numberOption('storm', 200);
const STORM_SECONDS = numberOption('storm-seconds', 60);
/** Classroom devices among the storm's joiners (every 10 joiners: 3 classrooms, 7 students). */
const STORM_CLASSROOM_PER_10 = 3;
const CLASSROOMS = 4;
const FIRST_FRAME_TIMEOUT_MS = 10_000;
/**
 * Time budget (the whole bench: 3 min): quiet joins start within this, storm joins at most this late after the storm.
 * A slow machine measures fewer joins and says so (`skipped`) rather than overrunning.
 */
const QUIET_BUDGET_MS = 60_000;
const STORM_LATE_START_MS = 12_000;
/** After the storm's last join: late PLIs from the last viewers still count. */
const STORM_TAIL_MS = 1_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200);

interface Lesson {
  browser: Browser;
  target: JoinTarget;
  classroomIds: string[];
  studio: Page;
  masterId: string;
}

/** The studio page goes live (开始上课) and publishes its camera; resolves with the master's participant id. */
async function startStudio(browser: Browser, target: JoinTarget): Promise<{ studio: Page; masterId: string }> {
  const studio = await openAs(browser, target, 'master_teacher', '王老师', { beforeJoin: tapPeerConnections });
  await studio.getByRole('button', { name: /开始上课/ }).click({ timeout: 30_000 });
  await studio.waitForFunction(() => window.__classroom?.client.snapshot.published.some((p) => p.kind === 'video'), undefined, { timeout: 30_000 });
  const masterId = await studio.evaluate(() => window.__classroom!.client.snapshot.self!.id);
  return { studio, masterId };
}

/**
 * Measured joins one after another, join i starting no earlier than `startAt(i)` (performance.now() ms); joins that
 * could not start before `notAfter` are counted as skipped, so a slow machine keeps to the bench's time budget.
 * One page at a time: two would compete for the cores and read as a slower join.
 */
async function measureJoins(lesson: Lesson, count: number, startAt: (i: number) => number, notAfter: number) {
  const frames: FirstFrame[] = [];
  const failures: string[] = [];
  let skipped = 0;
  for (let i = 0; i < count; i++) {
    await sleep(startAt(i) - performance.now());
    if (performance.now() > notAfter) {
      skipped += 1;
      continue;
    }
    const role: ViewerRole = i % 2 === 0 ? 'classroom_device' : 'student';
    try {
      frames.push(await timeFirstFrame(lesson.browser, lesson.target, role, lesson.classroomIds[i % CLASSROOMS]!, FIRST_FRAME_TIMEOUT_MS));
    } catch (err) {
      failures.push(`${role}: ${errorText(err)}`);
    }
  }
  return { frames, failures, skipped };
}

function firstFrameFigures({ frames, failures, skipped }: Awaited<ReturnType<typeof measureJoins>>) {
  const nav = summary(frames.map((f) => f.fromNavigationMs));
  const connect = summary(frames.map((f) => f.fromConnectMs));
  const byRole = (role: ViewerRole) => summary(frames.filter((f) => f.role === role).map((f) => f.fromNavigationMs));
  const median = (phase: (m: FirstFrame['marks']) => number) => summary(frames.map((f) => phase(f.marks))).p50;
  const classroom = byRole('classroom_device');
  const student = byRole('student');
  return {
    p50Ms: nav.p50,
    p95Ms: nav.p95,
    maxMs: nav.max,
    count: nav.count,
    failed: failures.length,
    skipped,
    fromConnect: { p50Ms: connect.p50, p95Ms: connect.p95, maxMs: connect.max },
    byRole: { classroom: { p50Ms: classroom.p50, p95Ms: classroom.p95 }, student: { p50Ms: student.p50, p95Ms: student.p95 } },
    // Medians of each step: page load and boot, socket.io handshake, lesson:join + Device + recv transport, consume to frame.
    stepsP50Ms: {
      pageLoad: median((m) => m.connect),
      socket: median((m) => m.connected - m.connect),
      joinAndTransport: median((m) => m.mediaReady - m.connected),
      consumeToFrame: median((m) => m.firstFrame - m.mediaReady),
    },
    ...(failures.length > 0 && { failures: failures.slice(0, 5) }),
  };
}

function printFirstFrames(title: string, frames: FirstFrame[], figures: ReturnType<typeof firstFrameFigures>): void {
  console.log(`\n${title}`);
  console.log(`   samples (ms, navigation → first frame): ${frames.map((f) => f.fromNavigationMs.toFixed(0)).join(', ')}`);
  console.log(
    `   p50 ${figures.p50Ms} ms, p95 ${figures.p95Ms} ms, max ${figures.maxMs} ms over ${figures.count} joins (${figures.failed} failed, ${figures.skipped} skipped for time); ` +
      `from connect(): p50 ${figures.fromConnect.p50Ms} ms, p95 ${figures.fromConnect.p95Ms} ms`,
  );
  const steps = figures.stepsP50Ms;
  console.log(
    `   medians by step: page load ${steps.pageLoad} ms, socket ${steps.socket} ms, join + transport ${steps.joinAndTransport} ms, consume → frame ${steps.consumeToFrame} ms`,
  );
  if (figures.failures) for (const f of figures.failures) console.log(`   failed: ${f}`);
}

const JOIN_METHOD =
  'Join → first frame = a fresh Chromium page (own context, nothing cached) from navigation start (performance.timeOrigin) ' +
  'on the join link to the first presented frame of the master video (requestVideoFrameCallback, window.__classroom.timing.firstFrameAt); ' +
  'classroom device and student pages alternate, one open at a time, against a Chromium studio publishing its fake camera as H.264 simulcast; ' +
  'fromConnect is the same frame from the client\'s connect(). Full stack on loopback, no recorder.';

async function joinSection(lesson: Lesson): Promise<void> {
  const notAfter = performance.now() + QUIET_BUDGET_MS;
  await measureJoins(lesson, WARMUP_JOINS, () => 0, notAfter);
  const measured = await measureJoins(lesson, JOINS, () => 0, notAfter);
  const figures = firstFrameFigures(measured);
  printFirstFrames('join → first frame, quiet lesson', measured.frames, figures);
  await saveSection('join', { measuredAt: new Date().toISOString(), method: JOIN_METHOD, ...figures });
}

async function stormSection(lesson: Lesson, participants: TestParticipants, sink: RtpSink): Promise<void> {
  const { target, studio, masterId } = lesson;
  const roles: ViewerRole[] = Array.from({ length: STORM_JOINERS }, (_, i) => (i % 10 < STORM_CLASSROOM_PER_10 ? 'classroom_device' : 'student'));
  // Tokens come from the management API ahead of the storm: the storm is the joins, not the token issuing.
  const tokens = await Promise.all(
    roles.map((role, i) => {
      const extra: Partial<IssueToken> = role === 'classroom_device' ? { classroomId: lesson.classroomIds[i % CLASSROOMS]! } : {};
      return participants.token(target.lessonId, role, extra);
    }),
  );
  const spacingMs = (STORM_SECONDS * 1000) / STORM_JOINERS;
  const measureSpacingMs = (STORM_SECONDS * 1000) / JOINS;

  const before = await keyframeRequests(studio);
  const beforeAt = performance.now();
  sink.window();
  const start = performance.now();
  const storm = Promise.allSettled(
    tokens.map(async (token, i) => {
      await sleep(start + i * spacingMs - performance.now());
      return (await joinAsPlainReceiver(participants, token, masterId, sink)).ms;
    }),
  );
  const measuring = measureJoins(lesson, JOINS, (i) => start + i * measureSpacingMs, start + STORM_SECONDS * 1000 + STORM_LATE_START_MS);
  const [settled, measured] = await Promise.all([storm, measuring]);
  await sleep(STORM_TAIL_MS);
  const after = await keyframeRequests(studio);
  const windowSeconds = (performance.now() - beforeAt) / 1000;
  const reading = sink.read();

  const joinedMs = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stormFailures = settled.flatMap((s) => (s.status === 'rejected' ? [errorText(s.reason)] : []));
  const joinerMs = summary(joinedMs);
  const requests = after.pli + after.fir - before.pli - before.fir;
  const byEncoding = Object.fromEntries(Object.entries(after.byEncoding).map(([k, v]) => [k, v - (before.byEncoding[k] ?? 0)]));
  const figures = firstFrameFigures(measured);
  const keyframeRequestsPerSec = round(requests / windowSeconds, 2);
  // The SFU's delay bounds each simulcast stream separately: the busiest one against that bound.
  const busiestEncodingPerSec = round(Math.max(0, ...Object.values(byEncoding)) / windowSeconds, 2);
  // The stack's SFU runs with this environment: its settings as the SFU reads them.
  const sfu = loadSfuConfig({ ...process.env, SFU_RPC_SECRET: 'x'.repeat(16) });

  printFirstFrames(`join → first frame during a storm of ${STORM_JOINERS} joins in ${STORM_SECONDS} s`, measured.frames, figures);
  console.log(
    `   storm joiners: ${joinedMs.length} joined (${stormFailures.length} failed), join → resumed p50 ${joinerMs.p50} ms, p95 ${joinerMs.p95} ms; ` +
      `sink ${reading.streams} streams, ${Math.round(reading.packetsPerSec)} packets/s over the window, loss ${round(reading.lossPct, 3)} %`,
  );
  for (const f of stormFailures.slice(0, 5)) console.log(`   storm join failed: ${f}`);
  console.log(
    `   keyframe requests reaching the master: ${requests} (PLI ${after.pli - before.pli}, FIR ${after.fir - before.fir}; by encoding ${JSON.stringify(byEncoding)}) ` +
      `in ${windowSeconds.toFixed(1)} s = ${keyframeRequestsPerSec}/s, busiest encoding ${busiestEncodingPerSec}/s (SFU keyframe request delay ${sfu.keyFrameRequestDelayMs} ms, ${sfu.workers} workers)`,
  );

  await saveSection('joinStorm', {
    measuredAt: new Date().toISOString(),
    method:
      `${STORM_JOINERS} light joiners (${STORM_CLASSROOM_PER_10 * 10} % classroom devices, the rest students; socket.io + lesson:join + media:createPlainReceiver into one SRTP UDP sink, ` +
      `master video + audio consumed and resumed) started evenly over ${STORM_SECONDS} s, while ${JOINS} Chromium joins were measured as in 'join', ` +
      `one at a time on a schedule spread evenly over the storm (a join that cannot start by ${STORM_LATE_START_MS / 1000} s after it is skipped). ` +
      `Keyframe requests: the studio page's outbound-rtp pliCount + firCount over all simulcast encodings, from just before the storm to ${STORM_TAIL_MS / 1000} s after its last join, divided by that window.`,
    ...figures,
    keyframeRequestsPerSec,
    keyframeRequests: { total: requests, pli: after.pli - before.pli, fir: after.fir - before.fir, windowSeconds: round(windowSeconds), byEncoding, busiestEncodingPerSec },
    // With several workers mediasoup's pipe between them asks for every simulcast encoding whenever one is wanted.
    sfu: { keyFrameRequestDelayMs: sfu.keyFrameRequestDelayMs, workers: sfu.workers },
    stormJoins: {
      attempted: STORM_JOINERS,
      joined: joinedMs.length,
      failed: stormFailures.length,
      seconds: STORM_SECONDS,
      joinToResumedP50Ms: joinerMs.p50,
      joinToResumedP95Ms: joinerMs.p95,
      sinkLossPct: round(reading.lossPct, 3),
      ...(stormFailures.length > 0 && { failures: stormFailures.slice(0, 5) }),
    },
  });
}

export async function run(): Promise<void> {
  if (!existsSync(path.join(REPO_ROOT, 'classroom-client/dist/index.html'))) {
    throw new Error('classroom-client/dist is missing: `npm run build` first');
  }
  const started = performance.now();
  const stack = await startStack({ serveClient: true, recorder: false });
  const participants = new TestParticipants(stack);
  let browser: Browser | undefined;
  let sink: RtpSink | undefined;
  try {
    browser = await launchChromium();
    const created = await stack.admin.createLesson({ title: '加入测速', knowledgePoints: [] });
    const classroomIds: string[] = [];
    for (let i = 0; i < CLASSROOMS; i++) {
      const { id } = await stack.admin.createClassroom({ name: `测速教室${i + 1}` });
      await stack.admin.pairClassroom(created.id, id);
      classroomIds.push(id);
    }
    const target = { admin: stack.admin, baseUrl: stack.url, lessonId: created.id };
    const { studio, masterId } = await startStudio(browser, target);
    const lesson: Lesson = { browser, target, classroomIds, studio, masterId };
    await joinSection(lesson);
    sink = await RtpSink.open();
    await stormSection(lesson, participants, sink);
  } finally {
    participants.closeAll();
    await sink?.close();
    await browser?.close();
    await stack.stop();
  }
  console.log(`\njoin bench done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
