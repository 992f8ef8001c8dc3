import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isClassroomError, LessonSchema, TimelineEventSchema } from '@dualclass/protocol';
import { AdminClient } from '../../../infra/src/admin-client.ts';
import { startPostgresServer, type PostgresServer } from '../../../infra/src/postgres-server.ts';
import { loadSignalingConfig } from '../config.ts';
import { startSignaling, type SignalingServer } from '../server.ts';
import { startSfuProcess } from '../testing/library-harness.ts';
import { ok, type ClientSocket } from '../testing/participants.ts';

/*
 * Two signaling servers on one DATABASE_URL (each with its own connection pool, as two processes have, and no
 * Redis): a lesson made through one node's management API is the same lesson on the other, and outlives a node.
 */

let postgres: PostgresServer;
let sfu: Awaited<ReturnType<typeof startSfuProcess>>;
let storageDir: string;
const running: SignalingServer[] = [];
const sockets: ClientSocket[] = [];
const adminApiKey = randomBytes(24).toString('base64url');

async function startNode(): Promise<{ server: SignalingServer; admin: AdminClient }> {
  const config = loadSignalingConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    SFU_URL: sfu.url,
    SFU_RPC_SECRET: sfu.secret,
    // Every node of a deployment shares the secrets.
    JWT_SECRET: 'shared-jwt-secret-of-this-deployment-0123456789',
    ADMIN_API_KEY: adminApiKey,
    STORAGE_DIR: storageDir,
    DATABASE_URL: postgres.url,
    LOG_LEVEL: 'silent',
  });
  const server = await startSignaling(config, { log: pino({ level: 'silent' }) });
  running.push(server);
  return { server, admin: new AdminClient(server.url, adminApiKey) };
}

beforeAll(async () => {
  [postgres, sfu, storageDir] = await Promise.all([startPostgresServer(), startSfuProcess(), mkdtemp(path.join(tmpdir(), 'dualclass-shared-'))]);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await Promise.all(running.map((s) => s.close()));
  await Promise.all([postgres?.stop(), sfu?.process.stop()]);
  if (storageDir) await rm(storageDir, { recursive: true, force: true });
});

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (err) {
    return isClassroomError(err) ? err.code : String(err);
  }
}

describe('two signaling nodes on one Postgres', () => {
  it('share lessons, classrooms, pairings, status and the timeline, and keep them when a node goes away', async () => {
    const [a, b] = [await startNode(), await startNode()];

    const lesson = await a.admin.createLesson({ title: '电磁感应', knowledgePoints: ['楞次定律'], scheduledAt: '2026-03-02T01:30:00.000Z' });
    const room = await a.admin.createClassroom({ name: '七年级二班' });
    const paired = await a.admin.pairClassroom(lesson.id, room.id);
    expect(paired.classroomIds).toEqual([room.id]);
    expect(await b.admin.getLesson(lesson.id)).toEqual(paired);

    // Node B issues a room token for the classroom paired on node A, and starts the lesson.
    const issued = await b.admin.issueToken(lesson.id, { role: 'classroom_device', displayName: '二班大屏', classroomId: room.id });
    const live = await b.admin.startLesson(lesson.id);
    expect(live.status).toBe('live');
    expect(await errorCode(a.admin.startLesson(lesson.id))).toBe('INVALID_STATE');
    expect(await a.admin.getLesson(lesson.id)).toEqual(live);

    // The room device joins on node A with node B's token: node A admits it against the shared pairing.
    const socket: ClientSocket = connect(a.server.url, { transports: ['websocket'], auth: { token: issued.token }, reconnection: false, forceNew: true });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const joined = await ok<{ lesson: { id: string; status: string }; self: { classroomId: string | null } }>(socket, 'lesson:join');
    expect(joined.lesson).toMatchObject({ id: lesson.id, status: 'live' });
    expect(joined.self.classroomId).toBe(room.id);

    // The start node B recorded is on node A's timeline.
    const res = await fetch(`${a.server.url}/api/lessons/${lesson.id}/timeline`, { headers: { authorization: `Bearer ${adminApiKey}` } });
    const events = TimelineEventSchema.array().parse(await res.json());
    expect(events.map((e) => e.type)).toEqual(['lesson_start']);

    // A node that starts after node A is gone still knows the lesson.
    socket.disconnect();
    await a.server.close();
    running.splice(running.indexOf(a.server), 1);
    const c = await startNode();
    expect(await c.admin.getLesson(lesson.id)).toEqual(live);
    const listed = await fetch(`${c.server.url}/api/lessons`, { headers: { authorization: `Bearer ${adminApiKey}` } });
    expect(LessonSchema.array().parse(await listed.json())).toEqual([live]);
  });
});
