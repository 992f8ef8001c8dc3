import { z } from 'zod';
import { IdSchema, LessonSchema, ParticipantSchema, PublicationSchema, MediaSourceSchema, textField } from './domain.ts';
import {
  AttendanceSchema,
  ChatMessageSchema,
  ChatSendSchema,
  CommentSchema,
  HealthReportSchema,
  MuteRequestSchema,
  OptionIdSchema,
  ParticipantHealthSchema,
  PrivateMessageSchema,
  QuizAnswerSchema,
  QuizLaunchSchema,
  QuizResultsSchema,
  QuizSchema,
  ReactionSchema,
  StageStateSchema,
  TimelineEventSchema,
} from './interaction.ts';
import { WireErrorSchema } from './errors.ts';
import { RECORDING_PHASES } from './recording.ts';
import type { Permission } from './permissions.ts';
import {
  ConsumerInfoSchema,
  DtlsParametersSchema,
  IceParametersSchema,
  IpAddressSchema,
  PlainReceiverSrtpSchema,
  RtpCapabilitiesSchema,
  RtpParametersSchema,
  SpatialLayerSchema,
  SrtpParametersSchema,
  TransportDirectionSchema,
  UnprivilegedPortSchema,
  WebRtcTransportInfoSchema,
} from './media.ts';

/**
 * Client → server requests. Each entry names its payload schema, its ack data schema and the
 * permission the server checks before running it. The server registers every handler from this map,
 * so an event that is not here does not exist.
 */
