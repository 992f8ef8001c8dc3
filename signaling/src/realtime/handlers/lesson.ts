import { ClassroomError } from '@dualclass/protocol';
import { roomsFor } from '../broadcaster.ts';
import type { LiveParticipant } from '../../lessons/live-lesson.ts';
import type { SocketSession } from '../dispatch.ts';
import type { HandlerDeps, HandlerGroup } from './deps.ts';
import { joined } from './deps.ts';

/**
 * Makes a session speak for a participant: its socket joins the participant's rooms and is bound to it (a later
 * resume elsewhere detaches it; being replaced closes it). A join does this, and so does a lesson moving to this
 * node when the session's socket is the one the participant last used.
 */
export async function attachParticipant(session: SocketSession, participant: LiveParticipant): Promise<void> {
  session.participant = participant;
  const { socket } = session;
  await socket.join(roomsFor(participant.info));
  participant.bind({
    socketId: socket.id,
    detach: () => {
      if (session.participant === participant) session.participant = undefined;
      socket.disconnect(true);
    },
    closed: (reason) => {
      if (reason !== 'replaced') return;
      socket.emit('session:closed', { reason: 'replaced' });
      socket.disconnect(true);
    },
  });
}

type LessonRequests = 'lesson:join' | 'lesson:start' | 'lesson:end' | 'lesson:markKnowledgePoint' | 'timeline:list';

export function lessonHandlers({ lessons, stage, timeline, interaction, recording }: HandlerDeps): HandlerGroup<LessonRequests> {
  return {
    'lesson:join': async (session, req) => {
      // Joined already: only a full rejoin (media restart with one's own key) may run again on this socket.
      if (session.participant && !session.participant.closed && !req.resume?.restartMedia) throw new ClassroomError('CONFLICT', 'already joined');
      const { participant, snapshot } = await lessons.join(session.claims, req.resume);
      await attachParticipant(session, participant);
      const reply = { ...snapshot, stage: stage.state(participant.info.lessonId), ...(await interaction.snapshot(participant.info)) };
      session.socket.emit('recording:state', { phase: recording?.phase(participant.info.lessonId) ?? 'off' });
      return reply;
    },
    'lesson:start': async (session) => {
      const { owner } = joined(session);
      return lessons.start(owner.lessonId, owner.participantId);
    },
    'lesson:end': async (session) => {
      const { owner } = joined(session);
      return lessons.end(owner.lessonId, owner.participantId);
    },
    'lesson:markKnowledgePoint': async (session, req) => {
      const { participant } = joined(session);
      const lesson = await lessons.requireLive(participant.info.lessonId);
      return timeline.record(lesson, 'knowledge_point', { actorId: participant.id, data: { knowledgePoint: req.knowledgePoint } });
    },
    'timeline:list': async (session) => timeline.list(joined(session).owner.lessonId),
  };
}
