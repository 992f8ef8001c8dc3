import type { Comment, Lesson, Participant } from '@dualclass/protocol';
import { newId } from '../ids.ts';
import { openLesson, type InteractionContext } from './context.ts';

/** Milliseconds into the lesson, to place a comment on the recording; 0 before it starts. */
export function lessonOffsetMs(lesson: Pick<Lesson, 'startedAt'>, now: number): number {
  return lesson.startedAt ? Math.max(0, Math.round(now - Date.parse(lesson.startedAt))) : 0;
}

/**
 * Observers' time-stamped comments (听课评课). Only roles with comment:read receive them: students and classroom
 * devices never learn that anyone commented.
 */
export class CommentService {
  constructor(private readonly ctx: InteractionContext) {}

  async add(author: Participant, text: string): Promise<Comment> {
    const lesson = await openLesson(this.ctx, author.lessonId);
    const now = Date.now();
    const comment: Comment = {
      id: newId('cmt'),
      authorId: author.id,
      authorName: author.displayName,
      text,
      lessonMs: lessonOffsetMs(lesson, now),
      createdAt: new Date(now).toISOString(),
    };
    await this.ctx.interactionStore.addComment(lesson.id, comment);
    this.ctx.broadcast.toPermission(lesson.id, 'comment:read', 'comment:added', comment);
    await this.ctx.timeline.record(lesson, 'comment', { actorId: author.id, subjectId: comment.id, data: { text, lessonMs: comment.lessonMs } });
    return comment;
  }

  list(lessonId: string): Promise<Comment[]> {
    return this.ctx.interactionStore.listComments(lessonId);
  }
}
