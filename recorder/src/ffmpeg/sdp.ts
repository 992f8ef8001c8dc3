import type { RtpParametersWire } from '@dualclass/protocol';
import { ClassroomError } from '@dualclass/protocol';

/** What ffmpeg needs to know about one tapped track, read from the SFU consumer's own RTP parameters. */
export interface TapCodec {
  kind: 'audio' | 'video';
  mimeType: string;
  payloadType: number;
  clockRate: number;
  channels: number | undefined;
  fmtp: string;
}

/** The consumer's media codec: the first one that is not a retransmission/FEC format. */
export function tapCodec(kind: 'audio' | 'video', rtp: RtpParametersWire): TapCodec {
  const codec = rtp.codecs.find((c) => !/\/(rtx|red|ulpfec|flexfec)$/i.test(c.mimeType));
  if (!codec) throw new ClassroomError('BAD_REQUEST', 'consumer has no media codec');
  const fmtp = Object.entries(codec.parameters ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(';');
  return { kind, mimeType: codec.mimeType, payloadType: codec.payloadType, clockRate: codec.clockRate, channels: codec.channels, fmtp };
}

/** Container for a track's raw segments and per-track outputs: H.264 goes to MP4, VP8 to WebM, Opus rides along. */
export const isH264 = (codec: TapCodec) => codec.mimeType.toLowerCase() === 'video/h264';

/**
 * A receive-only SDP for one RTP stream on `port` (RTCP on port+1), in the consumer's payload type, so ffmpeg
 * needs no probing guesswork about what arrives.
 */
export function buildSdp(codec: TapCodec, ip: string, port: number): string {
  const family = ip.includes(':') ? 'IP6' : 'IP4';
  const encoding = codec.mimeType.split('/')[1];
  const rtpmap = `${codec.payloadType} ${encoding}/${codec.clockRate}${codec.kind === 'audio' && codec.channels ? `/${codec.channels}` : ''}`;
  return [
    'v=0',
    `o=- 0 0 IN ${family} ${ip}`,
    's=dualclass-recording',
    `c=IN ${family} ${ip}`,
    't=0 0',
    `m=${codec.kind} ${port} RTP/AVP ${codec.payloadType}`,
    `a=rtcp:${port + 1}`,
    `a=rtpmap:${rtpmap}`,
    ...(codec.fmtp ? [`a=fmtp:${codec.payloadType} ${codec.fmtp}`] : []),
    'a=recvonly',
    '',
  ].join('\r\n');
}
