import type { Participant, RequestOf } from '@dualclass/protocol';
import type { InteractionContext } from './context.ts';
import { consumeOrRefuse, type FloodLimiter } from './flood-limit.ts';

/** Emoji reactions: fleeting, relayed to the lesson, not recorded. */
export class ReactionService {
  constructor(
    private readonly ctx: Pick<InteractionContext, 'broadcast'>,
    private readonly flood: FloodLimiter,
  ) {}

  async send(sender: Participant, req: RequestOf<'reaction:send'>): Promise<void> {
    await consumeOrRefuse(this.flood, `${sender.lessonId}:${sender.id}`, 'reactions');
    this.ctx.broadcast.toLesson(sender.lessonId, 'reaction', { participantId: sender.id, reaction: req.reaction });
  }
}
