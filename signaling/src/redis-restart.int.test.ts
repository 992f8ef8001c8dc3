import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Lesson } from '@dualclass/protocol';
import { startRedisServer, type RedisServer } from '../../infra/src/redis-server.ts';
import { startStack, type Stack } from '../../infra/src/stack.ts';
import { ok, request, TestParticipants } from './testing/participants.ts';

/*
 * The production process (signaling/src/main.ts via startStack) with REDIS_URL, while its Redis dies (SIGKILL) and
 * comes back. Redis runs as deployed (infra/deploy): with its append-only file, because chat history, quiz answers,
 * attendance and comments live there; what was written before the crash is there again after it.
 */
let redis: RedisServer;
let stack: Stack;
let people: TestParticipants;
let lesson: Lesson;

beforeAll(async () => {
  redis = await startRedisServer({ persist: true });
  stack = await startStack({ sfuWorkers: 1, recorder: false, env: { REDIS_URL: redis.url } });
  people = new TestParticipants(stack);
  lesson = await stack.admin.createLesson({ title: '电磁感应' });
  await stack.admin.startLesson(lesson.id);
});

afterAll(async () => {
  people?.closeAll();
  await stack?.stop();
  await redis?.stop();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quizReport = (id: string) => fetch(`${stack.url}/api/lessons/${id}/quizzes`, { headers: { authorization: `Bearer ${stack.adminApiKey}` } });

it('survives Redis going away, says so, answers UNAVAILABLE at once, and works again after Redis restarts', async () => {
  const master = await people.join(lesson.id, 'master_teacher');
  const student = await people.join(lesson.id, 'student');
  await ok(master.socket, 'chat:send', { text: '断电前的板书' });
  const quiz = await ok<{ id: string }>(master.socket, 'quiz:launch', {
    question: '水的沸点是多少摄氏度？',
    kind: 'single',
    options: [
      { id: 'A', text: '100' },
      { id: 'B', text: '90' },
    ],
    correct: ['A'],
    knowledgePoint: '物态变化',
    timeLimitSeconds: 300,
  });
  await ok(student.socket, 'quiz:answer', { quizId: quiz.id, choice: ['A'] });
  expect((await quizReport(lesson.id)).status).toBe(200);
  await pause(1_500); // appendfsync everysec: a crash loses at most the last second
  expect((await fetch(`${stack.url}/readyz`)).status).toBe(200);

  const lost = stack.signaling.waitForLog((line) => (line.msg === 'redis connection lost; reconnecting' ? line : undefined), 5_000);
  await redis.down();
  expect(await lost).toMatchObject({ level: 40 });

  // Over the socket and over REST: typed, and well within the couple of seconds a user would wait.
  let started = Date.now();
  expect(await request(master.socket, 'chat:send', { text: '有人吗？' })).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
  expect(Date.now() - started).toBeLessThan(2_000);
  started = Date.now();
  const refused = await quizReport(lesson.id);
  expect(refused.status).toBe(503);
  expect(await refused.json()).toMatchObject({ error: { code: 'UNAVAILABLE' } });
  expect(Date.now() - started).toBeLessThan(2_000);
  // Several reconnect rounds later the process is still there.
  await pause(3_000);
  expect(stack.signaling.child.exitCode).toBeNull();
  // (after the pause: /readyz caches its report for a second)
  expect(await (await fetch(`${stack.url}/readyz?verbose=1`)).json()).toMatchObject({ status: 'unavailable', failing: ['redis'] });

  const restored = stack.signaling.waitForLog((line) => (line.msg === 'redis connection restored' && line.connection === 'command' ? line : undefined), 10_000);
  await redis.up();
  await restored;
  expect(await ok(master.socket, 'chat:send', { text: '恢复了' })).toMatchObject({ text: '恢复了' });
  // Nothing written before the crash is lost: the chat history a newcomer gets, and the quiz answer.
  const late = await people.join(lesson.id, 'observer');
  expect((late.snapshot.chat as { recent: { text: string }[] }).recent.map((m) => m.text)).toEqual(['断电前的板书', '恢复了']);
  const report = await quizReport(lesson.id);
  expect(report.status).toBe(200);
  const [entry] = (await report.json()) as { quiz: { id: string }; results: { perOption: Record<string, number> } }[];
  expect(entry?.quiz.id).toBe(quiz.id);
  expect(entry?.results.perOption).toMatchObject({ A: 1 });
  await pause(1_000);
  expect((await fetch(`${stack.url}/readyz`)).status).toBe(200);
});
