import * as sdpTransform from 'sdp-transform';
import type { types } from 'mediasoup';
import { ClassroomError, type WebRtcTransportInfo } from '@dualclass/protocol';

/*
 * The SDP side of WHIP (RFC 9725): a publisher (OBS 30+, a browser) POSTs one SDP offer; we answer as an
 * ICE-lite, DTLS-passive, receive-only endpoint with one mediasoup WebRtcTransport for the whole BUNDLE group
 * and one producer per m-line. This module only translates: offer → what mediasoup needs, and mediasoup's
 * transport + the accepted producers → answer SDP. It never touches the router.
 */

type MediaSection = sdpTransform.MediaDescription;

export interface WhipOfferTrack {
  mid: string;
  kind: types.MediaKind;
  rtpParameters: types.RtpParameters;
}

export interface WhipOffer {
  /** Where the answer's m-lines come from, in offer order (rejected ones are answered with port 0). */
  sections: { mid: string; kind: string; track: WhipOfferTrack | undefined; rejection?: string }[];
  tracks: WhipOfferTrack[];
  /** Remote DTLS parameters to `connect` the transport with: the offerer takes the client role. */
  dtlsParameters: types.DtlsParameters;
}

/** What the answer needs from the transport: its ICE credentials and candidates and our DTLS fingerprints. */
export type WhipTransportInfo = Pick<WebRtcTransportInfo, 'iceParameters' | 'iceCandidates' | 'dtlsParameters'>;

const bad = (message: string) => new ClassroomError('BAD_REQUEST', `SDP offer: ${message}`);

const MAX_OFFER_BYTES = 64 * 1024;

/** mediasoup's H264 has to match the router's constrained-baseline profile; these bits say "constrained baseline". */
function isConstrainedBaseline(profileLevelId: string | undefined): boolean {
  // RFC 6184: absent means 42000a (baseline); mediasoup and browsers treat a missing one as 42e01f-compatible only
  // when it is explicit, so require it.
  if (!profileLevelId || !/^[0-9a-f]{6}$/i.test(profileLevelId)) return false;
  const profileIdc = parseInt(profileLevelId.slice(0, 2), 16);
  const iop = parseInt(profileLevelId.slice(2, 4), 16);
  if (profileIdc === 0x42) return (iop & 0x40) !== 0; // constraint_set1
  if (profileIdc === 0x4d) return (iop & 0x80) !== 0; // constraint_set0
  if (profileIdc === 0x58) return (iop & 0xc0) === 0xc0;
  return false;
}

function fmtpOf(media: MediaSection, payload: number): Record<string, string | number> {
  const line = media.fmtp.find((f) => f.payload === payload);
  return line ? (sdpTransform.parseParams(line.config) as Record<string, string | number>) : {};
}

/** sdp-transform turns digit-only values into numbers; profile-level-id is hex and must stay a string ("420029"). */
function stringProfile(params: Record<string, string | number>): Record<string, string | number> {
  const id = params['profile-level-id'];
  return id === undefined ? params : { ...params, 'profile-level-id': String(id) };
}

interface OfferedCodec {
  payloadType: number;
  mimeType: string;
  clockRate: number;
  channels: number | undefined;
  parameters: Record<string, string | number>;
  rtcpFeedback: types.RtcpFeedback[];
}

function offeredCodecs(media: MediaSection): OfferedCodec[] {
  return media.rtp.map((rtp) => ({
    payloadType: rtp.payload,
    mimeType: `${media.type}/${rtp.codec}`,
    clockRate: rtp.rate ?? 0,
    channels: rtp.encoding ? Number(rtp.encoding) : undefined,
    parameters: stringProfile(fmtpOf(media, rtp.payload)),
    rtcpFeedback: (media.rtcpFb ?? [])
      .filter((fb) => fb.payload === '*' || Number(fb.payload) === rtp.payload)
      .map((fb) => (fb.subtype ? { type: fb.type, parameter: fb.subtype } : { type: fb.type })),
  }));
}

const lower = (s: string) => s.toLowerCase();

/**
 * The codec we accept for an m-line, in order of preference: Opus for audio; H.264 packetization-mode 1
 * constrained baseline (records to MP4/HLS without re-encoding), then VP8, for video.
 */
