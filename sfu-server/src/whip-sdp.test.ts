import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import * as sdpTransform from 'sdp-transform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isClassroomError } from '@dualclass/protocol';
import { ROUTER_MEDIA_CODECS } from './codecs.ts';
import { CHROMIUM_OFFER, OBS_OFFER } from './testing/whip-offers.ts';
import { buildWhipAnswer, parseWhipOffer, type WhipOffer } from './whip-sdp.ts';

let worker: types.Worker;
let router: types.Router;

beforeAll(async () => {
  worker = await mediasoup.createWorker({ logLevel: 'error' });
  router = await worker.createRouter({ mediaCodecs: ROUTER_MEDIA_CODECS });
});
afterAll(() => worker?.close());

/** Produces every parsed track on a fresh transport, as the SFU does: mediasoup's own validation is the judge. */
async function produceAll(offer: WhipOffer) {
  const transport = await router.createWebRtcTransport({ listenIps: [{ ip: '127.0.0.1' }] });
  await transport.connect({ dtlsParameters: offer.dtlsParameters });
  const producers = [];
  for (const t of offer.tracks) producers.push(await transport.produce({ kind: t.kind, rtpParameters: t.rtpParameters }));
  return { transport, producers };
}

function refusal(offer: string): string {
  try {
    parseWhipOffer(offer, router.rtpCapabilities);
  } catch (err) {
    if (isClassroomError(err, 'BAD_REQUEST')) return err.message;
    throw err;
  }
  throw new Error('offer was accepted');
}

describe('parseWhipOffer', () => {
  it('takes a Chromium offer: opus, H264 packetization-mode 1 constrained baseline with its RTX, mids, cname, extensions mediasoup knows', async () => {
    const offer = parseWhipOffer(CHROMIUM_OFFER, router.rtpCapabilities);
    expect(offer.dtlsParameters).toEqual({ role: 'client', fingerprints: [{ algorithm: 'sha-256', value: expect.stringMatching(/^A3:66:/) }] });
    const [audio, video] = offer.tracks;
    expect(audio).toMatchObject({
      mid: '0',
      kind: 'audio',
      rtpParameters: {
        mid: '0',
        codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48_000, channels: 2, rtcpFeedback: [{ type: 'transport-cc' }] }],
        encodings: [{ ssrc: 71528744 }],
        rtcp: { cname: 'EV+5fB2io+3f9TGF', reducedSize: true },
      },
    });
    expect(audio!.rtpParameters.headerExtensions!.map((h) => h.uri).sort()).toEqual(
      [
        'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
        'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
        'urn:ietf:params:rtp-hdrext:sdes:mid',
        'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
      ].sort(),
    );
    // 102 is H264 baseline (42001f), which the router's constrained-baseline H264 cannot take; 108 is 42e01f.
    expect(video).toMatchObject({
      mid: '1',
      kind: 'video',
      rtpParameters: {
        codecs: [
          { mimeType: 'video/H264', payloadType: 108, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' } },
          { mimeType: 'video/rtx', payloadType: 109, parameters: { apt: 108 } },
        ],
        encodings: [{ ssrc: 2051831112, rtx: { ssrc: 152213577 } }],
      },
    });
    const fb = video!.rtpParameters.codecs[0]!.rtcpFeedback!.map((f) => `${f.type} ${f.parameter ?? ''}`.trim());
    expect(fb).toEqual(expect.arrayContaining(['nack', 'nack pli', 'ccm fir', 'transport-cc']));
    const videoUris = video!.rtpParameters.headerExtensions!.map((h) => h.uri);
    expect(videoUris).toContain('urn:ietf:params:rtp-hdrext:sdes:mid');
    expect(videoUris).not.toContain('http://www.webrtc.org/experiments/rtp-hdrext/color-space');

    const { transport, producers } = await produceAll(offer);
    expect(producers.map((p) => p.kind)).toEqual(['audio', 'video']);
    transport.close();
  });

  it('takes an OBS offer with ICE and DTLS at session level: opus stereo and H264 without RTX', async () => {
    const offer = parseWhipOffer(OBS_OFFER, router.rtpCapabilities);
    expect(offer.dtlsParameters.fingerprints[0]).toMatchObject({ algorithm: 'sha-256', value: expect.stringMatching(/^5B:C5:/) });
    expect(offer.tracks.map((t) => [t.mid, t.kind, t.rtpParameters.codecs.map((c) => `${c.mimeType}/${c.payloadType}`)])).toEqual([
      ['0', 'audio', ['audio/opus/111']],
      ['1', 'video', ['video/H264/96']],
    ]);
    expect(offer.tracks[1]!.rtpParameters.encodings).toEqual([{ ssrc: 3127546723 }]);
    expect(offer.tracks[0]!.rtpParameters.codecs[0]!.parameters).toMatchObject({ stereo: 1, useinbandfec: 1 });
    expect(offer.tracks[0]!.rtpParameters.rtcp).toEqual({ cname: '6GeRf3EzyB5u7wTB', reducedSize: false });
    const { transport } = await produceAll(offer);
    transport.close();
  });

  it('falls back to VP8 when no constrained-baseline H264 packetization-mode 1 is offered', () => {
    const noH264 = CHROMIUM_OFFER.replace(/a=fmtp:108 [^\r]*/, 'a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f');
    const video = parseWhipOffer(noH264, router.rtpCapabilities).tracks[1]!;
    expect(video.rtpParameters.codecs.map((c) => `${c.mimeType}/${c.payloadType}`)).toEqual(['video/VP8/96', 'video/rtx/97']);
  });

  it('refuses what it cannot take with BAD_REQUEST and a reason', () => {
    expect(refusal('hello')).toMatch(/must start with v=0/);
    expect(refusal('')).toMatch(/empty/);
    expect(refusal(OBS_OFFER.replace(/a=rtpmap:96 H264\/90000/, 'a=rtpmap:96 VP9/90000'))).toMatch(/no supported video codec in m-line 1 \(offered: video\/VP9/);
    expect(refusal(OBS_OFFER.replace(/a=rtpmap:111 opus/, 'a=rtpmap:111 PCMU'))).toMatch(/no supported audio codec/);
    expect(refusal(OBS_OFFER.replace(/a=fingerprint:[^\r]*\r\n/, ''))).toMatch(/no a=fingerprint/);
    expect(refusal(OBS_OFFER.replace(/a=group:BUNDLE 0 1\r\n/, ''))).toMatch(/BUNDLE/);
    expect(refusal(OBS_OFFER.replace(/a=ssrc:3127546723 [^\r]*\r\n/g, ''))).toMatch(/no a=ssrc/);
    expect(refusal(OBS_OFFER.replace('a=setup:actpass', 'a=setup:passive'))).toMatch(/setup:passive/);
  });
});

