import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { connectSfu, type SfuConnection } from './media/connect-sfu.ts';
import type { SignalingConfig } from './config.ts';
import { JoinTokens } from './auth/join-tokens.ts';
import { requireAdmin } from './auth/admin-auth.ts';
import { WhipTokens } from './auth/whip-tokens.ts';
import { WhipIngests, whipApi } from './whip/whip-api.ts';
import type { LessonStore } from './lessons/lesson-store.ts';
import { DbLessonStore } from './lessons/db-lesson-store.ts';
import { LessonService } from './lessons/lesson-service.ts';
import { createApp } from './http/app.ts';
import { restApi } from './http/rest-api.ts';
import { OriginPolicy } from './http/origin-policy.ts';
import { Broadcaster } from './realtime/broadcaster.ts';
import { DEFAULT_REQUEST_LIMIT, Dispatcher } from './realtime/dispatch.ts';
import { createHandlers } from './realtime/handlers/index.ts';
import { StageService } from './lessons/stage-service.ts';
import { Timeline, type TimelineStore } from './timeline/timeline.ts';
import { DbTimelineStore } from './timeline/db-timeline-store.ts';
import { Interactions } from './interaction/index.ts';
import type { LimiterFactory } from './interaction/flood-limit.ts';
import { openSharedState, type SharedState } from './state/shared-state.ts';
import { acceptParticipants, createSocketServer, endSession } from './realtime/socket-server.ts';
import { SessionRouting } from './cluster/session-routing.ts';
import { attachParticipant } from './realtime/handlers/lesson.ts';
import { ownerOperations } from './cluster/owner-operations.ts';
import { TokenExpiry } from './realtime/token-expiry.ts';
import { createFileStore, type FileStore } from '@dualclass/recorder/storage';
import { openDatabase, type Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { LibraryService } from './library/library-service.ts';
import { LibraryTokens } from './library/library-tokens.ts';
import { libraryApi } from './library/library-api.ts';
import { recorderService, type CreateIngest } from '@dualclass/protocol';
import { RpcClient } from '@dualclass/protocol/rpc-client';
import { RecordingCoordinator, type RecorderClient } from './recording/recording-coordinator.ts';
import { createMetricsRegistry, opsHandler } from '@dualclass/protocol/ops';
import { registerSignalingMetrics } from './ops/metrics.ts';
import { signalingReadiness } from './ops/readiness.ts';

export interface SignalingServer {
  port: number;
  url: string;
  adminApiKey: string;
  tokens: JoinTokens;
  lessons: LessonService;
  /** The resource library (资源库): the recording coordinator publishes into it. */
  library: LibraryService;
  libraryTokens: LibraryTokens;
  /** Where library files live (STORAGE_DIR or S3). */
  files: FileStore;
  close(): Promise<void>;
}

export async function startSignaling(
  config: SignalingConfig,
  options: {
    log?: Logger;
    /** A database the caller opened (and closes); by default one is opened from the config and closed with the server. */
    database?: Database;
    files?: FileStore;
    /** Rate limiters (requests per user, chat, reactions, ICE restarts); by default the shared state's (Redis with REDIS_URL). */
    limiters?: LimiterFactory;
  } = {},
): Promise<SignalingServer> {
  const log = options.log ?? pino({ level: config.logLevel, base: { service: 'signaling' } });
  const tokens = new JoinTokens(config.jwtSecret);
  const database = options.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const ownsDatabase = !options.database;
  // Lessons live in the database, so every node on one DATABASE_URL sees the same ones.
  const store = new DbLessonStore(database);
  let sfu: SfuConnection | undefined;
  let recorder: RecorderClient | undefined;
  let shared: SharedState | undefined;
  try {
    const applied = await migrate(database);
    if (applied.length) log.info({ applied, engine: database.engine }, 'database migrated');
    sfu = await connectSfu(config.sfuUrls, config.sfuRpcSecret, log, config.sfuDiscovery === 'redis' && config.redisUrl ? { redisUrl: config.redisUrl } : undefined);
    if (config.recorder) recorder = await RpcClient.connect(recorderService, config.recorder.url, config.recorder.secret, { timeoutMs: 10_000 });
    // Interaction records, rate limits and broadcasts: in this process, or in Redis when REDIS_URL is set.
    shared = await openSharedState(config.redisUrl, log);
  } catch (err) {
    sfu?.close();
    recorder?.close();
    if (ownsDatabase) await database.close();
    throw err;
  }
  const files = options.files ?? createFileStore(config.storage);
  const library = new LibraryService(database, files, log);
  const libraryTokens = new LibraryTokens(config.jwtSecret);

  const http = createServer();
  const origins = new OriginPolicy([...config.allowedOrigins, ...(config.publicUrl ? [new URL(config.publicUrl).origin] : [])]);
  const io = createSocketServer(http, origins);
  shared.attach(io);
  const broadcast = new Broadcaster(io);
  const timeline = new Timeline(new DbTimelineStore(database), broadcast);
  const lessons = new LessonService(store, sfu.api, broadcast, timeline, log, { resumeGraceMs: config.resumeGraceMs });
  // The studio (and encoder feeds, which have no roster entry yet when their media is made) stay on a lesson's home node.
  sfu.placeBy((lessonId, participantId) => lessons.registry.get(lessonId)?.participant(participantId)?.info.role ?? 'master_teacher');
  const stage = new StageService(lessons, broadcast, timeline, config.stageLimit);
  // Quiz, chat, attendance and comments; its constructor is owned by interaction/.
  const limiters = options.limiters ?? shared.limiters;
  const interaction = new Interactions({ store, lessons, broadcast, timeline, interactionStore: shared.interactionStore, limiters });
  lessons.onLessonEnd((lessonId) => interaction.closeLesson(lessonId));
  lessons.onLessonRestored((lessonId) => void interaction.quizzes.takeOver(lessonId));
  const recording =
    recorder && new RecordingCoordinator({
      recorder,
      lessons,
      library,
      timeline,
      comments: interaction.comments,
      broadcast,
      producerUrl: sfu.producerUrl,
      log: log.child({ component: 'recording' }),
    });
  const dispatcher = new Dispatcher(
    createHandlers({ lessons, stage, timeline, sfu: sfu.api, interaction, recording, limiters, tokens, turn: config.turn }),
    log,
    limiters(DEFAULT_REQUEST_LIMIT),
  );
  const routing = new SessionRouting({
    owners: shared.owners,
    bus: shared.bus,
    io,
    log: log.child({ component: 'session-routing' }),
    answer: (session, event, payloads) => dispatcher.answer(session, event, payloads),
    ended: (session, reason) => endSession(lessons, session, reason),
    // The socket's own node keeps its token deadline; the owner's stand-in never expires by itself.
    restoredParticipant: (claims, socketId) => {
      const participant = lessons.registry.get(claims.lessonId)?.participant(claims.sub);
      return participant && !participant.closed && participant.socketId === socketId ? participant : undefined;
    },
    rebind: async (session, participant) => {
      await attachParticipant(session, participant);
      lessons.updateParticipant(participant, { connection: 'connected' });
    },
    standIn: (claims, socket, remoteAddress) => ({
      claims,
      socket,
      remoteAddress,
      participant: undefined,
      expiry: new TokenExpiry(Number.POSITIVE_INFINITY, () => undefined),
    }),
  });
  acceptParticipants(io, { tokens, lessons, dispatcher, routing, log });
  // Changes to a live lesson that come over HTTP run where its sockets' requests run.
  const lessonOps = ownerOperations(shared.owners, shared.bus, {
    start: (lessonId: string) => lessons.start(lessonId),
    end: (lessonId: string) => lessons.end(lessonId),
    createIngest: (lessonId: string, input: CreateIngest) => lessons.createIngest(lessonId, input),
  });
  lessons.onLessonEnd((lessonId) => void shared!.owners.release(lessonId));
  const kept = shared.keepLessons(lessons, sfu);
  const whipTokens = new WhipTokens(config.jwtSecret);
  const metrics = createMetricsRegistry();
  registerSignalingMetrics(metrics, { lessons, io, dispatcher });
  const readiness = signalingReadiness({ sfu: sfu.api, database, recorder, extra: shared.readiness, log });
  const app = createApp({
    api: restApi({ store, lessons: lessonOps, tokens, timeline, quizzes: interaction.quizzes, whipTokens, publicUrl: config.publicUrl }),
    whip: whipApi(new WhipIngests(lessons, whipTokens)),
    adminGuard: requireAdmin(config.adminApiKey),
    library: libraryApi({ library, files, tokens: libraryTokens, adminApiKey: config.adminApiKey, maxUploadBytes: config.libraryMaxUploadBytes }),
    clientDist: config.clientDist,
    ops: opsHandler({ readiness, metrics, metricsToken: config.metricsToken }),
    log,
  });
  http.on('request', app);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info({ port }, 'signaling listening');

  return {
    port,
    url,
    adminApiKey: config.adminApiKey,
    tokens,
    lessons,
    library,
    libraryTokens,
    files,
    /**
     * Stops this node. Alone, it ends its lessons' live state (and their media). In a cluster it hands them over
     * instead: their latest state is saved and their leases released, so the next request from any participant
     * makes another node take each lesson on, media untouched; the sockets here reconnect elsewhere and resume.
     */
    async close() {
      kept.stop();
      if (shared.bus) await kept.saveAll();
      else for (const live of lessons.registry.all()) live.close();
      await io.close();
      sfu.close();
      recorder?.close();
      await shared.close();
      http.closeAllConnections();
      if (ownsDatabase) await database.close();
    },
  };
}