function pickCodec(media: MediaSection, codecs: OfferedCodec[], router: types.RtpCapabilities): OfferedCodec | undefined {
  const supported = (c: OfferedCodec) => routerCodec(router, c) !== undefined;
  if (media.type === 'audio') return codecs.find((c) => lower(c.mimeType) === 'audio/opus' && c.clockRate === 48_000 && supported(c));
  const h264 = codecs.find(
    (c) =>
      lower(c.mimeType) === 'video/h264' &&
      Number(c.parameters['packetization-mode']) === 1 &&
      isConstrainedBaseline(String(c.parameters['profile-level-id'] ?? '')) &&
      supported(c),
  );
  return h264 ?? codecs.find((c) => lower(c.mimeType) === 'video/vp8' && supported(c));
}

/** The router's codec an offered one matches (mime type and clock rate), if the router has it. */
function routerCodec(router: types.RtpCapabilities, c: Pick<OfferedCodec, 'mimeType' | 'clockRate'>): types.RtpCodecCapability | undefined {
  return (router.codecs ?? []).find((r) => lower(r.mimeType) === lower(c.mimeType) && r.clockRate === c.clockRate);
}

/** Feedback both sides speak: what the offer lists for the codec and the router offers for it. */
function commonFeedback(offered: types.RtcpFeedback[], ours: types.RtcpFeedback[]): types.RtcpFeedback[] {
  return offered.filter((fb) => ours.some((o) => o.type === fb.type && (o.parameter ?? '') === (fb.parameter ?? '')));
}

function ssrcsOf(media: MediaSection): { encodings: types.RtpEncodingParameters[]; cname: string | undefined } {
  const ssrcs = [...new Set((media.ssrcs ?? []).map((s) => Number(s.id)))];
  const cname = (media.ssrcs ?? []).find((s) => s.attribute === 'cname')?.value;
  if (ssrcs.length === 0) throw bad(`m-line ${media.mid ?? '?'} has no a=ssrc (rid-only simulcast is not supported)`);
  const groups = media.ssrcGroups ?? [];
  const rtxOf = new Map<number, number>();
  for (const g of groups.filter((g) => g.semantics === 'FID')) {
    const [primary, rtx] = g.ssrcs.split(/\s+/).map(Number);
    if (primary && rtx) rtxOf.set(primary, rtx);
  }
  const sim = groups.find((g) => g.semantics === 'SIM');
  const primaries = sim ? sim.ssrcs.split(/\s+/).map(Number) : ssrcs.filter((s) => ![...rtxOf.values()].includes(s)).slice(0, 1);
  return {
    encodings: primaries.map((ssrc) => {
      const rtx = rtxOf.get(ssrc);
      return rtx ? { ssrc, rtx: { ssrc: rtx } } : { ssrc };
    }),
    cname,
  };
}

