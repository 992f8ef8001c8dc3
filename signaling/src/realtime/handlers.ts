import { ClassroomError, can } from '@dualclass/protocol';
import type { SfuClient } from '@dualclass/sfu-server/client';
import type { LessonService } from '../lessons/lesson-service.ts';
import type { HandlerMap, SocketSession } from './dispatch.ts';
import { lessonRoom, participantRoom, rosterRoom } from './broadcaster.ts';

function joined(session: SocketSession) {
  const participant = session.participant;
  if (!participant || participant.closed) throw new ClassroomError('INVALID_STATE', 'join the lesson first');
  return { participant, owner: { lessonId: participant.info.lessonId, participantId: participant.id } };
}

export function createHandlers(lessons: LessonService, sfu: SfuClient): HandlerMap {
  return {
    'lesson:join': async (session) => {
      if (session.participant && !session.participant.closed) throw new ClassroomError('CONFLICT', 'already joined');
      const { participant, snapshot } = await lessons.join(session.claims);
      session.participant = participant;
      const { socket } = session;
      await socket.join([lessonRoom(participant.info.lessonId), participantRoom(participant.id)]);
      if (can(participant.info.role, 'roster:view')) await socket.join(rosterRoom(participant.info.lessonId));
      participant.once('close', (reason) => {
        if (reason === 'replaced') {
          socket.emit('session:closed', { reason: 'replaced' });
          socket.disconnect(true);
        }
      });
      return snapshot;
    },
    'lesson:start': async (session) => lessons.start(joined(session).owner.lessonId),
    'lesson:end': async (session) => lessons.end(joined(session).owner.lessonId),
    'media:getRouterRtpCapabilities': async (session) => {
      const { owner } = joined(session);
      await lessons.requireLive(owner.lessonId);
      return sfu.call('router.ensure', { lessonId: owner.lessonId });
    },
    'media:createTransport': async (session, req) => {
      const { owner } = joined(session);
      await lessons.requireLive(owner.lessonId);
      return sfu.call('transport.createWebRtc', { ...owner, direction: req.direction });
    },
    'media:connectTransport': async (session, req) => {
      await sfu.call('transport.connect', { ...joined(session).owner, ...req });
      return {};
    },
    'media:produce': async (session, req) => {
      const { producerId } = await lessons.publish(joined(session).participant, req);
      return { producerId };
    },
    'media:closeProducer': async (session, req) => {
      lessons.unpublish(joined(session).participant, req.producerId);
      return {};
    },
    'media:consume': async (session, req) => sfu.call('consumer.create', { ...joined(session).owner, ...req }),
    'media:resumeConsumer': async (session, req) => {
      await sfu.call('consumer.resume', { ...joined(session).owner, ...req });
      return {};
    },
    'media:setPreferredLayers': async (session, req) => {
      await sfu.call('consumer.setPreferredLayers', { ...joined(session).owner, ...req });
      return {};
    },
  };
}
