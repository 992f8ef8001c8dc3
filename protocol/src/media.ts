import { z } from 'zod';

/*
 * WebRTC parameter shapes exchanged with mediasoup-client. We validate the structure
 * that the SFU relies on and bound every array; the SFU itself validates the rest.
 */
const boundedRecord = z.record(z.string().max(64), z.unknown()).refine((r) => Object.keys(r).length <= 32, 'too many keys');

export const RtpCodecSchema = z.looseObject({
  mimeType: z.string().max(64),
  payloadType: z.number().int().min(0).max(127),
  clockRate: z.number().int().positive(),
  channels: z.number().int().positive().max(8).optional(),
  parameters: boundedRecord.optional(),
  rtcpFeedback: z.array(z.looseObject({ type: z.string().max(32), parameter: z.string().max(32).optional() })).max(16).optional(),
});

export const RtpEncodingSchema = z.looseObject({
  ssrc: z.number().int().nonnegative().optional(),
  rid: z.string().max(16).optional(),
  scalabilityMode: z.string().max(16).optional(),
  maxBitrate: z.number().int().positive().optional(),
  scaleResolutionDownBy: z.number().positive().optional(),
  dtx: z.boolean().optional(),
});

export const RtpParametersSchema = z.looseObject({
  mid: z.string().max(32).optional(),
  codecs: z.array(RtpCodecSchema).min(1).max(16),
  headerExtensions: z.array(z.looseObject({ uri: z.string().max(200), id: z.number().int() })).max(24).optional(),
  encodings: z.array(RtpEncodingSchema).max(8).optional(),
  rtcp: z.looseObject({ cname: z.string().max(64).optional(), reducedSize: z.boolean().optional() }).optional(),
});
export type RtpParametersWire = z.infer<typeof RtpParametersSchema>;

export const RtpCapabilitiesSchema = z.looseObject({
  codecs: z.array(z.looseObject({ mimeType: z.string().max(64), kind: z.string().max(8), clockRate: z.number().int() })).max(64).optional(),
  headerExtensions: z.array(z.looseObject({ uri: z.string().max(200) })).max(64).optional(),
});
export type RtpCapabilitiesWire = z.infer<typeof RtpCapabilitiesSchema>;

/**
 * A receiver that sends no transport-cc or abs-send-time feedback (a classroom decoder box) consumes with the
 * router's capabilities minus those header extensions: otherwise the SFU runs a bandwidth estimate for it that no
 * feedback ever reaches, which costs CPU per packet and can hold the receiver to a low simulcast layer.
 */
export function withoutFeedbackExtensions<C extends RtpCapabilitiesWire>(capabilities: C): C {
  const feedback = /transport-wide-cc|abs-send-time/;
  return { ...capabilities, headerExtensions: capabilities.headerExtensions?.filter((e) => !feedback.test(e.uri)) ?? [] };
}

export const DtlsParametersSchema = z.looseObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z.array(z.object({ algorithm: z.string().max(16), value: z.string().max(200) })).min(1).max(8),
});
export type DtlsParametersWire = z.infer<typeof DtlsParametersSchema>;

export const IceParametersSchema = z.looseObject({ usernameFragment: z.string(), password: z.string(), iceLite: z.boolean().optional() });
export const IceCandidateSchema = z.looseObject({
  foundation: z.string(),
  priority: z.number(),
  ip: z.string(),
  port: z.number().int(),
  protocol: z.enum(['udp', 'tcp']),
  type: z.string(),
  tcpType: z.string().optional(),
});

/** A pipe link's SRTP keys (node ↔ node cascade); mediasoup's own shape. */
export const SrtpParametersSchema = z.object({ cryptoSuite: z.string().min(1).max(64), keyBase64: z.string().min(1).max(200) });
export type SrtpParametersWire = z.infer<typeof SrtpParametersSchema>;

/**
 * The SRTP suite a plain receiver (a classroom's hardware decoder box) speaks: RFC 3711's default, which every
 * decoder with SRTP implements. The key is 16 bytes of master key and 14 of salt, base64 (40 characters).
 */
export const PLAIN_RECEIVER_CRYPTO_SUITE = 'AES_CM_128_HMAC_SHA1_80';
export const PlainReceiverSrtpSchema = z
  .object({ cryptoSuite: z.literal(PLAIN_RECEIVER_CRYPTO_SUITE), keyBase64: z.string().regex(/^[A-Za-z0-9+/]{40}$/, '30 bytes of base64') })
  .strict();

/** Where a plain RTP/SRTP stream goes: an address and an unprivileged port. */
export const IpAddressSchema = z.union([z.ipv4(), z.ipv6()]);
export const UnprivilegedPortSchema = z.number().int().min(1024).max(65535);

export const TransportDirectionSchema = z.enum(['send', 'recv']);
export type TransportDirection = z.infer<typeof TransportDirectionSchema>;

/** An RTCIceServer: a TURN relay with time-limited REST credentials (coturn `use-auth-secret`). */
export const IceServerSchema = z.object({
  urls: z.array(z.string().regex(/^turns?:/)).min(1),
  username: z.string(),
  credential: z.string(),
});
export type IceServer = z.infer<typeof IceServerSchema>;

export const WebRtcTransportInfoSchema = z.object({
  id: z.string(),
  iceParameters: IceParametersSchema,
  iceCandidates: z.array(IceCandidateSchema),
  dtlsParameters: DtlsParametersSchema,
  /** Added by signaling when TURN is configured, for networks where the SFU's own candidates are unreachable. */
  iceServers: z.array(IceServerSchema).optional(),
});
export type WebRtcTransportInfo = z.infer<typeof WebRtcTransportInfoSchema>;

export const ConsumerInfoSchema = z.object({
  consumerId: z.string(),
  producerId: z.string(),
  kind: z.enum(['audio', 'video']),
  rtpParameters: RtpParametersSchema,
  type: z.string(),
  producerPaused: z.boolean(),
});
export type ConsumerInfo = z.infer<typeof ConsumerInfoSchema>;

/** Which simulcast layer a viewer wants: 0 = lowest. */
export const SpatialLayerSchema = z.number().int().min(0).max(2);
