import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, can, clientRequests, type ClientRequestName, type Lesson, type Permission, type Role } from '@dualclass/protocol';
import { startStack, type Stack } from '../../../infra/src/stack.ts';
import { ok, request, TestParticipants, type ClientSocket } from '../testing/participants.ts';
import { videoParams } from '../testing/media-params.ts';

// Bad input, part 2: role escalation on every privileged request, and ids of objects that belong to someone else.
// Both tables come from the contract, so a request added to clientRequests is covered (or fails the coverage check).

let stack: Stack;
let people: TestParticipants;
let lesson: Lesson;
let otherLesson: Lesson;
let classroomId: string;

const NAMES = Object.keys(clientRequests) as ClientRequestName[];
const permissionsOf = (name: ClientRequestName): readonly Permission[] => {
  const p = clientRequests[name].permission;
  return typeof p === 'string' ? [p] : p;
};
const mayRequest = (role: Role, name: ClientRequestName) => permissionsOf(name).some((p) => can(role, p));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const dtlsParameters = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB' }] };

const join = (l: Lesson, role: Role) => people.join(l.id, role, role === 'local_teacher' || role === 'classroom_device' ? { classroomId } : {});

beforeAll(async () => {
  stack = await startStack({ sfuWorkers: 1, recorder: false });
  people = new TestParticipants(stack);
  const classroom = await stack.admin.createClassroom({ name: '八年级（1）班' });
  classroomId = classroom.id;
  lesson = await stack.admin.createLesson({ title: '浮力' });
  otherLesson = await stack.admin.createLesson({ title: '压强' });
  await stack.admin.pairClassroom(lesson.id, classroomId);
});

afterAll(async () => {
  people?.closeAll();
  await stack?.stop();
});

