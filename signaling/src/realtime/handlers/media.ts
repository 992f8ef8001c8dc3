import { ClassroomError } from '@dualclass/protocol';
import { consumeOrRefuse } from '../../interaction/flood-limit.ts';
import { turnCredentials } from '../../auth/turn-credentials.ts';
import { canonicalAddress } from '../client-address.ts';
import type { HandlerDeps, HandlerGroup } from './deps.ts';
import { joined } from './deps.ts';

type MediaRequests =
  | 'media:getRouterRtpCapabilities'
  | 'media:createTransport'
  | 'media:createPlainReceiver'
  | 'media:connectTransport'
  | 'media:restartIce'
  | 'media:produce'
  | 'media:closeProducer'
  | 'media:setPaused'
  | 'media:consume'
  | 'media:resumeConsumer'
  | 'media:setConsumerPaused'
  | 'media:setPreferredLayers'
  | 'health:report';

export function mediaHandlers({ lessons, stage, sfu, limiters, turn }: HandlerDeps): HandlerGroup<MediaRequests> {
  // A client on a flapping link would otherwise restart ICE in a loop; a few per half minute is plenty.
  const iceRestarts = limiters({ points: 4, durationSeconds: 30, keyPrefix: 'ice-restart' });
  // Each one holds a UDP port at the SFU; a decoder box makes one per boot, a few per half minute covers restarts.
  const plainReceivers = limiters({ points: 4, durationSeconds: 30, keyPrefix: 'plain-receiver' });
  /** The lesson must be live; its router may not exist yet if nobody asked for its capabilities (idempotent). */
  const liveRouter = async (lessonId: string) => {
    await lessons.requireLive(lessonId);
    await sfu.call('router.ensure', { lessonId });
  };
  return {
    'media:getRouterRtpCapabilities': async (session) => {
      const { owner } = joined(session);
      await lessons.requireLive(owner.lessonId);
      return sfu.call('router.ensure', { lessonId: owner.lessonId });
    },
    'media:createTransport': async (session, req) => {
      const { owner } = joined(session);
      await liveRouter(owner.lessonId);
      const info = await sfu.call('transport.createWebRtc', { ...owner, direction: req.direction });
      return turn ? { ...info, iceServers: [turnCredentials(turn, owner.participantId)] } : info;
    },
    'media:createPlainReceiver': async (session, req) => {
      const { owner } = joined(session);
      // Lesson media aimed at someone who never asked for it would make the SFU a UDP reflector.
      if (canonicalAddress(req.ip) !== session.remoteAddress) {
        throw new ClassroomError('FORBIDDEN', 'a plain receiver must be at the address this connection comes from');
      }
      await consumeOrRefuse(plainReceivers, owner.participantId, 'plain receivers');
      await liveRouter(owner.lessonId);
      const { transportId, srtpParameters } = await sfu.call('transport.createPlainRecv', {
        ...owner,
        remote: { ip: session.remoteAddress, rtpPort: req.port, srtpParameters: req.srtpParameters },
      });
      if (!srtpParameters) throw new ClassroomError('INTERNAL', 'SFU returned no SRTP key');
      return { transportId, srtpParameters };
    },
    'media:connectTransport': async (session, req) => {
      await sfu.call('transport.connect', { ...joined(session).owner, ...req });
      return {};
    },
    'media:restartIce': async (session, req) => {
      const { owner } = joined(session);
      await consumeOrRefuse(iceRestarts, owner.participantId, 'ICE restarts');
      return sfu.call('transport.restartIce', { ...owner, transportId: req.transportId });
    },
    'media:produce': async (session, req) => {
      const { producerId } = await stage.publish(joined(session).participant, req);
      return { producerId };
    },
    'media:closeProducer': async (session, req) => {
      lessons.unpublish(joined(session).participant, req.producerId);
      return {};
    },
    'media:setPaused': async (session, req) => stage.setOwnPaused(joined(session).participant, req.producerId, req.paused),
    'media:consume': async (session, req) => lessons.consume(joined(session).participant, req),
    'media:resumeConsumer': async (session, req) => {
      await sfu.call('consumer.resume', { ...joined(session).owner, ...req });
      return {};
    },
    'media:setConsumerPaused': async (session, req) => {
      await sfu.call('consumer.setPaused', { ...joined(session).owner, ...req });
      return {};
    },
    'media:setPreferredLayers': async (session, req) => {
      await sfu.call('consumer.setPreferredLayers', { ...joined(session).owner, ...req });
      return {};
    },
    'health:report': async (session, req) => {
      stage.reportHealth(joined(session).participant, req);
      return {};
    },
  };
}