describe('buildWhipAnswer', () => {
  it('answers ICE-lite, setup:passive, recvonly, with the offer mids and payload types, and our candidates', async () => {
    const offer = parseWhipOffer(CHROMIUM_OFFER, router.rtpCapabilities);
    const transport = await router.createWebRtcTransport({ listenIps: [{ ip: '127.0.0.1' }], enableTcp: true });
    const answer = buildWhipAnswer(offer, transport);
    transport.close();
    expect(answer).toMatch(/\r\n$/);
    const parsed = sdpTransform.parse(answer);
    expect(parsed.icelite).toBe('ice-lite');
    expect(parsed.groups).toEqual([{ type: 'BUNDLE', mids: '0 1' }]);
    expect(parsed.media.map((m) => [m.type, String(m.mid), m.direction, m.setup, String(m.payloads)])).toEqual([
      ['audio', '0', 'recvonly', 'passive', '111'],
      ['video', '1', 'recvonly', 'passive', '108 109'],
    ]);
    for (const m of parsed.media) {
      expect(m.iceUfrag).toBe(transport.iceParameters.usernameFragment);
      expect(m.icePwd).toBe(transport.iceParameters.password);
      expect(m.fingerprint?.type).toBe('sha-256');
      expect(m.candidates?.map((c) => `${c.transport} ${c.ip}`)).toEqual(expect.arrayContaining(['udp 127.0.0.1', 'tcp 127.0.0.1']));
      expect(m.rtcpMux).toBe('rtcp-mux');
    }
    const video = parsed.media[1]!;
    expect(video.fmtp.find((f) => f.payload === 108)?.config).toContain('profile-level-id=42e01f');
    expect(video.fmtp.find((f) => f.payload === 109)?.config).toBe('apt=108');
    expect(video.ext?.find((e) => e.uri === 'urn:ietf:params:rtp-hdrext:sdes:mid')?.value).toBe(4);
  });

  it('answers a non-media m-line with port 0 and leaves it out of BUNDLE', () => {
    const withData = OBS_OFFER.replace('a=group:BUNDLE 0 1', 'a=group:BUNDLE 0 1 2') + 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=sctp-port:5000\r\n';
    const offer = parseWhipOffer(withData, router.rtpCapabilities);
    const answer = sdpTransform.parse(
      buildWhipAnswer(offer, { iceParameters: { usernameFragment: 'u', password: 'p' }, iceCandidates: [], dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] } }),
    );
    expect(answer.groups).toEqual([{ type: 'BUNDLE', mids: '0 1' }]);
    expect(answer.media.map((m) => [m.type, m.port, String(m.mid)])).toEqual([
      ['audio', 9, '0'],
      ['video', 9, '1'],
      ['application', 0, '2'],
    ]);
  });
});