export const clientRequests = {
  'lesson:join': {
    request: z
      .object({
        /**
         * Take over one's own participant after a dropped connection (the key from the last join's answer), keeping
         * its stage, hand and media. `restartMedia` also throws its media away server-side, for a client that
         * rebuilds its transports from scratch (a full rejoin after ICE restarts failed).
         */
        resume: z.object({ key: z.string().min(16).max(128), restartMedia: z.boolean().optional() }).strict().optional(),
      })
      .strict(),
    response: z.object({
      self: ParticipantSchema,
      lesson: LessonSchema,
      participants: z.array(ParticipantSchema),
      publications: z.array(PublicationSchema),
      stage: StageStateSchema,
      chat: z.object({ enabled: z.boolean(), recent: z.array(ChatMessageSchema) }),
      /** The open or last quiz, if any. */
      quiz: QuizSchema.nullable(),
      /** Only for roles with comment:read. */
      comments: z.array(CommentSchema),
      /** Only for roles with attendance:view: one entry per paired classroom. */
      attendance: z.array(AttendanceSchema),
      /** The studio angle the master directed every room to (导播), if any; late joiners show it large. */
      directedAngle: IdSchema.nullable().optional(),
      /** Secret to present as `resume.key` after a dropped connection; valid for this participant only. */
      resumeKey: z.string().min(16).max(128),
      /**
       * Set when this join resumed the participant with its media kept: the consumers and producers that still exist
       * at the SFU, so the client drops whatever ended while it was away. Null on a fresh join or a media restart.
       */
      resumed: z.object({ consumerIds: z.array(IdSchema), producerIds: z.array(IdSchema) }).nullable(),
    }),
    permission: 'lesson:view',
  },
  /**
   * A fresh join token with the same claims, while the current one is still valid: a lesson may outlast a token, and
   * the server closes a session whose token runs out (session:closed token_expired). Later reconnects present it.
   */
  'session:refresh': {
    request: z.object({}).strict(),
    response: z.object({ token: z.string().min(10).max(4096), expiresAt: z.iso.datetime() }),
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
  /**
   * A receive transport for a classroom's hardware decoder box: the SFU sends SRTP over plain UDP (RTP and RTCP on
   * one port) to `ip:port`, encrypted for the box's key, and answers with its own key for the box to decrypt with.
   * `ip` must be the address this socket connects from, so nobody can aim lesson media at a third party. Consume on
   * it with `media:consume` like any receive transport (rate-limited).
   */
  'media:createPlainReceiver': {
    request: z.object({ ip: IpAddressSchema, port: UnprivilegedPortSchema, srtpParameters: PlainReceiverSrtpSchema }).strict(),
    response: z.object({ transportId: IdSchema, srtpParameters: SrtpParametersSchema }),
    permission: 'media:consume',
  },
  /** New ICE credentials for one of one's own transports after its media path failed (rate-limited). */
  'media:restartIce': {
    request: z.object({ transportId: IdSchema }).strict(),
    response: z.object({ iceParameters: IceParametersSchema }),
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
    // Which of these applies (studio, room device, student on stage) is decided by the handler.
    permission: ['media:publish', 'media:publishRoom', 'media:publishStage'],
  },
  'media:closeProducer': {
    request: z.object({ producerId: IdSchema }).strict(),
    response: z.object({}),
    permission: ['media:publish', 'media:publishRoom', 'media:publishStage'],
  },
  /** Self mute / unmute of one's own publication; refused while a teacher holds it hard-muted. */
  'media:setPaused': {
    request: z.object({ producerId: IdSchema, paused: z.boolean() }).strict(),
    response: PublicationSchema,
    permission: ['media:publish', 'media:publishRoom', 'media:publishStage'],
  },
  'media:consume': {
    request: z.object({ transportId: IdSchema, producerId: IdSchema, rtpCapabilities: RtpCapabilitiesSchema }).strict(),
    response: ConsumerInfoSchema,
    permission: 'media:consume',
  },
  'media:resumeConsumer': { request: z.object({ consumerId: IdSchema }).strict(), response: z.object({}), permission: 'media:consume' },
  /** Stop or restart forwarding to this viewer (wall tiles paged out of view), without renegotiating. */
  'media:setConsumerPaused': {
    request: z.object({ consumerId: IdSchema, paused: z.boolean() }).strict(),
    response: z.object({}),
    permission: 'media:consume',
  },
  'media:setPreferredLayers': {
    request: z.object({ consumerId: IdSchema, spatialLayer: SpatialLayerSchema }).strict(),
    response: z.object({}),
    permission: 'media:consume',
  },
  'health:report': { request: HealthReportSchema, response: z.object({}), permission: 'lesson:view' },

  'hand:raise': { request: z.object({}).strict(), response: ParticipantSchema, permission: 'hand:raise' },
  /** Lower one's own hand, or (stage:manage) anyone's. */
  'hand:lower': { request: z.object({ participantId: IdSchema.optional() }).strict(), response: ParticipantSchema, permission: 'lesson:view' },
  'stage:invite': { request: z.object({ participantId: IdSchema }).strict(), response: StageStateSchema, permission: 'stage:manage' },
  'stage:remove': { request: z.object({ participantId: IdSchema }).strict(), response: StageStateSchema, permission: 'stage:manage' },
  'participant:mute': { request: MuteRequestSchema, response: z.object({ publications: z.array(PublicationSchema) }), permission: 'participant:mute' },

  'quiz:launch': { request: QuizLaunchSchema, response: QuizSchema, permission: 'quiz:manage' },
  'quiz:answer': { request: QuizAnswerSchema, response: z.object({ accepted: z.literal(true) }), permission: 'quiz:answer' },
  'quiz:close': { request: z.object({ quizId: IdSchema }).strict(), response: QuizResultsSchema, permission: 'quiz:manage' },
  'quiz:reveal': { request: z.object({ quizId: IdSchema }).strict(), response: QuizResultsSchema, permission: 'quiz:manage' },
  'quiz:results': { request: z.object({ quizId: IdSchema }).strict(), response: QuizResultsSchema, permission: 'quiz:results' },

  'chat:send': { request: ChatSendSchema, response: ChatMessageSchema, permission: 'chat:send' },
  'chat:delete': { request: z.object({ messageId: IdSchema }).strict(), response: z.object({}), permission: 'chat:moderate' },
  'chat:setEnabled': { request: z.object({ enabled: z.boolean() }).strict(), response: z.object({ enabled: z.boolean() }), permission: 'chat:moderate' },
  'reaction:send': { request: z.object({ reaction: ReactionSchema }).strict(), response: z.object({}), permission: 'reaction:send' },
  'message:toMaster': { request: z.object({ text: textField(500) }).strict(), response: PrivateMessageSchema, permission: 'message:toMaster' },

  'attendance:record': {
    request: z.object({ present: z.number().int().min(0).max(500) }).strict(),
    response: AttendanceSchema,
    permission: 'attendance:record',
  },
  'attendance:checkIn': { request: z.object({}).strict(), response: z.object({ at: z.iso.datetime() }), permission: 'attendance:checkIn' },
  'comment:add': { request: z.object({ text: textField(1000) }).strict(), response: CommentSchema, permission: 'comment:write' },
  'lesson:markKnowledgePoint': {
    request: z.object({ knowledgePoint: textField(60) }).strict(),
    response: TimelineEventSchema,
    permission: 'lesson:control',
  },
  'timeline:list': { request: z.object({}).strict(), response: z.array(TimelineEventSchema), permission: 'timeline:view' },
  /** Pause or resume the lesson recording; paused stretches are cut from the published replay. */
  'recording:setPaused': {
    request: z.object({ paused: z.boolean() }).strict(),
    response: z.object({ paused: z.boolean() }),
    permission: 'lesson:control',
  },
  /**
   * 导播: switch every room's and student's large view to one studio video angle (a live studio video
   * publication of this lesson), or `null` to stop directing. Viewers may switch away afterwards.
   */
  'angle:direct': {
    request: z.object({ producerId: IdSchema.nullable() }).strict(),
    response: z.object({ producerId: IdSchema.nullable() }),
    permission: 'lesson:control',
  },
} as const satisfies Record<string, { request: z.ZodType; response: z.ZodType; permission: Permission | readonly Permission[] }>;

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
  /** Everything this client had at the SFU is gone (its media worker died): build new transports and start over. */
  'media:reset': z.object({ reason: z.string().max(200) }),
  'media:publicationUpdated': PublicationSchema,
  'participant:health': ParticipantHealthSchema,
  'stage:state': StageStateSchema,
  'quiz:launched': QuizSchema,
  /** Live counts, to roles with quiz:results, as answers arrive. */
  'quiz:results': QuizResultsSchema,
  'quiz:closed': z.object({ quizId: IdSchema }),
  /** To one classroom when its room answer is in, so its big screen and console show 已作答 before the reveal. */
  'quiz:roomAnswered': z.object({ quizId: IdSchema, classroomId: IdSchema, choice: z.array(OptionIdSchema) }),
  /** To everyone at reveal: the quiz with `correct`, and the results. */
  'quiz:revealed': z.object({ quiz: QuizSchema, results: QuizResultsSchema }),
  'chat:message': ChatMessageSchema,
  'chat:deleted': z.object({ messageId: IdSchema }),
  'chat:state': z.object({ enabled: z.boolean() }),
  'reaction': z.object({ participantId: IdSchema, reaction: ReactionSchema }),
  'message:private': PrivateMessageSchema,
  'comment:added': CommentSchema,
  'attendance:updated': AttendanceSchema,
  'timeline:event': TimelineEventSchema,
  /** The lesson recording's phase, to everyone in the lesson ('off' when nothing is recorded). */
  'recording:state': z.object({ phase: z.enum([...RECORDING_PHASES, 'off']) }),
  /** 导播: the studio angle everyone's large view switches to (null: no longer directed, e.g. the angle left). */
  'angle:directed': z.object({ producerId: IdSchema.nullable(), by: IdSchema.nullable() }),
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
