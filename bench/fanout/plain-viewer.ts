import { io, type Socket } from 'socket.io-client';
import { withoutFeedbackExtensions, type Ack, type ConsumerInfo, type RtpCapabilitiesWire } from '@dualclass/protocol';
import type { RtpSink } from '../lib/rtp-sink.ts';

/** What a viewer consumes: the lesson's studio tracks, and the simulcast layer it asks for (none: the SFU's default, the top). */
export interface ViewerPlan {
  token: string;
  videoProducerId: string;
  audioProducerId: string;
  spatialLayer?: number;
}

/**
 * A viewer as a classroom decoder box's driver is one: a socket.io participant that joins with its token and receives
 * the lesson over a plain SRTP receiver aimed at the sink (media:createPlainReceiver), consuming video and audio
 * through the product's own consume path. Returns the open socket (the participant stays while it is connected) and
 * the audio payload type its consumer sends.
 */
export async function joinPlainViewer(url: string, plan: ViewerPlan, sink: RtpSink): Promise<{ socket: Socket; audioPayloadType: number }> {
  const socket = io(url, { path: '/socket.io', transports: ['websocket'], auth: { token: plan.token }, reconnection: false, forceNew: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    await ask(socket, 'lesson:join', {});
    const { rtpCapabilities } = await ask<{ rtpCapabilities: RtpCapabilitiesWire }>(socket, 'media:getRouterRtpCapabilities', {});
    const { transportId } = await ask<{ transportId: string }>(socket, 'media:createPlainReceiver', {
      ip: sink.address.ip,
      port: sink.address.port,
      srtpParameters: sink.srtpParameters,
    });
    const capabilities = withoutFeedbackExtensions(rtpCapabilities);
    const consume = (producerId: string) => ask<ConsumerInfo>(socket, 'media:consume', { transportId, producerId, rtpCapabilities: capabilities });
    const [video, audio] = [await consume(plan.videoProducerId), await consume(plan.audioProducerId)];
    // Chosen while paused, so the first packets the viewer gets are already of its layer.
    if (plan.spatialLayer !== undefined) await ask(socket, 'media:setPreferredLayers', { consumerId: video.consumerId, spatialLayer: plan.spatialLayer });
    for (const consumer of [video, audio]) await ask(socket, 'media:resumeConsumer', { consumerId: consumer.consumerId });
    return { socket, audioPayloadType: audio.rtpParameters.codecs[0]!.payloadType };
  } catch (err) {
    socket.disconnect();
    throw err;
  }
}

async function ask<T = unknown>(socket: Socket, event: string, payload: unknown): Promise<T> {
  const ack = (await socket.timeout(20_000).emitWithAck(event, payload)) as Ack<T>;
  if (!ack.ok) throw new Error(`${event}: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}