function trackOf(media: MediaSection, router: types.RtpCapabilities): WhipOfferTrack {
  const mid = String(media.mid);
  const kind = media.type as types.MediaKind;
  const codecs = offeredCodecs(media);
  const chosen = pickCodec(media, codecs, router);
  if (!chosen) {
    const names = [...new Set(codecs.map((c) => c.mimeType))].join(', ') || 'none';
    throw bad(`no supported ${kind} codec in m-line ${mid} (offered: ${names}; we take ${kind === 'audio' ? 'opus' : 'H264 packetization-mode=1 constrained baseline or VP8'})`);
  }
  const { encodings, cname } = ssrcsOf(media);
  const ours = routerCodec(router, chosen)!; // pickCodec only picks what the router has
  const main: types.RtpCodecParameters = {
    // The router's spelling ("video/H264", "audio/opus"): mediasoup compares case-insensitively, the answer reads better.
    mimeType: ours.mimeType,
    payloadType: chosen.payloadType,
    clockRate: chosen.clockRate,
    ...(kind === 'audio' ? { channels: chosen.channels ?? 2 } : {}),
    parameters: chosen.parameters,
    rtcpFeedback: commonFeedback(chosen.rtcpFeedback, ours.rtcpFeedback ?? []),
  };
  const rtxCodec = codecs.find((c) => lower(c.mimeType) === 'video/rtx' && Number(c.parameters.apt) === chosen.payloadType);
  const hasRtx = encodings.some((e) => e.rtx);
  const codecParams: types.RtpCodecParameters[] = [main];
  if (rtxCodec && hasRtx) {
    codecParams.push({ mimeType: 'video/rtx', payloadType: rtxCodec.payloadType, clockRate: rtxCodec.clockRate, parameters: { apt: chosen.payloadType } });
  }
  // The router's directions are its own: `recvonly` (transport-cc on audio) is still something a producer may send.
  const routerExtensions = (router.headerExtensions ?? []).filter((h) => h.kind === kind && h.direction !== 'sendonly' && h.direction !== 'inactive');
  const headerExtensions = (media.ext ?? [])
    .filter((e) => routerExtensions.some((h) => h.uri === e.uri))
    .map((e) => ({ uri: e.uri, id: e.value }));
  return {
    mid,
    kind,
    rtpParameters: {
      mid,
      codecs: codecParams,
      headerExtensions,
      encodings: rtxCodec && hasRtx ? encodings : encodings.map(({ ssrc }) => ({ ssrc })),
      rtcp: { cname, reducedSize: media.rtcpRsize !== undefined },
    },
  };
}

/**
 * Parses a WHIP offer: one BUNDLE group, shared ICE and DTLS for all m-lines, each m-line send-only (or sendrecv)
 * audio or video with its SSRCs. Throws BAD_REQUEST for anything we cannot take; an m-line whose codecs we do not
 * support is rejected as a whole offer, since a silent half-publish would surprise the operator.
 */
export function parseWhipOffer(offer: string, router: types.RtpCapabilities): WhipOffer {
  if (typeof offer !== 'string' || offer.length === 0) throw bad('empty body');
  if (offer.length > MAX_OFFER_BYTES) throw bad('too large');
  if (!/^v=0\r?\n/.test(offer)) throw bad('not an SDP session description (must start with v=0)');
  let session: sdpTransform.SessionDescription;
  try {
    session = sdpTransform.parse(offer);
  } catch (err) {
    throw bad(`unparsable (${err instanceof Error ? err.message.slice(0, 80) : 'invalid'})`);
  }
  const media = session.media ?? [];
  if (media.length === 0) throw bad('no m-lines');
  if (media.length > 4) throw bad('more than 4 m-lines');
  const bundle = session.groups?.find((g) => g.type === 'BUNDLE');
  if (media.length > 1 && !bundle) throw bad('several m-lines need a=group:BUNDLE');

  const first = media[0]!;
  const fingerprint = first.fingerprint ?? session.fingerprint;
  if (!fingerprint) throw bad('no a=fingerprint');
  const setup = first.setup ?? session.setup ?? 'actpass';
  if (setup === 'passive') throw bad('a=setup:passive is not supported (offer actpass or active)');
  if (!(first.iceUfrag ?? session.iceUfrag) || !(first.icePwd ?? session.icePwd)) throw bad('no a=ice-ufrag / a=ice-pwd');

  const sections: WhipOffer['sections'] = [];
  const mids = new Set<string>();
  for (const m of media) {
    if (m.mid === undefined || m.mid === '') throw bad('every m-line needs a=mid');
    const mid = String(m.mid);
    if (mids.has(mid)) throw bad(`duplicate mid ${mid}`);
    mids.add(mid);
    if (m.type !== 'audio' && m.type !== 'video') {
      sections.push({ mid, kind: m.type, track: undefined, rejection: `${m.type} m-lines are not taken` });
      continue;
    }
    if (m.direction === 'recvonly' || m.direction === 'inactive' || m.port === 0) {
      sections.push({ mid, kind: m.type, track: undefined, rejection: 'not sending' });
      continue;
    }
    if (!m.protocol.includes('SAVPF')) throw bad(`m-line ${mid} is not UDP/TLS/RTP/SAVPF`);
    sections.push({ mid, kind: m.type, track: trackOf(m, router) });
  }
  const tracks = sections.flatMap((s) => (s.track ? [s.track] : []));
  if (tracks.length === 0) throw bad('no audio or video being sent');
  if (tracks.filter((t) => t.kind === 'video').length > 2 || tracks.filter((t) => t.kind === 'audio').length > 2) {
    throw bad('at most two audio and two video m-lines');
  }
  return {
    sections,
    tracks,
    dtlsParameters: {
      // The remote's role: with actpass or active the publisher is the DTLS client and we answer passive.
      role: 'client',
      fingerprints: [{ algorithm: fingerprint.type.toLowerCase() as types.DtlsFingerprint['algorithm'], value: fingerprint.hash }],
    },
  };
}

