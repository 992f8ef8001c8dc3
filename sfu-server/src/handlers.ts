import { ClassroomError, type sfuService } from '@dualclass/protocol';
import type { RpcHandlers } from '@dualclass/protocol/rpc-server';
import type { MediaService } from './media-service.ts';
import { publishWhip } from './whip.ts';

export type SfuRpcHandlers = RpcHandlers<typeof sfuService.methods>;

/**
 * One handler per contract method; params arrive already parsed by the method's schema. Each handler resolves
 * the lesson and participant first, so an id that belongs to someone else is NOT_FOUND like a missing one.
 */
export function createRpcHandlers(media: MediaService): SfuRpcHandlers {
  return {
    'router.ensure': async ({ lessonId }) => {
      const room = await media.ensureRoom(lessonId);
      return { rtpCapabilities: room.rtpCapabilities };
    },
    'router.close': async ({ lessonId }) => {
      media.closeRoom(lessonId, 'closed by signaling');
      return {};
    },
    'participant.close': async ({ lessonId, participantId }) => {
      media.closePeer(lessonId, participantId, 'participant closed');
      return {};
    },
    'transport.createWebRtc': async ({ lessonId, participantId, direction }) =>
      media.room(lessonId).peer(participantId).createWebRtcTransport(direction),
    'transport.createPlainRecv': async ({ lessonId, participantId, remote }) =>
      media.room(lessonId).peer(participantId).createPlainRecvTransport(remote),
    'transport.restartIce': async ({ lessonId, participantId, transportId }) => media.peer(lessonId, participantId).restartIce(transportId),
    'transport.connect': async ({ lessonId, participantId, transportId, dtlsParameters }) => {
      await media.peer(lessonId, participantId).connectTransport(transportId, dtlsParameters);
      return {};
    },
    'producer.create': async ({ lessonId, participantId, transportId, kind, rtpParameters }) =>
      media.peer(lessonId, participantId).produce(transportId, kind, rtpParameters),
    'producer.close': async ({ lessonId, participantId, producerId }) => {
      media.peer(lessonId, participantId).closeProducer(producerId);
      return {};
    },
    'producer.setPaused': async ({ lessonId, participantId, producerId, paused }) => {
      await media.peer(lessonId, participantId).setProducerPaused(producerId, paused);
      return {};
    },
    'ingest.createPlainRtp': async ({ lessonId, participantId, tracks }) => ({
      tracks: await media.room(lessonId).peer(participantId).createPlainIngest(tracks),
    }),
    'whip.publish': async ({ lessonId, participantId, offer }) => publishWhip(media.room(lessonId).peer(participantId), offer),
    'consumer.create': async ({ lessonId, participantId, transportId, producerId, rtpCapabilities, priority }) =>
      media.peer(lessonId, participantId).consume(transportId, producerId, rtpCapabilities, priority),
    'consumer.resume': async ({ lessonId, participantId, consumerId }) => {
      await media.peer(lessonId, participantId).resumeConsumer(consumerId);
      return {};
    },
    'consumer.setPaused': async ({ lessonId, participantId, consumerId, paused }) => {
      await media.peer(lessonId, participantId).setConsumerPaused(consumerId, paused);
      return {};
    },
    'consumer.close': async ({ lessonId, participantId, consumerId }) => {
      media.peer(lessonId, participantId).closeConsumer(consumerId);
      return {};
    },
    'consumer.requestKeyFrame': async ({ lessonId, participantId, consumerId }) => {
      await media.peer(lessonId, participantId).requestKeyFrame(consumerId);
      return {};
    },
    'consumer.setPreferredLayers': async ({ lessonId, participantId, consumerId, spatialLayer }) => {
      await media.peer(lessonId, participantId).setPreferredLayers(consumerId, spatialLayer);
      return {};
    },
    'pipe.open': async ({ lessonId, linkId }) => (await media.ensureRoom(lessonId)).pipes.open(linkId),
    'pipe.connect': async ({ lessonId, linkId, remote }) => {
      await media.room(lessonId).pipes.connect(linkId, remote);
      return {};
    },
    'pipe.send': async ({ lessonId, linkId, producerId }) => {
      const room = media.room(lessonId);
      const producer = room.findProducer(producerId);
      if (!producer) throw new ClassroomError('NOT_FOUND', 'producer not found');
      // The link is on the lesson's first router; a producer on another worker's router is piped there first.
      await room.ensureProducerOn(producerId, room.router);
      return room.pipes.send(linkId, producer);
    },
    'pipe.receive': async ({ lessonId, linkId, ...input }) => {
      await media.room(lessonId).pipes.receive(linkId, input);
      return {};
    },
    'pipe.setReceivedPaused': async ({ lessonId, producerId, paused }) => {
      await media.room(lessonId).pipes.setReceivedPaused(producerId, paused);
      return {};
    },
    'pipe.closeReceived': async ({ lessonId, producerId }) => {
      media.room(lessonId).pipes.closeReceived(producerId);
      return {};
    },
    'pipe.close': async ({ lessonId, linkId }) => {
      media.room(lessonId).pipes.close(linkId);
      return {};
    },
    'worker.list': async () => ({ workers: media.pool.list() }),
  };
}
