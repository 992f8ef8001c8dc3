import type { MediaKind } from '@dualclass/protocol';
import type { PeerMedia } from './media-room.ts';
import { buildWhipAnswer, parseWhipOffer } from './whip-sdp.ts';

export interface WhipPublished {
  answer: string;
  tracks: { producerId: string; kind: MediaKind; mid: string }[];
}

/**
 * A WHIP publisher's media: one WebRtcTransport for the BUNDLE group, connected with the offer's fingerprint
 * (the publisher is the DTLS client), one producer per accepted m-line, and the answer SDP. All or nothing:
 * a failure closes the participant's media so no half-published transport stays behind.
 */
export async function publishWhip(peer: PeerMedia, offer: string): Promise<WhipPublished> {
  try {
    const parsed = parseWhipOffer(offer, peer.room.rtpCapabilities);
    const transport = await peer.createWebRtcTransport('send');
    await peer.connectTransport(transport.id, parsed.dtlsParameters);
    const tracks: WhipPublished['tracks'] = [];
    for (const track of parsed.tracks) {
      const { producerId } = await peer.produce(transport.id, track.kind, track.rtpParameters);
      tracks.push({ producerId, kind: track.kind, mid: track.mid });
    }
    return { answer: buildWhipAnswer(parsed, transport), tracks };
  } catch (err) {
    peer.close('whip publish failed');
    throw err;
  }
}
