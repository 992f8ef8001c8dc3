import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { QuizLaunch } from '@dualclass/protocol';
import { startStack, type Stack } from '../infra/src/stack.ts';
import { ok, TestParticipants } from '../signaling/src/testing/participants.ts';
import { processCpuMeter } from './lib/cpu.ts';
import { percentile } from './lib/percentile.ts';
import { numberOption } from './lib/cli-options.ts';
import { saveSection } from './lib/results.ts';
import { collectGarbage } from './signaling/remote-gc.ts';
import type { FromStudents, StudentWorkerData, ToStudents } from './signaling/student-worker.ts';

/*
 * Quiz fan-out: one live lesson, N student sockets joined through the real signaling process, the master launches a
 * quiz; for every student socket, the time from the master's launch emit to that socket's `quiz:launched`.
 * Options: --sockets <n> (default 2000), --launches <n> (default 5), --workers <n> (client threads, default 2).
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const QUIZ: QuizLaunch = {
  question: '闭合电路的一部分导体在磁场中做切割磁感线运动时，电路中是否产生感应电流？',
  kind: 'true_false',
  options: [
    { id: 'A', text: '对' },
    { id: 'B', text: '错' },
  ],
  correct: ['A'],
  knowledgePoint: '电磁感应',
  timeLimitSeconds: 60,
};

async function rssKiB(pid: number): Promise<number> {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

async function issueTokens(stack: Stack, lessonId: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      tokens[i] = (await stack.admin.issueToken(lessonId, { role: 'student', displayName: `学生${i + 1}` })).token;
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  return tokens;
}

/** Worker threads holding the student sockets; resolves once every thread has joined its share. */
class StudentThreads {
  readonly #workers: Worker[] = [];

  static async start(url: string, tokens: string[], threads: number): Promise<{ students: StudentThreads; joined: number; errors: string[] }> {
    const students = new StudentThreads();
    const shares = Array.from({ length: threads }, (_, t) => tokens.filter((_, i) => i % threads === t));
    const results = await Promise.all(
      shares.map((share) => {
        const data: StudentWorkerData = { url, tokens: share, concurrency: 25 };
        const worker = new Worker(new URL('./signaling/student-worker.ts', import.meta.url), { workerData: data });
        students.#workers.push(worker);
        return students.#next(worker, 'joined');
      }),
    ).catch(async (err: unknown) => {
      await Promise.all(students.#workers.map((w) => w.terminate()));
      throw err;
    });
    return { students, joined: results.reduce((n, r) => n + r.joined, 0), errors: results.flatMap((r) => r.errors) };
  }

  /** Every receive time (ns, process.hrtime) of one quiz's push across all threads. */
  async collect(quizId: string, timeoutMs: number): Promise<bigint[]> {
    const parts = await Promise.all(
      this.#workers.map((w) => {
        const answer = this.#next(w, 'collected');
        w.postMessage({ type: 'collect', quizId, timeoutMs } satisfies ToStudents);
        return answer;
      }),
    );
    return parts.flatMap((p) => [...p.received]);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.#workers.map(async (w) => {
        const closed = this.#next(w, 'closed');
        w.postMessage({ type: 'close' } satisfies ToStudents);
        await Promise.race([closed, sleep(5_000)]);
        await w.terminate();
      }),
    );
  }

  #next<T extends FromStudents['type']>(worker: Worker, type: T): Promise<Extract<FromStudents, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (msg: FromStudents) => {
        if (msg.type !== type) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(msg as Extract<FromStudents, { type: T }>);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  }
}

