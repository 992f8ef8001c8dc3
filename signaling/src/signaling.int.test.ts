import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JOIN_TOKEN_AUDIENCE,
  JOIN_TOKEN_ISSUER,
  type Lesson,
} from '@dualclass/protocol';
import { startStack, type Stack } from '../../infra/src/stack.ts';
import { JoinTokens } from './auth/join-tokens.ts';
import { request, TestParticipants } from './testing/participants.ts';

const JWT_SECRET = randomBytes(32).toString('base64url');
let stack: Stack;
let people: TestParticipants;
let lesson: Lesson;
let otherLesson: Lesson;
let classroomId: string;

const connected = (token: string, extra: Record<string, string> = {}) => people.connected(token, extra);
const refused = (token: string, extra: Record<string, string> = {}) => people.refused(token, extra);

const tokenFor = (role: 'master_teacher' | 'student' | 'classroom_device' | 'observer', forLesson = lesson) =>
  people.token(forLesson.id, role, role === 'classroom_device' ? { classroomId } : {});

beforeAll(async () => {
  stack = await startStack({ sfuWorkers: 1, env: { JWT_SECRET } });
  people = new TestParticipants(stack);
  lesson = await stack.admin.createLesson({ title: '电磁感应', knowledgePoints: ['法拉第定律'] });
  otherLesson = await stack.admin.createLesson({ title: '光的折射' });
  const classroom = await stack.admin.createClassroom({ name: '九年级（2）班' });
  classroomId = classroom.id;
  await stack.admin.pairClassroom(lesson.id, classroomId);
});

afterAll(async () => {
  people?.closeAll();
  await stack?.stop();
});

describe('handshake', () => {
  it('rejects a token signed with another key', async () => {
    const forged = await new JoinTokens(randomBytes(32).toString('base64url')).sign({
      sub: 'par_x', lessonId: lesson.id, role: 'master_teacher', name: '冒充者', classroomId: null,
    });
    const err = await refused(forged.token);
    expect(err.message).toBe('UNAUTHENTICATED');
    expect(err.data).toMatchObject({ code: 'UNAUTHENTICATED', message: 'invalid join token' });
  });

  it('rejects an expired token', async () => {
    const expired = await new JoinTokens(JWT_SECRET).sign(
      { sub: 'par_old', lessonId: lesson.id, role: 'student', name: '小明', classroomId: null },
      -60,
    );
    const err = await refused(expired.token);
    expect(err.data).toMatchObject({ code: 'UNAUTHENTICATED', message: 'join token expired' });
  });

  it('rejects a token with the wrong audience or an unpinned algorithm', async () => {
    const key = new TextEncoder().encode(JWT_SECRET);
    const claims = { lessonId: lesson.id, role: 'student', name: '小明', classroomId: null };
    const wrongAud = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' }).setSubject('par_a').setIssuer(JOIN_TOKEN_ISSUER)
      .setAudience('someone-else').setExpirationTime('1h').sign(key);
    expect((await refused(wrongAud)).message).toBe('UNAUTHENTICATED');
    const hs512 = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS512' }).setSubject('par_b').setIssuer(JOIN_TOKEN_ISSUER)
      .setAudience(JOIN_TOKEN_AUDIENCE).setExpirationTime('1h').sign(key);
    expect((await refused(hs512)).message).toBe('UNAUTHENTICATED');
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ ...claims, sub: 'par_c', aud: JOIN_TOKEN_AUDIENCE, iss: JOIN_TOKEN_ISSUER, exp: 9999999999 })).toString('base64url');
    expect((await refused(`${header}.${body}.`)).message).toBe('UNAUTHENTICATED');
  });

  it('rejects a token for another lesson and one for a lesson that does not exist', async () => {
    const forOther = await tokenFor('student', otherLesson);
    const err = await refused(forOther, { lessonId: lesson.id });
    expect(err.data).toMatchObject({ code: 'UNAUTHENTICATED', message: 'token is for another lesson' });
    const ghost = await new JoinTokens(JWT_SECRET).sign({ sub: 'par_g', lessonId: 'les_missing', role: 'student', name: '幽灵', classroomId: null });
    expect((await refused(ghost.token)).data).toMatchObject({ code: 'UNAUTHENTICATED', message: 'token names an unknown lesson' });
  });

  it('rejects a missing token', async () => {
    expect((await refused('')).message).toBe('UNAUTHENTICATED');
  });
});

