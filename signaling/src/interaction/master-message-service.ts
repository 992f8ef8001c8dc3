import { ClassroomError, type Participant, type PrivateMessage } from '@dualclass/protocol';
import { newId } from '../ids.ts';
import { openLesson, type InteractionContext } from './context.ts';

/** A local teacher's private note to the master teacher (e.g. "我们这边听不到声音"); only the master's sockets get it. */
export class MasterMessageService {
  constructor(private readonly ctx: InteractionContext) {}

  async send(sender: Participant, text: string): Promise<PrivateMessage> {
    const lesson = await openLesson(this.ctx, sender.lessonId);
    const masterPresent = (this.ctx.lessons.registry.get(lesson.id)?.participants ?? []).some((p) => p.info.role === 'master_teacher');
    if (!masterPresent) throw new ClassroomError('INVALID_STATE', 'the master teacher is not connected');
    const message: PrivateMessage = {
      id: newId('msg'),
      fromId: sender.id,
      fromName: sender.displayName,
      classroomId: sender.classroomId,
      text,
      sentAt: new Date().toISOString(),
    };
    await this.ctx.interactionStore.addPrivateMessage(lesson.id, message);
    this.ctx.broadcast.toRole(lesson.id, 'master_teacher', 'message:private', message);
    // The note itself stays private: the timeline (seen by observers and admins) records only that it was sent.
    await this.ctx.timeline.record(lesson, 'private_message', { actorId: sender.id, subjectId: message.id, data: { classroomId: sender.classroomId } });
    return message;
  }
}
