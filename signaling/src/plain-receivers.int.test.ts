import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutFeedbackExtensions, type ConsumerInfo, type IngestInfo, type Lesson, type RtpCapabilitiesWire } from '@dualclass/protocol';
import { startStack, type Stack } from '../../infra/src/stack.ts';
import { until } from '../../sfu-server/src/testing/until.ts';
import { SIMULCAST_RENDITIONS, vp8Feed, vp8KeyframeSize, vp8SimulcastFeed } from '../../sfu-server/src/testing/vp8-rtp.ts';
import { ok, request, TestParticipants, type ClientSocket } from './testing/participants.ts';
import { srtpUnprotector } from './testing/srtp-unprotect.ts';

/*
 * Classroom hardware decoder boxes receive the lesson as SRTP over plain UDP: a participant asks for a plain receiver
 * at its own address with the box's key, gets the SFU's key back, and consumes on it like on any receive transport.
 * Fed by the product's plain RTP ingest (one rendition, or three as simulcast).
 */

const SUITE = 'AES_CM_128_HMAC_SHA1_80';
let stack: Stack;
let people: TestParticipants;
let lesson: Lesson;
let classroomId: string;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  stack = await startStack({ sfuWorkers: 1, recorder: false });
  people = new TestParticipants(stack);
  lesson = await stack.admin.createLesson({ title: '解码盒接收' });
  classroomId = (await stack.admin.createClassroom({ name: '青石小学 四(2)班' })).id;
  await stack.admin.pairClassroom(lesson.id, classroomId);
  await stack.admin.startLesson(lesson.id);
});

afterAll(async () => {
  for (const cleanup of cleanups) cleanup();
  people?.closeAll();
  await stack?.stop();
});

/** A decoder box: a UDP port on loopback and its own SRTP key; keeps every datagram that arrives. */
async function decoderBox(): Promise<{ socket: Socket; port: number; keyBase64: string; packets: Buffer[] }> {
  const socket = createSocket('udp4');
  const packets: Buffer[] = [];
  socket.on('message', (msg) => packets.push(msg));
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  cleanups.push(() => socket.close());
  return { socket, port: (socket.address() as AddressInfo).port, keyBase64: randomBytes(30).toString('base64'), packets };
}

/** Joins as `role`, makes a plain receiver for `box` and a paused video consumer of `producerId` on it. */
async function boxViewer(socket: ClientSocket, box: Awaited<ReturnType<typeof decoderBox>>, producerId: string) {
  const { rtpCapabilities } = await ok<{ rtpCapabilities: RtpCapabilitiesWire }>(socket, 'media:getRouterRtpCapabilities');
  const receiver = await ok<{ transportId: string; srtpParameters: { cryptoSuite: string; keyBase64: string } }>(socket, 'media:createPlainReceiver', {
    ip: '127.0.0.1',
    port: box.port,
    srtpParameters: { cryptoSuite: SUITE, keyBase64: box.keyBase64 },
  });
  const consumer = await ok<ConsumerInfo>(socket, 'media:consume', {
    transportId: receiver.transportId,
    producerId,
    rtpCapabilities: withoutFeedbackExtensions(rtpCapabilities),
  });
  return { receiver, consumer, ssrc: consumer.rtpParameters.encodings![0]!.ssrc! };
}

/** The box's packets of one SSRC that authenticate under the SFU's key, decrypted. */
function decrypted(packets: Buffer[], keyBase64: string, ssrc: number): Buffer[] {
  const unprotect = srtpUnprotector(keyBase64);
  return packets.filter((p) => p.length > 12 && p.readUInt32BE(8) === ssrc).flatMap((p) => unprotect(p) ?? []);
}

const keyframeWidths = (rtp: Buffer[]) => rtp.flatMap((p) => vp8KeyframeSize(p)?.width ?? []);

/** A student's box gets the camera as SRTP it can decrypt; the transport is the student's and goes when they leave. */
async function receivesUntilLeaving(ingest: IngestInfo) {
  const student = await people.join(lesson.id, 'student');
  const box = await decoderBox();
  const { receiver, consumer, ssrc } = await boxViewer(student.socket, box, ingest.video.producerId);
  expect(receiver.srtpParameters).toMatchObject({ cryptoSuite: SUITE, keyBase64: expect.stringMatching(/^[A-Za-z0-9+/]{40}$/) });
  // The box asked for no feedback extensions, so none is sent.
  expect(consumer.rtpParameters.headerExtensions?.map((e) => e.uri) ?? []).not.toContainEqual(expect.stringMatching(/transport-wide-cc|abs-send-time/));
  await ok(student.socket, 'media:resumeConsumer', { consumerId: consumer.consumerId });

  const frames = await until(() => {
    const rtp = decrypted(box.packets, receiver.srtpParameters.keyBase64, ssrc);
    return rtp.length >= 60 && keyframeWidths(rtp).length > 0 ? rtp : undefined;
  }, 15_000, 'decryptable SRTP with a keyframe at the box');
  expect(keyframeWidths(frames)[0]).toBe(640);
  // Encrypted, not plain RTP: under any other key nothing authenticates.
  expect(decrypted(box.packets, randomBytes(30).toString('base64'), ssrc)).toHaveLength(0);

  // The transport is the participant's: another participant cannot consume on it, and it closes when they leave.
  const other = await people.join(lesson.id, 'student');
  const { rtpCapabilities } = await ok<{ rtpCapabilities: RtpCapabilitiesWire }>(other.socket, 'media:getRouterRtpCapabilities');
  expect(await request(other.socket, 'media:consume', { transportId: receiver.transportId, producerId: ingest.video.producerId, rtpCapabilities })).toMatchObject({
    ok: false,
    error: { code: 'NOT_FOUND' },
  });
  student.socket.disconnect();
  await new Promise((r) => setTimeout(r, 1_000));
  const afterLeave = box.packets.length;
  await new Promise((r) => setTimeout(r, 1_000));
  expect(box.packets.length).toBe(afterLeave);
}

