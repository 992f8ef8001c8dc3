import {
  ClassroomError,
  ClassroomSchema,
  CreateIngestSchema,
  IngestInfoSchema,
  IssuedLibraryTokenSchema,
  IssuedTokenSchema,
  IssuedWhipTokenSchema,
  LessonSchema,
  WireErrorSchema,
  type Classroom,
  type CreateClassroom,
  type CreateLesson,
  type IngestInfo,
  type IssueLibraryToken,
  type IssuedLibraryToken,
  type IssueToken,
  type IssuedToken,
  type IssuedWhipToken,
  type IssueWhipToken,
  type Lesson,
} from '@dualclass/protocol';
import { z } from 'zod';

/** Typed client of the signaling management API, used by the demo launcher and the tests. */
export class AdminClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  async #request<T extends z.ZodType>(method: string, path: string, schema: T, body?: unknown): Promise<z.infer<T>> {
    const res = await fetch(new URL(`/api${path}`, this.baseUrl), {
      method,
      headers: { authorization: `Bearer ${this.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json: unknown = await res.json();
    if (!res.ok) {
      const wire = z.object({ error: WireErrorSchema }).safeParse(json);
      throw wire.success ? ClassroomError.fromWire(wire.data.error) : new ClassroomError('INTERNAL', `HTTP ${res.status}`);
    }
    return schema.parse(json);
  }

  createLesson(input: Partial<CreateLesson> & Pick<CreateLesson, 'title'>): Promise<Lesson> {
    return this.#request('POST', '/lessons', LessonSchema, {
      subject: '物理',
      grade: '八年级',
      teacherName: '王老师',
      school: '市第一中学',
      ...input,
    });
  }
  getLesson(id: string): Promise<Lesson> {
    return this.#request('GET', `/lessons/${id}`, LessonSchema);
  }
  startLesson(id: string): Promise<Lesson> {
    return this.#request('POST', `/lessons/${id}/start`, LessonSchema);
  }
  endLesson(id: string): Promise<Lesson> {
    return this.#request('POST', `/lessons/${id}/end`, LessonSchema);
  }
  createClassroom(input: Partial<CreateClassroom> & Pick<CreateClassroom, 'name'>): Promise<Classroom> {
    return this.#request('POST', '/classrooms', ClassroomSchema, { school: '县第二小学', localTeacherName: '李老师', rosterSize: 40, ...input });
  }
  pairClassroom(lessonId: string, classroomId: string): Promise<Lesson> {
    return this.#request('POST', `/lessons/${lessonId}/classrooms`, LessonSchema, { classroomId });
  }
  issueToken(lessonId: string, input: IssueToken): Promise<IssuedToken> {
    return this.#request('POST', `/lessons/${lessonId}/tokens`, IssuedTokenSchema, input);
  }
  createIngest(lessonId: string, input: z.input<typeof CreateIngestSchema>): Promise<IngestInfo> {
    return this.#request('POST', `/lessons/${lessonId}/ingest`, IngestInfoSchema, input);
  }
  /** A WHIP ingest token and endpoint URL for one studio angle (OBS, a browser WHIP client). */
  issueWhipToken(lessonId: string, input: IssueWhipToken): Promise<IssuedWhipToken> {
    return this.#request('POST', `/lessons/${lessonId}/whip-tokens`, IssuedWhipTokenSchema, input);
  }
  issueLibraryToken(input: IssueLibraryToken): Promise<IssuedLibraryToken> {
    return this.#request('POST', '/library/tokens', IssuedLibraryTokenSchema, input);
  }
}