describe('lesson lifecycle and permissions', () => {
  it('lets students and classrooms wait, forbids them to start, end or publish, and lets the master go live', async () => {
    const student = await connected(await tokenFor('student'));
    const device = await connected(await tokenFor('classroom_device'));
    const master = await connected(await tokenFor('master_teacher'));

    const studentJoin = await request(student, 'lesson:join', {});
    expect(studentJoin).toMatchObject({ ok: true, data: { lesson: { status: 'scheduled' }, self: { role: 'student' } } });
    expect(await request(device, 'lesson:join', {})).toMatchObject({ ok: true, data: { self: { role: 'classroom_device', classroomId } } });
    expect(await request(master, 'lesson:join', {})).toMatchObject({ ok: true });

    for (const socket of [student, device]) {
      for (const name of ['lesson:start', 'lesson:end']) {
        expect(await request(socket, name, {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      }
    }
    // A student publishes only while on stage (a classroom's room camera is covered by the stage tests).
    const produce = await request(student, 'media:produce', {
      transportId: 'tr_1', kind: 'video', source: 'camera', label: 'x',
      rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }] },
    });
    expect(produce).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // Media before the lesson is live is refused with a state error, not silently ignored.
    expect(await request(student, 'media:createTransport', { direction: 'recv' })).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });

    const wentLive = new Promise<Lesson>((resolve) => student.once('lesson:state', resolve));
    expect(await request(master, 'lesson:start', {})).toMatchObject({ ok: true, data: { status: 'live' } });
    expect((await wentLive).status).toBe('live');
    expect(await request(master, 'lesson:start', {})).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });

    const caps = await request(student, 'media:getRouterRtpCapabilities', {});
    expect(caps).toMatchObject({ ok: true });
    const transport = await request(student, 'media:createTransport', { direction: 'recv' });
    expect(transport).toMatchObject({ ok: true, data: { iceCandidates: expect.any(Array) } });

    // The student's transport id means nothing to another participant.
    const transportId = (transport as { data: { id: string } }).data.id;
    const hijack = await request(device, 'media:connectTransport', {
      transportId, dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB' }] },
    });
    expect(hijack).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('hides observers from students but not from the master', async () => {
    const studentToken = await tokenFor('student');
    const student = await connected(studentToken);
    const master = await connected(await tokenFor('master_teacher'));
    await request(student, 'lesson:join', {});
    await request(master, 'lesson:join', {});
    const seenByStudent: string[] = [];
    student.on('participant:joined', (p) => seenByStudent.push(p.role));
    const masterSaw = new Promise<string>((resolve) => master.on('participant:joined', (p) => p.role === 'observer' && resolve(p.role)));
    const observer = await connected(await tokenFor('observer'));
    const joined = await request(observer, 'lesson:join', {});
    expect(joined).toMatchObject({ ok: true });
    expect(await masterSaw).toBe('observer');
    // A later join by another student arrives after the observer's would have; the student saw only that one.
    const other = await connected(await tokenFor('student'));
    const studentSawOther = new Promise<void>((resolve) => student.on('participant:joined', (p) => p.role === 'student' && resolve()));
    await request(other, 'lesson:join', {});
    await studentSawOther;
    expect(seenByStudent).toEqual(['student']);
    const snapshot = await request(await connected(studentToken), 'lesson:join', {});
    expect((snapshot as { data: { participants: { role: string }[] } }).data.participants.map((p) => p.role)).not.toContain('observer');
  });
});

describe('bad input', () => {
  it('answers malformed, unknown and oversized events with BAD_REQUEST and keeps serving everyone', async () => {
    const attacker = await connected(await tokenFor('student'));
    const bystander = await connected(await tokenFor('student'));
    expect(await request(attacker, 'lesson:join', 'not an object')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await request(attacker, 'lesson:join', {})).toMatchObject({ ok: true });
    expect(await request(attacker, 'media:createTransport', { direction: 'sideways' })).toMatchObject({
      ok: false, error: { code: 'BAD_REQUEST', issues: [{ path: 'direction' }] },
    });
    expect(await request(attacker, 'media:createTransport', { direction: 'recv', extra: 1 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await request(attacker, 'lesson:explode', {})).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: 'unknown event' } });
    expect(await request(attacker, 'media:resumeConsumer', { consumerId: 'x'.repeat(20_000) })).toMatchObject({
      ok: false, error: { code: 'BAD_REQUEST', message: 'payload too large' },
    });
    expect(await request(attacker, 'media:resumeConsumer', { consumerId: '../../etc/passwd' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });

    // A frame past the engine limit closes only the sender's connection.
    const dropped = new Promise<string>((resolve) => attacker.once('disconnect', resolve));
    (attacker as unknown as { emit(n: string, p: unknown): void }).emit('lesson:join', { blob: 'x'.repeat(200_000) });
    expect(await dropped).toBe('transport close');

    expect(await request(bystander, 'lesson:join', {})).toMatchObject({ ok: true, data: { lesson: { id: lesson.id } } });
  });

  it('refuses the management API without the admin key and explains bad bodies', async () => {
    const noKey = await fetch(`${stack.url}/api/lessons`, { method: 'POST' });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    const headers = { authorization: `Bearer ${stack.adminApiKey}`, 'content-type': 'application/json' };
    const bad = await fetch(`${stack.url}/api/lessons`, { method: 'POST', headers, body: JSON.stringify({ title: '' }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'BAD_REQUEST', issues: expect.any(Array) } });
    const notJson = await fetch(`${stack.url}/api/lessons`, { method: 'POST', headers, body: '{"title":' });
    expect(notJson.status).toBe(400);
    const huge = await fetch(`${stack.url}/api/lessons`, { method: 'POST', headers, body: JSON.stringify({ title: 'x'.repeat(100_000) }) });
    expect(huge.status).toBe(413);
    const traversal = await fetch(`${stack.url}/api/lessons/..%2F..%2Fetc`, { headers });
    expect(traversal.status).toBe(404);
    const deviceWithoutRoom = await fetch(`${stack.url}/api/lessons/${lesson.id}/tokens`, {
      method: 'POST', headers, body: JSON.stringify({ role: 'classroom_device', displayName: '设备' }),
    });
    expect(deviceWithoutRoom.status).toBe(400);
  });
});
