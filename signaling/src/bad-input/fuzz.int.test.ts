import fc from 'fast-check';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, MAX_EVENT_PAYLOAD_BYTES, MAX_SOCKET_MESSAGE_BYTES, ROLES, ackSchema, clientRequests, type Lesson, type Role } from '@dualclass/protocol';
import { startStack, type Stack } from '../../../infra/src/stack.ts';
import { ok, request, TestParticipants, type ClientSocket } from '../testing/participants.ts';

// Bad input, part 3: fuzzed socket messages from every role. Whatever arrives, the processes stay up, every message
// that carries an ack callback gets exactly one answer (data, or an error with a code from ERROR_CODES), and a
// message without a callback is ignored by design (nobody to answer).

const MESSAGES = Number(process.env.FUZZ_MESSAGES ?? 10_000);
const SOCKETS_PER_ROLE = 4;
/** Messages a socket sends per second: under the per-user request budget (50/s), so most reach the handlers. */
const BURST = 40;
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_302);
/** socket.io-client refuses to emit these names; raw packets below send them anyway. */
const CLIENT_RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);
/** Ending the lesson would leave every later message answering INVALID_STATE; it stays live so handlers run. */
const NAMES = Object.keys(clientRequests).filter((name) => name !== 'lesson:end');
const ID_KEYS = ['transportId', 'producerId', 'consumerId', 'participantId', 'quizId', 'messageId', 'direction', 'kind', 'source', 'paused', 'text', 'resume'];

let stack: Stack;
let people: TestParticipants;
let lesson: Lesson;
let classroomId: string;

interface Message {
  name: string;
  payloads: unknown[];
  withAck: boolean;
}

const nest = (depth: number): unknown => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { deeper: value };
  return value;
};

const nameArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...NAMES), fc.string({ minLength: 1, maxLength: 3 })).map(([n, s]) => n + s) },
  {
    weight: 1,
    // Prototype keys, server push names, near misses.
    arbitrary: fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'error', 'session:closed', 'lesson:state', 'LESSON:JOIN', 'lesson:join ', 'media:consume\u0000', ''),
  },
).filter((name) => !CLIENT_RESERVED.has(name));

const payloadArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 3, arbitrary: fc.dictionary(fc.constantFrom(...ID_KEYS), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 2_000 }).map(nest) },
  // Around the per-event limit (16 KB) and up to just under the frame limit (64 KB).
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: MAX_EVENT_PAYLOAD_BYTES - 200, max: 60_000 }), fc.boolean())
      .map(([n, wrapped]) => (wrapped ? { text: 'x'.repeat(n) } : 'y'.repeat(n))),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8_192 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, 0, -1, Number.MAX_SAFE_INTEGER, '', true, [], {}) },
);

