import { z } from 'zod';
import { IdSchema, MediaKindSchema } from './domain.ts';
import type { RpcService } from './rpc-link/contract.ts';
import {
  ConsumerInfoSchema,
  DtlsParametersSchema,
  IceParametersSchema,
  IpAddressSchema,
  RtpCapabilitiesSchema,
  RtpParametersSchema,
  SpatialLayerSchema,
  SrtpParametersSchema,
  TransportDirectionSchema,
  UnprivilegedPortSchema,
  WebRtcTransportInfoSchema,
} from './media.ts';

/**
 * Internal RPC: signaling → sfu-server. Every call names the lesson and the participant it acts for,
 * and the SFU checks that any transport/producer/consumer id named belongs to that participant, so a
 * bug in signaling cannot let one participant touch another's media objects.
 */
const Owner = { lessonId: IdSchema, participantId: IdSchema };
const PipeLinkId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/);
const PipeEndpoint = z.object({ ip: IpAddressSchema, port: z.number().int().min(1).max(65535), srtpParameters: SrtpParametersSchema });
const Ssrc = z.number().int().min(1).max(0xffffffff);
const Empty = z.object({});

export const sfuRpcMethods = {
  'router.ensure': { params: z.object({ lessonId: IdSchema }), result: z.object({ rtpCapabilities: RtpCapabilitiesSchema }) },
  'router.close': { params: z.object({ lessonId: IdSchema }), result: Empty },
  'participant.close': { params: z.object(Owner), result: Empty },
  'transport.createWebRtc': {
    params: z.object({ ...Owner, direction: TransportDirectionSchema }),
    result: WebRtcTransportInfoSchema,
  },
  /**
   * Plain RTP out to a fixed `remote`: a recording tap (the recorder's ffmpeg, RTCP on `rtcpPort`) or a classroom
   * decoder box (RTCP muxed when `rtcpPort` is left out; SRTP with the box's key when `srtpParameters` is given, and
   * then the SFU's own key comes back).
   */
  'transport.createPlainRecv': {
    params: z.object({
      ...Owner,
      remote: z.object({
        ip: IpAddressSchema,
        rtpPort: UnprivilegedPortSchema,
        rtcpPort: UnprivilegedPortSchema.optional(),
        srtpParameters: SrtpParametersSchema.optional(),
      }),
    }),
    result: z.object({ transportId: IdSchema, srtpParameters: SrtpParametersSchema.optional() }),
  },
  /** Fresh ICE username/password for a WebRTC transport; the client restarts ICE with them. */
  'transport.restartIce': { params: z.object({ ...Owner, transportId: IdSchema }), result: z.object({ iceParameters: IceParametersSchema }) },
  'transport.connect': { params: z.object({ ...Owner, transportId: IdSchema, dtlsParameters: DtlsParametersSchema }), result: Empty },
  'producer.create': {
    params: z.object({ ...Owner, transportId: IdSchema, kind: MediaKindSchema, rtpParameters: RtpParametersSchema }),
    result: z.object({ producerId: IdSchema, simulcastLayers: z.number().int().min(1).max(3) }),
  },
  'producer.close': { params: z.object({ ...Owner, producerId: IdSchema }), result: Empty },
  /** Pausing at the SFU is what makes a hard mute hard: no packets leave the producer whatever the client does. */
  'producer.setPaused': { params: z.object({ ...Owner, producerId: IdSchema, paused: z.boolean() }), result: Empty },
  /**
   * Plain RTP ingest (comedia): the SFU opens one UDP port per track and creates a producer for each. A video track
   * with 2–3 SSRCs (lowest rendition first) is a simulcast producer fed by a multi-rendition encoder.
   */
  'ingest.createPlainRtp': {
    params: z.object({
      ...Owner,
      tracks: z
        .array(
          z.object({
            kind: MediaKindSchema,
            mimeType: z.enum(['video/VP8', 'video/H264', 'audio/opus']),
            payloadType: z.number().int().min(96).max(127),
            ssrcs: z.array(Ssrc).min(1).max(3),
          }),
        )
        .min(1)
        .max(4),
    }),
    result: z.object({
      tracks: z.array(
        z.object({ producerId: IdSchema, kind: MediaKindSchema, ip: z.string(), port: z.number().int(), simulcastLayers: z.number().int().min(1).max(3) }),
      ),
    }),
  },
  /**
   * WHIP ingest (RFC 9725): the publisher's SDP offer in, the SDP answer out. The SFU makes one WebRtcTransport
   * (ICE-lite, DTLS passive) and one producer per accepted m-line for this participant.
   */
  'whip.publish': {
    params: z.object({ ...Owner, offer: z.string().min(1).max(64 * 1024) }),
    result: z.object({
      answer: z.string(),
      tracks: z.array(z.object({ producerId: IdSchema, kind: MediaKindSchema, mid: z.string() })).min(1).max(4),
    }),
  },
  'consumer.create': {
    params: z.object({
      ...Owner,
      transportId: IdSchema,
      producerId: IdSchema,
      rtpCapabilities: RtpCapabilitiesSchema,
      /** Share of a congested viewer's bitrate (1–255, higher first); see signaling's bandwidth policy. */
      priority: z.number().int().min(1).max(255).optional(),
    }),
    result: ConsumerInfoSchema,
  },
  'consumer.resume': { params: z.object({ ...Owner, consumerId: IdSchema }), result: Empty },
  /** Signaling closes consumers a participant may no longer receive (a classroom leaving the stage). */
  /** A viewer stops (or restarts) receiving a track it keeps, e.g. a wall thumbnail paged out of view. */
  'consumer.setPaused': { params: z.object({ ...Owner, consumerId: IdSchema, paused: z.boolean() }), result: Empty },
  'consumer.close': { params: z.object({ ...Owner, consumerId: IdSchema }), result: Empty },
  'consumer.requestKeyFrame': { params: z.object({ ...Owner, consumerId: IdSchema }), result: Empty },
  'consumer.setPreferredLayers': { params: z.object({ ...Owner, consumerId: IdSchema, spatialLayer: SpatialLayerSchema }), result: Empty },
  /*
   * Cascade between SFU nodes. Signaling names a link per node pair and lesson, opens both ends, connects each to
   * the other, then for every producer a viewer on the far node needs: `pipe.send` here, `pipe.receive` there.
   */
  'pipe.open': { params: z.object({ lessonId: IdSchema, linkId: PipeLinkId }), result: PipeEndpoint },
  'pipe.connect': { params: z.object({ lessonId: IdSchema, linkId: PipeLinkId, remote: PipeEndpoint }), result: Empty },
  'pipe.send': {
    params: z.object({ lessonId: IdSchema, linkId: PipeLinkId, producerId: IdSchema }),
    result: z.object({ kind: MediaKindSchema, rtpParameters: RtpParametersSchema, paused: z.boolean() }),
  },
  'pipe.receive': {
    params: z.object({ lessonId: IdSchema, linkId: PipeLinkId, producerId: IdSchema, kind: MediaKindSchema, rtpParameters: RtpParametersSchema, paused: z.boolean() }),
    result: Empty,
  },
  /** The origin producer paused, resumed or closed: the received copy follows. */
  'pipe.setReceivedPaused': { params: z.object({ lessonId: IdSchema, producerId: IdSchema, paused: z.boolean() }), result: Empty },
  'pipe.closeReceived': { params: z.object({ lessonId: IdSchema, producerId: IdSchema }), result: Empty },
  'pipe.close': { params: z.object({ lessonId: IdSchema, linkId: PipeLinkId }), result: Empty },
  'worker.list': {
    params: Empty,
    result: z.object({ workers: z.array(z.object({ pid: z.number().int(), routers: z.number().int(), restarts: z.number().int() })) }),
  },
} as const satisfies Record<string, { params: z.ZodType; result: z.ZodType }>;

