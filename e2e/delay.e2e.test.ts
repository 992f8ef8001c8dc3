import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImpairedClassroom, type ImpairedClassroom } from './support/impaired-classroom.ts';
import { ImpairedLink } from './support/impaired-link.ts';
import { observe } from './support/inbound-stats.ts';
import { openAs } from './support/join.ts';
import { waitForMedia } from './support/media.ts';
import { UdpRelay } from './support/udp-relay.ts';

/*
 * A remote classroom far away: 150 ms one-way delay ± 40 ms jitter (RTT ≈ 300 ms) between its big-screen page
 * and the SFU. The SFU listens on loopback and announces the host end of a test veth; a UDP relay on that
 * address forwards its RTC ports and delays only the traffic of the classroom's Chromium, which runs inside
 * the veth's namespace (no caps or loss on the link). The studio's media crosses the relay undelayed.
 */

// A narrow range below the ephemeral ports (32768+), so the relay can bind every port of it on the front address.
const RTC_MIN = randomInt(20_000, 30_000);
const RTC_PORTS = { min: RTC_MIN, max: RTC_MIN + 99 };

let link: ImpairedLink;
let relay: UdpRelay;
let setup: ImpairedClassroom;

beforeAll(async () => {
  link = await ImpairedLink.create();
  relay = await UdpRelay.start({ front: link.hostIp, ports: RTC_PORTS, impairedClients: [link.nsIp] });
  setup = await startImpairedClassroom(link, {
    lesson: { title: '远程课堂', knowledgePoints: ['光的折射'] },
    classroomName: '边疆小学 五(2)班',
    env: {
      SFU_LISTEN_IP: '127.0.0.1',
      SFU_ANNOUNCED_IP: link.hostIp,
      SFU_RTC_MIN_PORT: String(RTC_PORTS.min),
      SFU_RTC_MAX_PORT: String(RTC_PORTS.max),
    },
  });
});

afterAll(async () => {
  await setup?.close();
  await relay?.close();
  await link?.destroy();
});

describe('distant classroom link', () => {
  it('keeps audio and video flowing live at 150 ms ± 40 ms each way, and the page measures the longer round trip', async () => {
    const room = await openAs(setup.roomBrowser, setup.target, 'classroom_device', '边疆小学 五(2)班', { extra: { classroomId: setup.classroomId } });
    const studio = await openAs(setup.studioBrowser, setup.target, 'master_teacher', '李老师');
    await studio.getByRole('button', { name: /开始上课/ }).click({ timeout: 30_000 });
    await waitForMedia(room, (s) => s.framesDecoded > 30 && s.audioPacketsReceived > 50, 30_000);

    const clean = await observe(room, 6);
    console.log('through the relay, no delay:', JSON.stringify(clean));

    relay.setImpairment({ delayMs: 150, jitterMs: 40 });
    await room.waitForTimeout(4_000); // let the jitter buffers and the next health report see the new path
    const far = await observe(room, 20);
    const relayed = relay.stats(link.nsIp);
    console.log('150 ± 40 ms each way:', JSON.stringify(far), 'relay:', JSON.stringify(relayed));

    expect(far.longestAudioStallMs).toBeLessThan(500);
    expect(far.framesDecoded).toBeGreaterThan(20 * 15); // video decodes on
    expect(far.phases).toEqual(['live']); // no reconnect loop
    // The page's own RTT (RTCP round trips, as its health reports carry it) shows both delayed legs.
    expect(clean.rttMs).toBeLessThan(100);
    expect(far.rttMs).toBeGreaterThanOrEqual(250);
    expect(far.rttMs).toBeLessThan(600);
    expect(relayed.toClient.meanDelayMs).toBeGreaterThan(140);
    // Media came over UDP through the relay, not over the SFU's TCP candidates: since the delay was set, the
    // relay forwarded to the classroom at least every RTP packet its page received in the window (the rest
    // are RTCP, ICE checks and the packets of the settling time).
    expect(relayed.toClient.forwarded).toBeGreaterThanOrEqual(far.audioPackets + far.videoPackets);
    expect(relayed.toServer.forwarded).toBeGreaterThan(0);
  }, 120_000);
});
