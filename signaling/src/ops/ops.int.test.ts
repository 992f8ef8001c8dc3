import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lesson } from '@dualclass/protocol';
import { freePort } from '../../../infra/src/free-port.ts';
import { startStack, type Stack } from '../../../infra/src/stack.ts';
import { ok, TestParticipants } from '../testing/participants.ts';

let stack: Stack;
let people: TestParticipants;
let lesson: Lesson;
let sfuUrl: string;
let recorderUrl: string;
let roomId: string;

async function get(url: string) {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

/** One sample of a Prometheus text exposition, matched by name and every given label. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

const videoParams = { mid: '0', codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, rtcpFeedback: [] }], encodings: [{ ssrc: 7000 }], rtcp: { cname: 'ops' } };
const audioParams = { mid: '1', codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 7001 }], rtcp: { cname: 'ops' } };

beforeAll(async () => {
  // The stack exposes signaling's URL only; the SFU and recorder get ports chosen here so their ops endpoints can be reached.
  const [sfuPort, recorderPort] = [await freePort(), await freePort()];
  stack = await startStack({ sfuWorkers: 1, sfuRpcPort: sfuPort, env: { RECORDER_RPC_PORT: String(recorderPort) } });
  sfuUrl = `http://127.0.0.1:${sfuPort}`;
  recorderUrl = `http://127.0.0.1:${recorderPort}`;
  people = new TestParticipants(stack);
  lesson = await stack.admin.createLesson({ title: '运维检查课' });
  roomId = (await stack.admin.createClassroom({ name: '青山二中 九(2)班' })).id;
  await stack.admin.pairClassroom(lesson.id, roomId);
  await stack.admin.startLesson(lesson.id);
});

afterAll(async () => {
  people?.closeAll();
  await stack?.stop();
});

describe('operations endpoints', () => {
  it('reports liveness and readiness of every service', async () => {
    const health = await get(`${stack.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });

    const ready = await get(`${stack.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', ready: true, failing: [], checks: { sfu: 'ok', database: 'ok', recorder: 'ok' } });

    expect((await get(`${sfuUrl}/healthz`)).status).toBe(200);
    expect((await get(`${sfuUrl}/readyz`)).json()).toMatchObject({ ready: true, checks: { workers: 'ok' } });
    expect((await get(`${recorderUrl}/readyz`)).json()).toMatchObject({ ready: true, checks: { sfu: 'ok' } });
    // Anything else on the internal RPC port stays a 404.
    expect((await get(`${sfuUrl}/api`)).status).toBe(404);
  });

  it('counts participants, requests and media objects as the lesson runs', async () => {
    const master = await people.join(lesson.id, 'master_teacher');
    const room = await people.join(lesson.id, 'classroom_device', { classroomId: roomId });

    // The room publishes camera and mic; the master's wall receives the camera.
    const send = await ok<{ id: string }>(room.socket, 'media:createTransport', { direction: 'send' });
    const video = await ok<{ producerId: string }>(room.socket, 'media:produce', { transportId: send.id, kind: 'video', source: 'camera', label: '教室画面', rtpParameters: videoParams });
    await ok(room.socket, 'media:produce', { transportId: send.id, kind: 'audio', source: 'microphone', label: '教室麦克风', rtpParameters: audioParams });
    const { rtpCapabilities } = await ok<{ rtpCapabilities: unknown }>(master.socket, 'media:getRouterRtpCapabilities');
    const recv = await ok<{ id: string }>(master.socket, 'media:createTransport', { direction: 'recv' });
    await ok(master.socket, 'media:consume', { transportId: recv.id, rtpCapabilities, producerId: video.producerId });

    const signaling = await get(`${stack.url}/metrics`);
    expect(signaling.status).toBe(200);
    expect(sample(signaling.text, 'dualclass_live_lessons')).toBe(1);
    expect(sample(signaling.text, 'dualclass_participants', { role: 'classroom_device', connection: 'connected' })).toBe(1);
    expect(sample(signaling.text, 'dualclass_participants', { role: 'master_teacher', connection: 'connected' })).toBe(1);
    expect(sample(signaling.text, 'dualclass_socket_connections')).toBe(2);
    expect(sample(signaling.text, 'dualclass_socket_requests_total', { event: 'lesson:join', result: 'ok' })).toBe(2);
    expect(sample(signaling.text, 'dualclass_socket_requests_total', { event: 'media:produce', result: 'ok' })).toBe(2);
    expect(sample(signaling.text, 'dualclass_socket_request_duration_seconds_count', { event: 'media:consume' })).toBe(1);
    expect(sample(signaling.text, 'process_cpu_seconds_total')).toBeGreaterThan(0);

    const sfu = await get(`${sfuUrl}/metrics`);
    expect(sfu.status).toBe(200);
    expect(sample(sfu.text, 'dualclass_sfu_workers')).toBe(1);
    expect(sample(sfu.text, 'dualclass_sfu_worker_cpu_seconds_total', { slot: '0' })).toBeGreaterThan(0);
    expect(sample(sfu.text, 'dualclass_sfu_routers')).toBe(1);
    expect(sample(sfu.text, 'dualclass_sfu_transports')).toBe(2);
    expect(sample(sfu.text, 'dualclass_sfu_producers', { kind: 'video' })).toBe(1);
    expect(sample(sfu.text, 'dualclass_sfu_producers', { kind: 'audio' })).toBe(1);
    expect(sample(sfu.text, 'dualclass_sfu_consumers', { kind: 'video' })).toBe(1);
    expect(sample(sfu.text, 'dualclass_sfu_consumers', { kind: 'audio' })).toBe(0);
    // Nothing flows from fake producers, so there is nothing to measure loss on yet; the series are there.
    expect(sample(sfu.text, 'dualclass_sfu_rtp_loss_ratio_max', { direction: 'inbound' })).toBe(0);

    const recorder = await get(`${recorderUrl}/metrics`);
    expect(sample(recorder.text, 'dualclass_recorder_recordings', { phase: 'recording' })).toBe(1);
    expect(sample(recorder.text, 'dualclass_recorder_capture_processes')).toBe(0);
    expect(sample(recorder.text, 'dualclass_recorder_sfu_links', { state: 'up' })).toBe(1);
    expect(sample(recorder.text, 'dualclass_recorder_finalize_jobs_total', { result: 'failed' })).toBe(0);
  });

  it('turns not ready, naming the SFU, once the SFU process is gone', async () => {
    await stack.sfu.stop('SIGKILL');
    const deadline = Date.now() + 5_000;
    let ready = await get(`${stack.url}/readyz`);
    while (ready.status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      ready = await get(`${stack.url}/readyz`);
    }
    expect(ready.status).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'unavailable', ready: false, failing: ['sfu'], checks: { sfu: 'UNAVAILABLE', database: 'ok', recorder: 'ok' } });
    expect((await get(`${stack.url}/healthz`)).status).toBe(200);
    // The recorder notices on its own link (its report is cached for a second), so it may trail signaling a little.
    await expect.poll(async () => (await get(`${recorderUrl}/readyz`)).json(), { timeout: 5_000 }).toMatchObject({ ready: false, failing: ['sfu'] });
  });
});
