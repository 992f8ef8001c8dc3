import type { HandlerDeps, HandlerGroup } from './deps.ts';
import { joined } from './deps.ts';

type InteractionRequests =
  | 'quiz:launch'
  | 'quiz:answer'
  | 'quiz:close'
  | 'quiz:reveal'
  | 'quiz:results'
  | 'chat:send'
  | 'chat:delete'
  | 'chat:setEnabled'
  | 'reaction:send'
  | 'message:toMaster'
  | 'attendance:record'
  | 'attendance:checkIn'
  | 'comment:add';

/** Quiz, chat, reactions, notes to the master, attendance and comments; the rules live in interaction/. */
export function interactionHandlers({ interaction }: Pick<HandlerDeps, 'interaction'>): HandlerGroup<InteractionRequests> {
  const who = (session: Parameters<typeof joined>[0]) => joined(session).participant.info;
  return {
    'quiz:launch': async (session, req) => interaction.quizzes.launch(who(session), req),
    'quiz:answer': async (session, req) => interaction.quizzes.answer(who(session), req),
    'quiz:close': async (session, req) => interaction.quizzes.close(who(session), req.quizId),
    'quiz:reveal': async (session, req) => interaction.quizzes.reveal(who(session), req.quizId),
    'quiz:results': async (session, req) => interaction.quizzes.results(who(session), req.quizId),
    'chat:send': async (session, req) => interaction.chat.send(who(session), req),
    'chat:delete': async (session, req) => {
      await interaction.chat.delete(who(session), req.messageId);
      return {};
    },
    'chat:setEnabled': async (session, req) => interaction.chat.setEnabled(who(session), req.enabled),
    'reaction:send': async (session, req) => {
      await interaction.reactions.send(who(session), req);
      return {};
    },
    'message:toMaster': async (session, req) => interaction.messages.send(who(session), req.text),
    'attendance:record': async (session, req) => interaction.attendance.record(who(session), req.present),
    'attendance:checkIn': async (session) => interaction.attendance.checkIn(who(session)),
    'comment:add': async (session, req) => interaction.comments.add(who(session), req.text),
  };
}
