import { z } from 'zod';
import { IdSchema, LessonSchema, ParticipantSchema, PublicationSchema, MediaSourceSchema, textField } from './domain.ts';
import { WireErrorSchema } from './errors.ts';
import type { Permission } from './permissions.ts';
import {
  ConsumerInfoSchema,
  DtlsParametersSchema,
  RtpCapabilitiesSchema,
  RtpParametersSchema,
  SpatialLayerSchema,
  TransportDirectionSchema,
  WebRtcTransportInfoSchema,
} from './media.ts';

/**
 * Client → server requests. Each entry names its payload schema, its ack data schema and the
 * permission the server checks before running it. The server registers every handler from this map,
 * so an event that is not here does not exist.
 */
export const clientRequests = {
  'lesson:join': {
    request: z.object({}).strict(),
    response: z.object({
      self: ParticipantSchema,
      lesson: LessonSchema,
      participants: z.array(ParticipantSchema),
      publications: z.array(PublicationSchema),
    }),
    permission: 'lesson:view',
  },
  'lesson:start': { request: z.object({}).strict(), response: LessonSchema, permission: 'lesson:control' },
  'lesson:end': { request: z.object({}).strict(), response: LessonSchema, permission: 'lesson:control' },
  'media:getRouterRtpCapabilities': {
    request: z.object({}).strict(),
    response: z.object({ rtpCapabilities: RtpCapabilitiesSchema }),
    permission: 'media:consume',
  },
  'media:createTransport': {
    request: z.object({ direction: TransportDirectionSchema }).strict(),
    response: WebRtcTransportInfoSchema,
    permission: 'media:consume',
  },
  'media:connectTransport': {
    request: z.object({ transportId: IdSchema, dtlsParameters: DtlsParametersSchema }).strict(),
    response: z.object({}),
    permission: 'media:consume',
  },
  'media:produce': {
    request: z
      .object({
        transportId: IdSchema,
        kind: z.enum(['audio', 'video']),
        rtpParameters: RtpParametersSchema,
        source: MediaSourceSchema,
        label: textField(40),
      })
      .strict(),
    response: z.object({ producerId: IdSchema }),
    permission: 'media:publish',
  },
  'media:closeProducer': { request: z.object({ producerId: IdSchema }).strict(), response: z.object({}), permission: 'media:publish' },
  'media:consume': {
    request: z.object({ transportId: IdSchema, producerId: IdSchema, rtpCapabilities: RtpCapabilitiesSchema }).strict(),
    response: ConsumerInfoSchema,
    permission: 'media:consume',
  },
  'media:resumeConsumer': { request: z.object({ consumerId: IdSchema }).strict(), response: z.object({}), permission: 'media:consume' },
  'media:setPreferredLayers': {
    request: z.object({ consumerId: IdSchema, spatialLayer: SpatialLayerSchema }).strict(),
    response: z.object({}),
    permission: 'media:consume',
  },
} as const satisfies Record<string, { request: z.ZodType; response: z.ZodType; permission: Permission }>;

export type ClientRequestName = keyof typeof clientRequests;
export type RequestOf<N extends ClientRequestName> = z.infer<(typeof clientRequests)[N]['request']>;
export type ResponseOf<N extends ClientRequestName> = z.infer<(typeof clientRequests)[N]['response']>;

export const ackSchema = <T extends z.ZodType>(data: T) =>
  z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), data }), z.object({ ok: z.literal(false), error: WireErrorSchema })]);
export type Ack<T> = { ok: true; data: T } | { ok: false; error: z.infer<typeof WireErrorSchema> };

/** Server → client pushes. */
export const serverEvents = {
  'lesson:state': LessonSchema,
  'participant:joined': ParticipantSchema,
  'participant:updated': ParticipantSchema,
  'participant:left': z.object({ participantId: IdSchema }),
  'media:publicationAdded': PublicationSchema,
  'media:publicationRemoved': z.object({ producerId: IdSchema }),
  'media:consumerClosed': z.object({ consumerId: IdSchema }),
  /** The server dropped this session (lesson ended, kicked, token expired). */
  'session:closed': z.object({ reason: z.enum(['lesson_ended', 'replaced', 'token_expired', 'server_shutdown']) }),
} as const satisfies Record<string, z.ZodType>;
export type ServerEventName = keyof typeof serverEvents;

export type ClientToServerEvents = {
  [N in ClientRequestName]: (payload: RequestOf<N>, ack: (res: Ack<ResponseOf<N>>) => void) => void;
};
export type ServerToClientEvents = {
  [N in ServerEventName]: (payload: z.infer<(typeof serverEvents)[N]>) => void;
};

/** The join token travels in the socket.io handshake `auth` field. */
export const HandshakeAuthSchema = z.object({
  token: z.string().min(10).max(4096),
  /** The lesson the page was opened for; a token for another lesson is refused. */
  lessonId: IdSchema.optional(),
});
