import { Router, type Request } from 'express';
import type { z } from 'zod';
import {
  ClassroomError,
  CreateClassroomSchema,
  CreateIngestSchema,
  CreateLessonSchema,
  IdSchema,
  IssueTokenSchema,
  IssueWhipTokenSchema,
  PairClassroomSchema,
  ROLE_VIEW_PATH,
  type IssuedToken,
  type IssuedWhipToken,
} from '@dualclass/protocol';
import type { JoinTokens } from '../auth/join-tokens.ts';
import type { WhipTokens } from '../auth/whip-tokens.ts';
import type { LessonService } from '../lessons/lesson-service.ts';
import type { LessonStore } from '../lessons/lesson-store.ts';
import { newId } from '../ids.ts';
import type { Timeline } from '../timeline/timeline.ts';
import type { QuizService } from '../interaction/quiz-service.ts';

function body<T extends z.ZodType>(schema: T, req: Request): z.infer<T> {
  const parsed = schema.safeParse(req.body ?? {});
  if (!parsed.success) throw ClassroomError.fromZod(parsed.error, 'request body');
  return parsed.data;
}

/** Route ids are opaque; anything that is not id-shaped cannot name a record. */
function idParam(req: Request, name: string): string {
  const parsed = IdSchema.safeParse(req.params[name]);
  if (!parsed.success) throw new ClassroomError('NOT_FOUND', `${name} not found`);
  return parsed.data;
}

const CLASSROOM_ROLES = new Set(['local_teacher', 'classroom_device']);

/** Management API for admins and schedulers; every route sits behind the admin guard. */
export function restApi(deps: {
  store: LessonStore;
  /** Routed to the lesson's owner node (cluster/owner-operations.ts). */
  lessons: Pick<LessonService, 'start' | 'end' | 'createIngest'>;
  tokens: JoinTokens;
  timeline: Timeline;
  quizzes: Pick<QuizService, 'lessonReport'>;
  whipTokens: WhipTokens;
  /** PUBLIC_URL: the origin (and path prefix) encoders reach us at; else the request's own origin. */
  publicUrl: string | undefined;
}): Router {
  const { store, lessons, tokens, timeline, quizzes, whipTokens } = deps;
  const api = Router();

  api.post('/lessons', async (req, res) => {
    res.status(201).json(await store.createLesson(body(CreateLessonSchema, req)));
  });
  api.get('/lessons', async (_req, res) => {
    res.json(await store.listLessons());
  });
  api.get('/lessons/:lessonId', async (req, res) => {
    res.json(await store.getLesson(idParam(req, 'lessonId')));
  });
  api.get('/lessons/:lessonId/timeline', async (req, res) => {
    const lesson = await store.getLesson(idParam(req, 'lessonId'));
    res.json(await timeline.list(lesson.id));
  });
  /** Every quiz of the lesson with its answer and results (overall, per option, per classroom). */
  api.get('/lessons/:lessonId/quizzes', async (req, res) => {
    res.json(await quizzes.lessonReport(idParam(req, 'lessonId')));
  });
  api.post('/lessons/:lessonId/start', async (req, res) => {
    res.json(await lessons.start(idParam(req, 'lessonId')));
  });
  api.post('/lessons/:lessonId/end', async (req, res) => {
    res.json(await lessons.end(idParam(req, 'lessonId')));
  });
  api.post('/lessons/:lessonId/classrooms', async (req, res) => {
    const { classroomId } = body(PairClassroomSchema, req);
    res.json(await store.pairClassroom(idParam(req, 'lessonId'), classroomId));
  });
  api.post('/lessons/:lessonId/ingest', async (req, res) => {
    res.status(201).json(await lessons.createIngest(idParam(req, 'lessonId'), body(CreateIngestSchema, req)));
  });
  /** A WHIP ingest token for one studio angle (OBS: Server = url, Bearer Token = token). */
  api.post('/lessons/:lessonId/whip-tokens', async (req, res) => {
    const lesson = await store.getLesson(idParam(req, 'lessonId'));
    const input = body(IssueWhipTokenSchema, req);
    if (lesson.status === 'ended') throw new ClassroomError('INVALID_STATE', 'lesson has ended');
    const signed = await whipTokens.sign({ sub: newId('whp'), lessonId: lesson.id, label: input.label, source: input.source }, input.ttlSeconds);
    const base = (deps.publicUrl ?? `${req.protocol}://${req.get('host')}`).replace(/\/+$/, '');
    const issued: IssuedWhipToken = { token: signed.token, url: `${base}/api/lessons/${lesson.id}/whip`, expiresAt: signed.expiresAt.toISOString() };
    res.status(201).json(issued);
  });
  api.post('/lessons/:lessonId/tokens', async (req, res) => {
    const lesson = await store.getLesson(idParam(req, 'lessonId'));
    const input = body(IssueTokenSchema, req);
    if (lesson.status === 'ended') throw new ClassroomError('INVALID_STATE', 'lesson has ended');
    if (CLASSROOM_ROLES.has(input.role) && !input.classroomId) {
      throw new ClassroomError('BAD_REQUEST', `${input.role} tokens need a classroomId`);
    }
    if (input.classroomId && !lesson.classroomIds.includes(input.classroomId)) {
      throw new ClassroomError('BAD_REQUEST', 'classroom is not paired with this lesson');
    }
    const participantId = newId('par');
    const signed = await tokens.sign(
      { sub: participantId, lessonId: lesson.id, role: input.role, name: input.displayName, classroomId: input.classroomId ?? null },
      input.ttlSeconds,
    );
    const issued: IssuedToken = {
      token: signed.token,
      participantId,
      expiresAt: signed.expiresAt.toISOString(),
      joinPath: `${ROLE_VIEW_PATH[input.role]}?lesson=${lesson.id}#token=${signed.token}`,
    };
    res.status(201).json(issued);
  });

  api.post('/classrooms', async (req, res) => {
    res.status(201).json(await store.createClassroom(body(CreateClassroomSchema, req)));
  });
  api.get('/classrooms', async (_req, res) => {
    res.json(await store.listClassrooms());
  });
  api.get('/classrooms/:classroomId', async (req, res) => {
    res.json(await store.getClassroom(idParam(req, 'classroomId')));
  });
  return api;
}