/** A classroom box gets the top rendition, a student's box that asked for layer 1 the middle one. */
async function eachBoxGetsItsLayer(ingest: IngestInfo) {
  const classroom = await people.join(lesson.id, 'classroom_device', { classroomId });
  expect((classroom.snapshot.publications as { producerId: string; simulcastLayers: number }[]).find((p) => p.producerId === ingest.video.producerId))
    .toMatchObject({ simulcastLayers: 3 });
  const student = await people.join(lesson.id, 'student');
  const [roomBox, studentBox] = [await decoderBox(), await decoderBox()];
  const room = await boxViewer(classroom.socket, roomBox, ingest.video.producerId);
  const pupil = await boxViewer(student.socket, studentBox, ingest.video.producerId);
  expect(pupil.consumer.type).toBe('simulcast');
  await ok(student.socket, 'media:setPreferredLayers', { consumerId: pupil.consumer.consumerId, spatialLayer: 1 });
  await ok(classroom.socket, 'media:resumeConsumer', { consumerId: room.consumer.consumerId });
  await ok(student.socket, 'media:resumeConsumer', { consumerId: pupil.consumer.consumerId });

  // Until the upper renditions' first packets reach the SFU, everyone gets what there is; from then on each box
  // gets its layer, switching at the next keyframe (the feed sends one a second).
  const widths = (box: typeof roomBox, viewer: typeof room) => keyframeWidths(decrypted(box.packets, viewer.receiver.srtpParameters.keyBase64, viewer.ssrc));
  const settled = (seen: number[], width: number) => seen.length >= 3 && seen.slice(-3).every((w) => w === width);
  await until(
    () => (settled(widths(roomBox, room), SIMULCAST_RENDITIONS[2].width) && settled(widths(studentBox, pupil), SIMULCAST_RENDITIONS[1].width) ? true : undefined),
    30_000,
    'three keyframes of the top rendition at the classroom box and of the middle one at the student box',
  );
}

describe('plain SRTP receivers for classroom decoder boxes', () => {
  it('sends a student’s box the studio camera as SRTP under the key the SFU handed out, until the student leaves', async () => {
    const ingest: IngestInfo = await stack.admin.createIngest(lesson.id, { label: '主讲机位', video: { payloadType: 101, ssrc: 5_001, mimeType: 'video/VP8' } });
    const feed = vp8Feed(ingest.video.port, 5_001, 101);
    try {
      await receivesUntilLeaving(ingest);
    } finally {
      feed.kill('SIGKILL');
    }
  });

  it('refuses to aim lesson media anywhere but the requesting connection’s own address', async () => {
    const student = await people.join(lesson.id, 'student');
    const box = await decoderBox();
    const ask = (ip: string, port = box.port, cryptoSuite = SUITE) =>
      request(student.socket, 'media:createPlainReceiver', { ip, port, srtpParameters: { cryptoSuite, keyBase64: box.keyBase64 } });
    for (const elsewhere of ['10.20.30.40', '::ffff:10.20.30.40', '::1', '127.0.0.2']) {
      expect(await ask(elsewhere), elsewhere).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    expect(await ask('127.0.0.1', 53)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await ask('127.0.0.1', box.port, 'AES_CM_128_HMAC_SHA1_32')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await ask('not-an-ip')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    // The same address in its IPv4-mapped spelling is the connection's own.
    expect(await ask('::ffff:127.0.0.1')).toMatchObject({ ok: true, data: { transportId: expect.any(String) } });
  });

  it('feeds a simulcast ingest’s top rendition to a classroom box and the middle one to a student who asks for layer 1', async () => {
    const ssrcs = [6_001, 6_002, 6_003] as const;
    const ingest = await stack.admin.createIngest(lesson.id, { label: '多码率编码器', video: { payloadType: 101, ssrcs: [...ssrcs], mimeType: 'video/VP8' } });
    const feed = await vp8SimulcastFeed(ingest.video.port, ssrcs, 101);
    try {
      await eachBoxGetsItsLayer(ingest);
    } finally {
      feed.stop();
    }
  });

});
