import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { SfuClient } from '@dualclass/sfu-server/client';
import type { SignalingConfig } from './config.ts';
import { JoinTokens } from './auth/join-tokens.ts';
import { requireAdmin } from './auth/admin-auth.ts';
import { InMemoryLessonStore, type LessonStore } from './lessons/lesson-store.ts';
import { LessonService } from './lessons/lesson-service.ts';
import { createApp } from './http/app.ts';
import { restApi } from './http/rest-api.ts';
import { OriginPolicy } from './http/origin-policy.ts';
import { Broadcaster } from './realtime/broadcaster.ts';
import { Dispatcher } from './realtime/dispatch.ts';
import { createHandlers } from './realtime/handlers/index.ts';
import { StageService } from './lessons/stage-service.ts';
import { InMemoryTimelineStore, Timeline, type TimelineStore } from './timeline/timeline.ts';
import { Interactions } from './interaction/index.ts';
import { InMemoryInteractionStore } from './interaction/interaction-store.ts';
import { acceptParticipants, createSocketServer } from './realtime/socket-server.ts';

export interface SignalingServer {
  port: number;
  url: string;
  adminApiKey: string;
  tokens: JoinTokens;
  lessons: LessonService;
  close(): Promise<void>;
}

export async function startSignaling(
  config: SignalingConfig,
  options: { store?: LessonStore; timelineStore?: TimelineStore; log?: Logger } = {},
): Promise<SignalingServer> {
  const log = options.log ?? pino({ level: config.logLevel, base: { service: 'signaling' } });
  const store = options.store ?? new InMemoryLessonStore();
  const tokens = new JoinTokens(config.jwtSecret);
  const sfu = await SfuClient.connect(config.sfuUrl, config.sfuRpcSecret, { timeoutMs: 10_000 });

  const http = createServer();
  const origins = new OriginPolicy([...config.allowedOrigins, ...(config.publicUrl ? [new URL(config.publicUrl).origin] : [])]);
  const io = createSocketServer(http, origins);
  const broadcast = new Broadcaster(io);
  const timeline = new Timeline(options.timelineStore ?? new InMemoryTimelineStore(), broadcast);
  const lessons = new LessonService(store, sfu, broadcast, timeline, log);
  const stage = new StageService(lessons, broadcast, timeline, config.stageLimit);
  // Quiz, chat, attendance and comments; its constructor is owned by interaction/.
  const interaction = new Interactions({ store, lessons, broadcast, timeline, interactionStore: new InMemoryInteractionStore() });
  lessons.onLessonEnd((lessonId) => interaction.closeLesson(lessonId));
  const dispatcher = new Dispatcher(createHandlers({ lessons, stage, timeline, sfu, interaction }), log);
  acceptParticipants(io, { tokens, lessons, dispatcher, log });
  const app = createApp({
    api: restApi({ store, lessons, tokens, timeline, quizzes: interaction.quizzes }),
    adminGuard: requireAdmin(config.adminApiKey),
    clientDist: config.clientDist,
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
    async close() {
      for (const live of lessons.registry.all()) live.close();
      await io.close();
      sfu.close();
      http.closeAllConnections();
    },
  };
}