/** The answer: ICE-lite, mediasoup's ICE credentials and candidates, our fingerprint with setup:passive, recvonly. */
export function buildWhipAnswer(offer: WhipOffer, transport: WhipTransportInfo): string {
  const fingerprint = transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256') ?? transport.dtlsParameters.fingerprints[0];
  if (!fingerprint) throw new ClassroomError('INTERNAL', 'transport has no DTLS fingerprint');
  const accepted = offer.sections.filter((s) => s.track).map((s) => s.mid);
  const candidates = transport.iceCandidates.map((c) => ({
    foundation: c.foundation,
    component: 1,
    transport: c.protocol,
    priority: c.priority,
    ip: c.ip,
    port: c.port,
    type: c.type,
    ...(c.tcpType ? { tcptype: c.tcpType } : {}),
  }));
  const media: sdpTransform.MediaDescription[] = offer.sections.map((s) => {
    if (!s.track) {
      return {
        type: s.kind,
        port: 0,
        protocol: 'UDP/TLS/RTP/SAVPF',
        payloads: '0',
        rtp: [],
        fmtp: [],
        mid: s.mid,
        direction: 'inactive',
      } as sdpTransform.MediaDescription;
    }
    const { rtpParameters } = s.track;
    const codecs = rtpParameters.codecs;
    return {
      type: s.kind,
      port: 9,
      protocol: 'UDP/TLS/RTP/SAVPF',
      payloads: codecs.map((c) => c.payloadType).join(' '),
      connection: { version: 4, ip: '0.0.0.0' },
      rtcp: { port: 9, netType: 'IN', ipVer: 4, address: '0.0.0.0' },
      iceUfrag: transport.iceParameters.usernameFragment,
      icePwd: transport.iceParameters.password,
      fingerprint: { type: fingerprint.algorithm, hash: fingerprint.value },
      setup: 'passive',
      mid: s.mid,
      direction: 'recvonly',
      rtcpMux: 'rtcp-mux',
      rtcpRsize: 'rtcp-rsize',
      candidates,
      endOfCandidates: 'end-of-candidates',
      ext: (rtpParameters.headerExtensions ?? []).map((h) => ({ value: h.id, uri: h.uri })),
      rtp: codecs.map((c) => ({
        payload: c.payloadType,
        codec: c.mimeType.split('/')[1]!,
        rate: c.clockRate,
        ...(c.channels && c.channels > 1 ? { encoding: c.channels } : {}),
      })),
      fmtp: codecs
        .filter((c) => c.parameters && Object.keys(c.parameters).length > 0)
        .map((c) => ({
          payload: c.payloadType,
          config: Object.entries(c.parameters!)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(';'),
        })),
      rtcpFb: codecs.flatMap((c) =>
        (c.rtcpFeedback ?? []).map((fb) => ({ payload: c.payloadType, type: fb.type, ...(fb.parameter ? { subtype: fb.parameter } : {}) })),
      ),
    } as sdpTransform.MediaDescription;
  });
  return sdpTransform.write({
    version: 0,
    origin: { username: '-', sessionId: Date.now(), sessionVersion: 1, netType: 'IN', ipVer: 4, address: '127.0.0.1' },
    name: '-',
    timing: { start: 0, stop: 0 },
    icelite: 'ice-lite',
    groups: accepted.length > 0 ? [{ type: 'BUNDLE', mids: accepted.join(' ') }] : [],
    msidSemantic: { semantic: 'WMS', token: '*' },
    media,
  } as sdpTransform.SessionDescription);
}
