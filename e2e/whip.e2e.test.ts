import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WireErrorSchema } from '@dualclass/protocol';
import { startStack, type Stack } from '../infra/src/stack.ts';
import { FEED_AUDIO, FEED_VIDEO, startStudioFeed } from '../infra/src/studio-feed.ts';
import { WhipTokens } from '../signaling/src/auth/whip-tokens.ts';
import { TestParticipants, collect, next, ok } from '../signaling/src/testing/participants.ts';
import { launchChromium } from './support/browser.ts';
import { mediaStatsFor, waitForMediaFrom } from './support/media.ts';

/*
 * WHIP ingest beside plain RTP: one lesson gets an ffmpeg angle over plain RTP and a second angle from an
 * independent WHIP client (the whip-whep package's WHIPClient, medooze) running in Chromium with its fake
 * camera and microphone. A remote classroom's big screen decodes both. Then the WHIP resource is DELETEd and
 * its publication disappears; a reconnect with the same token works, and a publisher that just closes its peer
 * connection disappears too (DTLS close). A forged token gets 401, garbage SDP 400, an ended lesson 409.
 */

const require = createRequire(import.meta.url);

let stack: Stack;
let browser: Browser;
let participants: TestParticipants;
let feed: ChildProcess | undefined;

beforeAll(async () => {
  stack = await startStack({ serveClient: true, sfuWorkers: 1, recorder: false });
  browser = await launchChromium();
  participants = new TestParticipants(stack);
});

afterAll(async () => {
  feed?.kill('SIGKILL');
  participants?.closeAll();
  await browser?.close();
  await stack?.stop();
});

const PUBLISHER_PATH = '/__whip-publisher';

/** A blank page on the stack's own origin (no CORS), with whip-whep's browser module loaded as window.WHIPClient. */
async function openPublisher(): Promise<Page> {
  const page = await browser.newPage();
  const url = new URL(PUBLISHER_PATH, stack.url).href;
  await page.route(url, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>WHIP publisher</title>' }));
  await page.goto(url);
  const source = await readFile(require.resolve('whip-whep/whip.js'), 'utf8');
  await page.addScriptTag({ type: 'module', content: `${source}\nwindow.WHIPClient = WHIPClient;` });
  await page.waitForFunction(() => 'WHIPClient' in window);
  return page;
}

/** Publishes the fake camera and mic with WHIPClient; resolves with the resource path once ICE+DTLS connect. */
function publish(page: Page, endpoint: string, token: string): Promise<{ resource: string; codec: string }> {
  return page.evaluate(
    async ({ endpoint, token }) => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360, frameRate: 30 } });
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
      for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      type Client = { publish(pc: RTCPeerConnection, url: string, token: string): Promise<void>; resourceURL: URL };
      const client = new (window as unknown as { WHIPClient: new () => Client }).WHIPClient();
      (window as unknown as { whip: Client; pc: RTCPeerConnection }).whip = client;
      (window as unknown as { pc: RTCPeerConnection }).pc = pc;
      await client.publish(pc, endpoint, token);
      await new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pc.connectionState === 'connected') resolve();
          else if (pc.connectionState === 'failed') reject(new Error('peer connection failed'));
        };
        pc.addEventListener('connectionstatechange', check);
        check();
        setTimeout(() => reject(new Error(`not connected after 15 s: ${pc.connectionState}`)), 15_000);
      });
      const video = pc.getTransceivers().find((t) => t.sender.track?.kind === 'video');
      const codec = video?.sender.getParameters().codecs[0]?.mimeType ?? '';
      return { resource: client.resourceURL.pathname, codec };
    },
    { endpoint, token },
  );
}

async function whipPost(path: string, token: string, sdp: string, contentType = 'application/sdp') {
  const res = await fetch(new URL(path, stack.url), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body: sdp });
  const body: unknown = await res.json().catch(() => undefined);
  return { status: res.status, error: WireErrorSchema.safeParse((body as { error?: unknown } | undefined)?.error).data };
}

