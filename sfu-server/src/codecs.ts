import { parseScalabilityMode, type types } from 'mediasoup';
import type { SfuRpcParams } from '@dualclass/protocol';

export type IngestTrack = SfuRpcParams<'ingest.createPlainRtp'>['tracks'][number];

// Baseline constrained H264 (42e01f) is the profile every browser decodes in hardware; classroom room
// devices are often set-top boxes that cannot decode VP8 in real time.
const H264_PARAMETERS = { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 };

/** The codecs every lesson router offers. Opus covers speech and classroom sound; VP8 and H264 cover every browser. */
export const ROUTER_MEDIA_CODECS: types.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48_000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90_000, parameters: { 'x-google-start-bitrate': 1000 } },
  { kind: 'video', mimeType: 'video/H264', clockRate: 90_000, parameters: H264_PARAMETERS },
];

// Lets the SFU ask an RTP encoder for keyframes and retransmissions; encoders that ignore RTCP (ffmpeg) are unaffected.
const VIDEO_FEEDBACK: types.RtcpFeedback[] = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }];

/**
 * What a plain-RTP sender must match: one codec and known SSRCs, since there is no SDP negotiation on ingest. Several
 * SSRCs are simulcast renditions, lowest first, which is the order mediasoup numbers spatial layers in.
 */
export function ingestRtpParameters(track: IngestTrack): types.RtpParameters {
  const base = { payloadType: track.payloadType };
  const codec: types.RtpCodecParameters =
    track.mimeType === 'audio/opus'
      ? { ...base, mimeType: 'audio/opus', clockRate: 48_000, channels: 2 }
      : track.mimeType === 'video/VP8'
        ? { ...base, mimeType: 'video/VP8', clockRate: 90_000, rtcpFeedback: VIDEO_FEEDBACK }
        : { ...base, mimeType: 'video/H264', clockRate: 90_000, parameters: H264_PARAMETERS, rtcpFeedback: VIDEO_FEEDBACK };
  return { codecs: [codec], encodings: track.ssrcs.map((ssrc) => ({ ssrc })) };
}

/** The kind a codec carries, so a track cannot claim `video` while sending Opus. */
export function kindOfMimeType(mimeType: IngestTrack['mimeType']): types.MediaKind {
  return mimeType.startsWith('audio/') ? 'audio' : 'video';
}

/** Simulcast/SVC layer counts from a producer's encodings: 1–3 spatial layers as the contract reports them. */
export function spatialLayerCount(rtpParameters: types.RtpParameters): number {
  const encodings = rtpParameters.encodings ?? [];
  const first = encodings[0];
  // SVC carries its layers inside one encoding (e.g. L3T3); simulcast has one encoding per layer.
  const layers = encodings.length === 1 && first?.scalabilityMode ? parseScalabilityMode(first.scalabilityMode).spatialLayers : encodings.length;
  return Math.min(Math.max(layers, 1), 3);
}

/** Highest temporal layer a consumer can receive, so a preferred spatial layer comes at full frame rate. */
export function highestTemporalLayer(rtpParameters: types.RtpParameters): number {
  const mode = rtpParameters.encodings?.[0]?.scalabilityMode;
  return mode ? parseScalabilityMode(mode).temporalLayers - 1 : 0;
}