describe('role escalation', () => {
  it('answers every request a role lacks the permission for with FORBIDDEN, whatever the payload', async () => {
    const refusals: string[] = [];
    for (const role of ROLES) {
      const { socket } = await join(lesson, role);
      const forbidden = NAMES.filter((name) => !mayRequest(role, name));
      for (const [i, name] of forbidden.entries()) {
        // Stay under the per-user request budget (50/s): this test is about permissions, not rate limits.
        if (i > 0 && i % 40 === 0) await pause(1_000);
        for (const payload of [{}, { participantId: 'par_x', quizId: 'quz_x', producerId: 'pro_x' }]) {
          const ack = await request(socket, name, payload);
          expect(ack, `${role} → ${name}`).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
        }
        refusals.push(`${role}:${name}`);
      }
    }
    // Every request that some role may not send was tried by such a role.
    const privileged = NAMES.filter((name) => ROLES.some((role) => !mayRequest(role, name)));
    expect(privileged.length).toBeGreaterThan(20);
    for (const name of privileged) expect(refusals.some((r) => r.endsWith(`:${name}`)), name).toBe(true);
  });

  it('refuses acting on others with a permission meant for oneself', async () => {
    const master = await join(lesson, 'master_teacher');
    await ok(master.socket, 'lesson:start');
    const a = await join(lesson, 'student');
    const b = await join(lesson, 'student');
    await ok(b.socket, 'hand:raise');
    // hand:lower needs only lesson:view for one's own hand; lowering someone else's needs stage:manage.
    expect(await request(a.socket, 'hand:lower', { participantId: b.self.id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // A student is not on stage, so media:publishStage does not let it publish.
    const transport = await ok<{ id: string }>(a.socket, 'media:createTransport', { direction: 'send' });
    expect(await request(a.socket, 'media:produce', { transportId: transport.id, kind: 'video', source: 'camera', label: '偷拍', rtpParameters: videoParams(4100) }))
      .toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});

describe("ids of other participants' and other lessons' objects", () => {
  it('answers NOT_FOUND for every request that names an id the sender does not own, and leaves the owners unharmed', async () => {
    // Lesson 1: master M1 publishes; student A receives it; M2 (another studio participant) and student B try A's and M1's ids.
    const m1 = await join(lesson, 'master_teacher');
    await request(m1.socket, 'lesson:start');
    const m2 = await join(lesson, 'master_teacher');
    const a = await join(lesson, 'student');
    const b = await join(lesson, 'student');
    const sendM1 = await ok<{ id: string }>(m1.socket, 'media:createTransport', { direction: 'send' });
    const { producerId: pM1 } = await ok<{ producerId: string }>(m1.socket, 'media:produce', {
      transportId: sendM1.id, kind: 'video', source: 'camera', label: '主讲', rtpParameters: videoParams(5100),
    });
    const { rtpCapabilities } = await ok<{ rtpCapabilities: unknown }>(a.socket, 'media:getRouterRtpCapabilities');
    const recvA = await ok<{ id: string }>(a.socket, 'media:createTransport', { direction: 'recv' });
    const recvB = await ok<{ id: string }>(b.socket, 'media:createTransport', { direction: 'recv' });
    const { consumerId: cA } = await ok<{ consumerId: string }>(a.socket, 'media:consume', { transportId: recvA.id, producerId: pM1, rtpCapabilities });

    // Lesson 2: its master X publishes, launches a quiz and chats; lesson 1 names those ids.
    const x = await join(otherLesson, 'master_teacher');
    await ok(x.socket, 'lesson:start');
    const sendX = await ok<{ id: string }>(x.socket, 'media:createTransport', { direction: 'send' });
    const { producerId: pX } = await ok<{ producerId: string }>(x.socket, 'media:produce', {
      transportId: sendX.id, kind: 'video', source: 'camera', label: '别的课', rtpParameters: videoParams(6100),
    });
    const quiz = await ok<{ id: string }>(x.socket, 'quiz:launch', {
      question: '压强的单位是？', kind: 'single', options: [{ id: 'A', text: '帕斯卡' }, { id: 'B', text: '牛顿' }],
      correct: ['A'], knowledgePoint: '压强', timeLimitSeconds: 60,
    });
    const chat = await ok<{ id: string }>(x.socket, 'chat:send', { text: '大家好' });

    const attempts: { name: ClientRequestName; by: ClientSocket; payload: Record<string, unknown> }[] = [
      { name: 'media:connectTransport', by: b.socket, payload: { transportId: recvA.id, dtlsParameters } },
      { name: 'media:restartIce', by: b.socket, payload: { transportId: recvA.id } },
      { name: 'media:produce', by: m2.socket, payload: { transportId: sendM1.id, kind: 'video', source: 'camera', label: '劫持', rtpParameters: videoParams(5200) } },
      { name: 'media:produce', by: m1.socket, payload: { transportId: sendX.id, kind: 'video', source: 'camera', label: '跨课', rtpParameters: videoParams(5300) } },
      { name: 'media:closeProducer', by: m2.socket, payload: { producerId: pM1 } },
      { name: 'media:closeProducer', by: m1.socket, payload: { producerId: pX } },
      { name: 'media:setPaused', by: m2.socket, payload: { producerId: pM1, paused: true } },
      { name: 'media:consume', by: b.socket, payload: { transportId: recvA.id, producerId: pM1, rtpCapabilities } },
      { name: 'media:consume', by: b.socket, payload: { transportId: recvB.id, producerId: pX, rtpCapabilities } },
      { name: 'media:resumeConsumer', by: b.socket, payload: { consumerId: cA } },
      { name: 'media:setConsumerPaused', by: b.socket, payload: { consumerId: cA, paused: true } },
      { name: 'media:setPreferredLayers', by: b.socket, payload: { consumerId: cA, spatialLayer: 0 } },
      { name: 'hand:lower', by: m1.socket, payload: { participantId: x.self.id } },
      { name: 'stage:invite', by: m1.socket, payload: { participantId: x.self.id } },
      { name: 'stage:remove', by: m1.socket, payload: { participantId: x.self.id } },
      { name: 'participant:mute', by: m1.socket, payload: { participantId: x.self.id, kind: 'video', muted: true } },
      { name: 'quiz:answer', by: a.socket, payload: { quizId: quiz.id, choice: ['A'] } },
      { name: 'quiz:close', by: m1.socket, payload: { quizId: quiz.id } },
      { name: 'quiz:reveal', by: m1.socket, payload: { quizId: quiz.id } },
      { name: 'quiz:results', by: m1.socket, payload: { quizId: quiz.id } },
      { name: 'chat:delete', by: m1.socket, payload: { messageId: chat.id } },
      { name: 'angle:direct', by: m1.socket, payload: { producerId: pX } },
    ];
    for (const { name, by, payload } of attempts) {
      expect(await request(by, name, payload), `${name} ${JSON.stringify(payload).slice(0, 80)}`).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }

    // Coverage: every request whose payload names an object id is in the table above.
    const idBearing = NAMES.filter((name) => {
      const schema = clientRequests[name].request as { shape?: Record<string, unknown> };
      return Object.keys(schema.shape ?? {}).some((key) => /Id$/.test(key));
    });
    expect(idBearing.filter((name) => !attempts.some((t) => t.name === name))).toEqual([]);

    // The owners' objects are untouched by all of that.
    expect(await request(a.socket, 'media:resumeConsumer', { consumerId: cA })).toMatchObject({ ok: true });
    expect(await request(m1.socket, 'media:setPaused', { producerId: pM1, paused: false })).toMatchObject({ ok: true, data: { producerId: pM1 } });
    expect(await request(x.socket, 'quiz:results', { quizId: quiz.id })).toMatchObject({ ok: true });
    expect(await request(x.socket, 'chat:delete', { messageId: chat.id })).toMatchObject({ ok: true });
  });
});