describe('WHIP ingest', () => {
  it('a classroom decodes an ffmpeg RTP angle and a WHIP angle from Chromium; DELETE withdraws the WHIP angle; bad tokens and bad SDP are refused', async () => {
    const lesson = await stack.admin.createLesson({ title: '电磁感应 WHIP 机位', subject: '物理', grade: '高二' });
    const room = await stack.admin.createClassroom({ name: '青山二中 高二(3)班' });
    await stack.admin.pairClassroom(lesson.id, room.id);

    const rtp = await stack.admin.createIngest(lesson.id, { label: '教师特写', video: FEED_VIDEO, audio: FEED_AUDIO });
    feed = startStudioFeed(rtp, { width: 640, height: 360, bitrateKbps: 600 });

    const issued = await stack.admin.issueWhipToken(lesson.id, { label: '实验台 (OBS)', source: 'camera' });
    expect(issued.url).toBe(`${stack.url}/api/lessons/${lesson.id}/whip`);
    const whipPath = new URL(issued.url).pathname;

    // Refusals first, so nothing they might leave behind could pass for the real publish.
    const forged = await new WhipTokens('f'.repeat(40)).sign({ sub: 'whp_forged', lessonId: lesson.id, label: '伪造', source: 'camera' });
    expect(await whipPost(whipPath, forged.token, 'v=0\r\n')).toMatchObject({ status: 401, error: { code: 'UNAUTHENTICATED' } });
    const joinToken = await stack.admin.issueToken(lesson.id, { role: 'master_teacher', displayName: '王老师' });
    expect((await whipPost(whipPath, joinToken.token, 'v=0\r\n')).status).toBe(401);
    expect((await fetch(new URL(whipPath, stack.url), { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: 'v=0\r\n' })).status).toBe(401);
    expect(await whipPost(whipPath, issued.token, 'this is not SDP')).toMatchObject({ status: 400, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/SDP offer/) } });
    expect(await whipPost(whipPath, issued.token, 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n')).toMatchObject({ status: 400, error: { message: 'SDP offer: no m-lines' } });
    expect((await whipPost(whipPath, issued.token, '{}', 'application/json')).status).toBe(400);

    const publisher = await openPublisher();
    const { resource, codec } = await publish(publisher, issued.url, issued.token);
    expect(resource).toMatch(/^\/api\/whip\/par_/);
    expect(codec).toBe('video/H264');
    const whipParticipantId = resource.split('/').pop()!;

    // Trickle ICE is not supported: PATCH answers 405 (the answer carries every candidate; we are ICE-lite).
    const patch = await fetch(new URL(resource, stack.url), { method: 'PATCH', headers: { authorization: `Bearer ${issued.token}`, 'content-type': 'application/trickle-ice-sdpfrag' }, body: 'a=end-of-candidates\r\n' });
    expect(patch.status).toBe(405);

    const master = await participants.join(lesson.id, 'master_teacher', { displayName: '王老师' });
    await ok(master.socket, 'lesson:start');
    const device = await stack.admin.issueToken(lesson.id, { role: 'classroom_device', displayName: room.name, classroomId: room.id });
    const screen = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await screen.goto(new URL(device.joinPath, stack.url).href);

    for (const id of [rtp.participantId, whipParticipantId]) {
      const first = await waitForMediaFrom(screen, id, (s) => s.framesDecoded > 0 && s.audioPacketsReceived > 0, 30_000);
      await screen.waitForTimeout(1_000);
      const later = await mediaStatsFor(screen, id);
      expect(later.framesDecoded, id).toBeGreaterThan(first.framesDecoded);
      expect(later.audioPacketsReceived, id).toBeGreaterThan(first.audioPacketsReceived);
    }

    type Pub = { producerId: string; participantId: string; kind: string; label: string };
    const whipPublications = (master.snapshot as unknown as { publications: Pub[] }).publications.filter((p) => p.participantId === whipParticipantId);
    expect(whipPublications.map((p) => [p.kind, p.label]).sort()).toEqual([['audio', '实验台 (OBS)'], ['video', '实验台 (OBS)']]);
    const removed = collect(master.socket, 'media:publicationRemoved');

    // Only the token that created the resource may end it.
    const other = await stack.admin.issueWhipToken(lesson.id, { label: '另一台编码器' });
    expect((await fetch(new URL(resource, stack.url), { method: 'DELETE', headers: { authorization: `Bearer ${other.token}` } })).status).toBe(404);
    expect((await fetch(new URL(resource, stack.url), { method: 'DELETE', headers: { authorization: `Bearer ${forged.token}` } })).status).toBe(401);

    const deleted = await fetch(new URL(resource, stack.url), { method: 'DELETE', headers: { authorization: `Bearer ${issued.token}` } });
    expect(deleted.status).toBe(200);
    await expect
      .poll(() => removed.map((r) => r.producerId).sort(), { timeout: 10_000 })
      .toEqual(whipPublications.map((p) => p.producerId).sort());
    const later = await participants.join(lesson.id, 'observer');
    const remaining = (later.snapshot as unknown as { publications: Pub[] }).publications;
    expect(remaining.filter((p) => p.participantId === whipParticipantId)).toEqual([]);
    expect(remaining.filter((p) => p.participantId === rtp.participantId)).toHaveLength(2);
    // The big screen drops the angle: no consumer of the WHIP participant is left to report frames or packets.
    await expect
      .poll(async () => { const s = await mediaStatsFor(screen, whipParticipantId); return s.framesDecoded + s.audioPacketsReceived; }, { timeout: 10_000 })
      .toBe(0);
    // The RTP angle plays on.
    const rtpBefore = await mediaStatsFor(screen, rtp.participantId);
    await screen.waitForTimeout(1_000);
    expect((await mediaStatsFor(screen, rtp.participantId)).framesDecoded).toBeGreaterThan(rtpBefore.framesDecoded);
    expect((await fetch(new URL(resource, stack.url), { method: 'DELETE', headers: { authorization: `Bearer ${issued.token}` } })).status).toBe(404);

    // The encoder publishes again with its token (a reconnect) and then drops its connection without DELETE:
    // the DTLS close alert closes its media at the SFU, which withdraws its publications and ends the resource.
    const again = await publish(publisher, issued.url, issued.token);
    const againId = again.resource.split('/').pop()!;
    expect(againId).not.toBe(whipParticipantId);
    await waitForMediaFrom(screen, againId, (s) => s.framesDecoded > 0, 30_000);
    const left = next(master.socket, 'participant:left', (p) => p.participantId === againId, 10_000);
    await publisher.evaluate(() => (window as unknown as { pc: RTCPeerConnection }).pc.close());
    await left;
    expect((await fetch(new URL(again.resource, stack.url), { method: 'DELETE', headers: { authorization: `Bearer ${issued.token}` } })).status).toBe(404);

    // An ended lesson takes no more WHIP publishers.
    await stack.admin.endLesson(lesson.id);
    expect(await whipPost(whipPath, issued.token, 'v=0\r\n')).toMatchObject({ status: 409, error: { code: 'INVALID_STATE' } });
    await publisher.close();
    await screen.close();
  });
});