export async function run(): Promise<void> {
  const sockets = numberOption('sockets', 2000);
  const launches = numberOption('launches', 5);
  const threads = numberOption('workers', 2);
  // The inspector lets the bench collect the signaling process's garbage before each RSS reading.
  const stack = await startStack({ recorder: false, env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:0`.trim() } });
  const master = new TestParticipants(stack);
  let students: StudentThreads | undefined;
  try {
    const signalingPid = stack.signaling.child.pid!;
    const liveRssKiB = async () => {
      await collectGarbage(signalingPid, [Number(new URL(stack.url).port)]);
      return rssKiB(signalingPid);
    };
    const lesson = await stack.admin.createLesson({ title: '信令基准课：答题下发' });
    await stack.admin.startLesson(lesson.id);
    const { socket: teacher } = await master.join(lesson.id, 'master_teacher');
    let started = performance.now();
    const tokens = await issueTokens(stack, lesson.id, sockets);
    console.log(`signaling: ${sockets} join tokens in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const rssBefore = await liveRssKiB();
    const joinCpu = { signaling: processCpuMeter([signalingPid]), bench: process.cpuUsage() };
    started = performance.now();
    const opened = await StudentThreads.start(stack.url, tokens, threads);
    students = opened.students;
    const joinSeconds = (performance.now() - started) / 1000;
    console.log(`signaling: ${opened.joined}/${sockets} students joined over ${threads} threads in ${joinSeconds.toFixed(1)} s`);
    // Each join is announced to everyone already in the lesson, so the joins' cost grows with the square of the class.
    const joinSignalingCpuSeconds = ((await joinCpu.signaling.stop()) / 100) * joinSeconds;
    const benchCpu = process.cpuUsage(joinCpu.bench);
    console.log(`signaling: joins used ${joinSignalingCpuSeconds.toFixed(1)} CPU s in signaling, ${((benchCpu.user + benchCpu.system) / 1e6).toFixed(1)} CPU s in the clients`);
    if (opened.errors.length) console.log(`signaling: join errors, e.g. ${opened.errors.join('; ')}`);
    await sleep(1_000); // the last joins' presence broadcasts drain
    const rssAfter = await liveRssKiB();

    /** One launch: every socket's delay (ms, ascending) and how many sockets never got it. */
    const launch = async (label: string) => {
      const launchedAt = process.hrtime.bigint();
      const quiz = await ok<{ id: string }>(teacher, 'quiz:launch', QUIZ);
      const received = await students!.collect(quiz.id, 10_000);
      if (received.length === 0) throw new Error(`no student socket received the ${label} quiz`);
      const ms = received.map((t) => Number(t - launchedAt) / 1e6).sort((a, b) => a - b);
      console.log(`signaling: ${label}: p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms, max ${ms.at(-1)!.toFixed(1)} ms (${received.length} sockets)`);
      await ok(teacher, 'quiz:close', { quizId: quiz.id });
      await sleep(500); // quiz:closed reaches everyone before the next launch
      return { ms, missed: opened.joined - received.length };
    };
    // The first quiz of a fresh process runs cold code on both ends (JIT); a school's server has launched quizzes before.
    const warmup = await launch('warm-up launch (not counted)');
    const latencies: number[] = [];
    let missed = 0;
    for (let i = 0; i < launches; i++) {
      const one = await launch(`launch ${i + 1}`);
      latencies.push(...one.ms);
      missed += one.missed;
    }
    latencies.sort((a, b) => a - b);
    const result = {
      measuredAt: new Date().toISOString(),
      method:
        `${opened.joined} student sockets (socket.io-client, websocket) joined one live lesson on one signaling process (startStack, recorder off, product defaults), ` +
        `held by ${threads} worker threads of the bench process (with one, the clients' own event loop about doubled p50 at 1,000 sockets; four did no better than two on two cores); after one uncounted warm-up quiz the master launched ${launches} quizzes; latency = process.hrtime at each socket's quiz:launched − ` +
        `hrtime just before the master's quiz:launch emit. Memory = (signaling VmRSS with all joined − VmRSS before they connected) ÷ sockets, each read right after a full GC (through the inspector).`,
      sockets: opened.joined,
      launches,
      clientThreads: threads,
      quizP50Ms: round(percentile(latencies, 50)),
      quizP99Ms: round(percentile(latencies, 99)),
      quizMaxMs: round(latencies.at(-1)!),
      missedPushes: missed,
      warmupLaunchP99Ms: round(percentile(warmup.ms, 99)),
      joinSeconds: round(joinSeconds),
      joinSignalingCpuSeconds: round(joinSignalingCpuSeconds),
      memoryPerSocketKiB: round((rssAfter - rssBefore) / opened.joined),
    };
    console.log(`signaling: quiz to ${result.sockets} sockets p50 ${result.quizP50Ms} ms, p99 ${result.quizP99Ms} ms, max ${result.quizMaxMs} ms; ${result.memoryPerSocketKiB} KiB RSS per socket`);
    await saveSection('signaling', result);
  } finally {
    await students?.close();
    master.closeAll();
    await stack.stop();
  }
}
