import wrtc from '@roamhq/wrtc';
import type { ClientRequestName, Publication, RequestOf, ResponseOf } from '@dualclass/protocol';
import { MediaSession } from '../../classroom-client/src/core/media.ts';
import { ok, type ClientSocket, type TestParticipants } from '../../signaling/src/testing/participants.ts';

/*
 * A headless WebRTC viewer: @roamhq/wrtc's peer connection (it decodes what it receives, as a browser does) driven by
 * the product's own browser media session (mediasoup-client, Chrome74 handler) over the product's signaling.
 */

// mediasoup-client's Chrome74 handler finds the WebRTC classes as globals, where a browser has them.
Object.assign(globalThis, {
  RTCPeerConnection: wrtc.RTCPeerConnection,
  RTCSessionDescription: wrtc.RTCSessionDescription,
  RTCIceCandidate: wrtc.RTCIceCandidate,
  MediaStream: wrtc.MediaStream,
  MediaStreamTrack: wrtc.MediaStreamTrack,
});

export interface InboundTotals {
  packetsReceived: number;
  packetsLost: number;
  framesDecoded: number;
}

export interface WrtcViewer {
  /** inbound-rtp counters summed over this viewer's streams, since they started. */
  inbound(): Promise<InboundTotals>;
  close(): void;
}

interface InboundStat {
  type?: string;
  packetsReceived?: number;
  packetsLost?: number;
  framesDecoded?: number;
}

/** Joins with `token` and receives `producerIds` (the master's video and audio) as a browser viewer does. */
export async function joinWrtcViewer(participants: TestParticipants, token: string, producerIds: string[]): Promise<WrtcViewer> {
  const socket: ClientSocket = await participants.connected(token);
  const request = <N extends ClientRequestName>(name: N, payload: RequestOf<N>) => ok<ResponseOf<N>>(socket, name, payload);
  const session = new MediaSession(request, undefined, { handlerName: 'Chrome74' });
  try {
    const { publications } = await request('lesson:join', {});
    const wanted = producerIds.map((id) => publications.find((p: Publication) => p.producerId === id));
    if (wanted.includes(undefined)) throw new Error('the master publications are not in the join snapshot');
    for (const publication of wanted as Publication[]) {
      const { consumer } = await session.consume(publication);
      await session.resume(consumer, publication);
    }
  } catch (err) {
    session.close();
    socket.disconnect();
    throw err;
  }
  return {
    async inbound() {
      const totals: InboundTotals = { packetsReceived: 0, packetsLost: 0, framesDecoded: 0 };
      // wrtc has no per-receiver getStats; the receive transport's peer connection reports every inbound stream.
      const { recv } = await session.transportStats();
      recv?.forEach((stat: InboundStat) => {
        if (stat.type !== 'inbound-rtp') return;
        totals.packetsReceived += stat.packetsReceived ?? 0;
        totals.packetsLost += stat.packetsLost ?? 0;
        totals.framesDecoded += stat.framesDecoded ?? 0;
      });
      return totals;
    },
    close() {
      session.close();
      socket.disconnect();
    },
  };
}