/** Values that fit many request fields, so shaped payloads get past the schemas into the handlers. */
const fieldValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.stringMatching(/^[a-z]{3}_[A-Za-z0-9]{4,12}$/),
  fc.constantFrom('send', 'recv', 'audio', 'video', 'camera', 'screen', 'microphone', 'single', 'chat', 'like', 'A', 'B'),
  fc.boolean(),
  fc.integer({ min: -2, max: 700 }),
  fc.string({ maxLength: 30 }),
  fc.constant(null),
  fc.array(fc.constantFrom('A', 'B', 'C'), { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A real request name with an object of that request's own keys, filled with plausible or wrong values. */
const shapedArb: fc.Arbitrary<Message> = fc.constantFrom(...NAMES).chain((name) => {
  const keys = Object.keys((clientRequests[name as keyof typeof clientRequests].request as { shape?: object }).shape ?? {});
  const payload = keys.length ? fc.dictionary(fc.constantFrom(...keys), fieldValueArb, { maxKeys: keys.length }) : fc.constant({});
  return fc.record({ name: fc.constant(name), payloads: payload.map((p) => [p]), withAck: fc.constant(true) });
});

const randomArb: fc.Arbitrary<Message> = fc.record({
  name: nameArb,
  payloads: fc.oneof(
    { weight: 8, arbitrary: payloadArb.map((p) => [p]) },
    { weight: 1, arbitrary: fc.constant<unknown[]>([]) },
    { weight: 1, arbitrary: fc.array(payloadArb, { minLength: 2, maxLength: 3 }) },
  ),
  withAck: fc.integer({ min: 0, max: 99 }).map((n) => n < 85),
});

const messageArb: fc.Arbitrary<Message> = fc
  .oneof({ weight: 3, arbitrary: randomArb }, { weight: 1, arbitrary: shapedArb })
  // A frame past the engine's limit closes the connection instead of being answered; that has its own test below.
  .filter((m) => Buffer.byteLength(JSON.stringify([m.name, ...m.payloads]) ?? '') < MAX_SOCKET_MESSAGE_BYTES - 1_024);

interface Tally {
  sent: number;
  withAck: number;
  withoutAck: number;
  acks: number;
  /** 'ok' or the error code. */
  answers: Record<string, number>;
  malformed: unknown[];
  unanswered: Message[];
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const AckSchema = ackSchema(z.unknown());

/** socket.io-client's typed emit cannot take arbitrary names or argument lists; the fuzzer needs exactly that. */
type RawEmitter = { emit(...args: unknown[]): unknown };
const raw = (socket: ClientSocket) => socket as unknown as RawEmitter & { timeout(ms: number): RawEmitter };

function send(socket: ClientSocket, message: Message, tally: Tally): Promise<void> {
  tally.sent += 1;
  if (!message.withAck) {
    tally.withoutAck += 1;
    raw(socket).emit(message.name, ...message.payloads);
    return Promise.resolve();
  }
  tally.withAck += 1;
  return new Promise((resolve) => {
    raw(socket).timeout(10_000).emit(message.name, ...message.payloads, (err: Error | null, res: unknown) => {
      if (err) tally.unanswered.push(message);
      else {
        tally.acks += 1;
        const parsed = AckSchema.safeParse(res);
        if (!parsed.success) tally.malformed.push(res);
        else {
          const key = parsed.data.ok ? 'ok' : parsed.data.error.code;
          tally.answers[key] = (tally.answers[key] ?? 0) + 1;
        }
      }
      resolve();
    });
  });
}

async function fire(socket: ClientSocket, messages: Message[], tally: Tally): Promise<void> {
  for (let i = 0; i < messages.length; i += BURST) {
    const started = Date.now();
    await Promise.all(messages.slice(i, i + BURST).map((m) => send(socket, m, tally)));
    await pause(Math.max(0, 1_050 - (Date.now() - started)));
  }
}

const join = (role: Role) => people.join(lesson.id, role, role === 'local_teacher' || role === 'classroom_device' ? { classroomId } : {});

const alive = (s: Stack) => [s.signaling, s.sfu].every((p) => p.child.exitCode === null && p.child.signalCode === null);

async function stillServing(): Promise<void> {
  expect(alive(stack)).toBe(true);
  const fresh = await join('student');
  expect(await request(fresh.socket, 'media:getRouterRtpCapabilities')).toMatchObject({ ok: true, data: { rtpCapabilities: expect.any(Object) } });
}

beforeAll(async () => {
  stack = await startStack({ sfuWorkers: 1, recorder: false });
  people = new TestParticipants(stack);
  const classroom = await stack.admin.createClassroom({ name: '七年级（3）班' });
  classroomId = classroom.id;
  lesson = await stack.admin.createLesson({ title: '模糊测试' });
  await stack.admin.pairClassroom(lesson.id, classroomId);
  await ok((await join('master_teacher')).socket, 'lesson:start');
});

afterAll(async () => {
  people?.closeAll();
  await stack?.stop();
});

describe('fuzzed socket messages', () => {
  it(`answers ${MESSAGES} random messages from every role with typed acks and keeps both processes up`, async () => {
    const sockets: ClientSocket[] = [];
    for (const role of ROLES) for (let i = 0; i < SOCKETS_PER_ROLE; i++) sockets.push((await join(role)).socket);
    const dropped: string[] = [];
    for (const socket of sockets) socket.on('disconnect', (reason) => dropped.push(reason));

    const messages = fc.sample(messageArb, { numRuns: MESSAGES, seed: SEED });
    const tally: Tally = { sent: 0, withAck: 0, withoutAck: 0, acks: 0, answers: {}, malformed: [], unanswered: [] };
    await Promise.all(sockets.map((socket, s) => fire(socket, messages.filter((_, i) => i % sockets.length === s), tally)));

    console.info(`fuzz seed ${SEED}:`, JSON.stringify({ ...tally, malformed: tally.malformed.length, unanswered: tally.unanswered.length }));
    expect(tally.sent).toBe(MESSAGES);
    // Every message with a callback was answered once, well-formed; the others were ignored by design.
    expect(tally.unanswered.slice(0, 3)).toEqual([]);
    expect(tally.malformed.slice(0, 3)).toEqual([]);
    expect(tally.acks).toBe(tally.withAck);
    expect(tally.withAck + tally.withoutAck).toBe(MESSAGES);
    for (const code of Object.keys(tally.answers)) expect(['ok', ...ERROR_CODES]).toContain(code);
    // Nothing a client sends makes a handler throw something untyped.
    expect(tally.answers.INTERNAL ?? 0).toBe(0);
    // The fuzz reached the handlers, not only the gates.
    expect(tally.answers.BAD_REQUEST).toBeGreaterThan(MESSAGES / 10);
    expect(tally.answers.NOT_FOUND).toBeGreaterThan(0);
    expect(tally.answers.ok).toBeGreaterThan(0);
    expect(dropped).toEqual([]);
    await stillServing();
  });

  it('answers prototype-named events and extra arguments with BAD_REQUEST', async () => {
    const { socket } = await join('student');
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(await request(socket, name, {})).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: 'unknown event' } });
    }
    const twoPayloads = await new Promise((resolve) => raw(socket).emit('hand:raise', {}, {}, resolve));
    expect(twoPayloads).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: 'a request carries one payload' } });
    const noPayload = await new Promise((resolve) => raw(socket).emit('session:refresh', resolve));
    expect(noPayload).toMatchObject({ ok: true });
  });

  it('closes only the sender on frames past the limit and on packets the parser refuses', async () => {
    const bystander = (await join('student')).socket;
    const attacks: ((socket: ClientSocket) => void)[] = [
      (s) => raw(s).emit('lesson:join', 'z'.repeat(70_000)),
      (s) => raw(s).emit('chat:send', { text: 'z'.repeat(1_000_000) }, () => undefined),
      (s) => raw(s).emit('media:produce', Buffer.alloc(200_000, 7)),
      // Raw socket.io packets under the engine: reserved names, bad JSON, unknown packet types, a missing attachment.
      (s) => s.io.engine.write('42["disconnect","client namespace disconnect"]'),
      (s) => s.io.engine.write('42["connect",{}]'),
      (s) => s.io.engine.write('42["lesson:join",{'),
      (s) => s.io.engine.write('9{}'),
      (s) => s.io.engine.write('451-["quiz:answer",{"_placeholder":true,"num":0}]'),
      (s) => s.io.engine.write('42[{"not":"a name"}]'),
    ];
    for (const attack of attacks) {
      const { socket } = await join('student');
      const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      attack(socket);
      expect(await Promise.race([closed, pause(5_000).then(() => 'still open')])).not.toBe('still open');
    }
    expect(bystander.connected).toBe(true);
    expect(await request(bystander, 'session:refresh')).toMatchObject({ ok: true });
    await stillServing();
  });
});