export type SfuRpcMethod = keyof typeof sfuRpcMethods;
export type SfuRpcParams<M extends SfuRpcMethod> = z.infer<(typeof sfuRpcMethods)[M]['params']>;
export type SfuRpcResult<M extends SfuRpcMethod> = z.infer<(typeof sfuRpcMethods)[M]['result']>;

/** sfu-server → signaling notifications, so signaling can tell clients when media objects go away on their own. */
export const sfuNotifications = {
  'consumer.closed': z.object({ lessonId: IdSchema, participantId: IdSchema, consumerId: IdSchema, reason: z.string() }),
  'producer.closed': z.object({ lessonId: IdSchema, participantId: IdSchema, producerId: IdSchema, reason: z.string() }),
  /** A worker died and was replaced; every router on it is gone and its lessons must re-establish media. */
  'router.closed': z.object({ lessonId: IdSchema, reason: z.string() }),
} as const satisfies Record<string, z.ZodType>;
export type SfuNotificationName = keyof typeof sfuNotifications;
export type SfuNotification<N extends SfuNotificationName> = z.infer<(typeof sfuNotifications)[N]>;


export const sfuService = {
  name: 'sfu',
  path: '/sfu-rpc',
  methods: sfuRpcMethods,
  notifications: sfuNotifications,
} as const satisfies RpcService<typeof sfuRpcMethods, typeof sfuNotifications>;
