import { ClassroomError, type ChatMessage, type Participant, type RequestOf } from '@dualclass/protocol';
import { newId } from '../ids.ts';
import { openLesson, type InteractionContext } from './context.ts';
import { assertMaySend, assertMayToggle, mayDelete } from './chat-rules.ts';
import { consumeOrRefuse, type FloodLimiter } from './flood-limit.ts';

/** How many recent messages a joining participant receives. */
export const RECENT_CHAT = 50;

/**
 * Lesson chat. Text is stored and relayed exactly as sent (the schema trims and bounds it); clients render it
 * as text, so the server never escapes or strips it.
 */
export class ChatService {
  constructor(
    private readonly ctx: InteractionContext,
    private readonly flood: FloodLimiter,
  ) {}

  async send(sender: Participant, req: RequestOf<'chat:send'>): Promise<ChatMessage> {
    const lesson = await openLesson(this.ctx, sender.lessonId);
    assertMaySend(sender, await this.ctx.interactionStore.chatEnabled(lesson.id));
    await consumeOrRefuse(this.flood, `${lesson.id}:${sender.id}`, 'messages');
    const message: ChatMessage = {
      id: newId('msg'),
      participantId: sender.id,
      displayName: sender.displayName,
      role: sender.role,
      kind: req.kind,
      text: req.text,
      sentAt: new Date().toISOString(),
    };
    await this.ctx.interactionStore.addChatMessage({ lessonId: lesson.id, message, classroomId: sender.classroomId, deletedAt: null, deletedBy: null });
    this.ctx.broadcast.toLesson(lesson.id, 'chat:message', message);
    await this.ctx.timeline.record(lesson, 'chat', {
      actorId: sender.id,
      subjectId: message.id,
      data: { kind: message.kind, text: message.text, classroomId: sender.classroomId },
    });
    return message;
  }

  async delete(actor: Participant, messageId: string): Promise<void> {
    const lesson = await openLesson(this.ctx, actor.lessonId);
    const stored = await this.ctx.interactionStore.getChatMessage(lesson.id, messageId);
    if (!stored || stored.deletedAt) throw new ClassroomError('NOT_FOUND', 'message not found');
    if (!mayDelete(actor, stored)) throw new ClassroomError('FORBIDDEN', 'you may only delete messages from your own classroom');
    if (!(await this.ctx.interactionStore.deleteChatMessage(lesson.id, messageId, actor.id, new Date().toISOString()))) {
      throw new ClassroomError('NOT_FOUND', 'message not found');
    }
    this.ctx.broadcast.toLesson(lesson.id, 'chat:deleted', { messageId });
    await this.ctx.timeline.record(lesson, 'chat_delete', {
      actorId: actor.id,
      subjectId: messageId,
      data: { authorId: stored.message.participantId },
    });
  }

  async setEnabled(actor: Participant, enabled: boolean): Promise<{ enabled: boolean }> {
    assertMayToggle(actor);
    const lesson = await openLesson(this.ctx, actor.lessonId);
    await this.ctx.interactionStore.setChatEnabled(lesson.id, enabled);
    this.ctx.broadcast.toLesson(lesson.id, 'chat:state', { enabled });
    await this.ctx.timeline.record(lesson, 'chat_toggle', { actorId: actor.id, data: { enabled } });
    return { enabled };
  }

  async state(lessonId: string): Promise<{ enabled: boolean; recent: ChatMessage[] }> {
    const [enabled, recent] = await Promise.all([
      this.ctx.interactionStore.chatEnabled(lessonId),
      this.ctx.interactionStore.recentChat(lessonId, RECENT_CHAT),
    ]);
    return { enabled, recent };
  }
}
