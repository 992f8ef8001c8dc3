import { PLAIN_RECEIVER_CRYPTO_SUITE, withoutFeedbackExtensions, type ClientRequestName, type RequestOf, type ResponseOf } from '@dualclass/protocol';
import { ok, type ClientSocket, type TestParticipants } from '../../signaling/src/testing/participants.ts';
import type { RtpSink } from '../lib/rtp-sink.ts';

const call = <N extends ClientRequestName>(socket: ClientSocket, name: N, payload: RequestOf<N>) => ok<ResponseOf<N>>(socket, name, payload);

/**
 * A light joiner, as a classroom decoder box joins: socket.io with its token, lesson:join, a plain SRTP receiver
 * aimed at the bench's sink, then the master's video and audio consumed and resumed (each resume asks the master
 * for a keyframe). Resolves with the time that took; the socket stays open until the caller closes it.
 */
export async function joinAsPlainReceiver(
  participants: TestParticipants,
  token: string,
  masterId: string,
  sink: RtpSink,
): Promise<{ socket: ClientSocket; ms: number }> {
  const started = performance.now();
  const socket = await participants.connected(token);
  const { publications } = await call(socket, 'lesson:join', {});
  const master = publications.filter((p) => p.participantId === masterId && (p.kind === 'audio' || p.source === 'camera'));
  if (!master.some((p) => p.kind === 'video')) throw new Error('the master camera is not among the publications');
  const { rtpCapabilities } = await call(socket, 'media:getRouterRtpCapabilities', {});
  const { transportId } = await call(socket, 'media:createPlainReceiver', {
    ip: sink.address.ip,
    port: sink.address.port,
    srtpParameters: { cryptoSuite: PLAIN_RECEIVER_CRYPTO_SUITE, keyBase64: sink.srtpParameters.keyBase64 },
  });
  // No transport-cc from a sink: consuming without that extension keeps the SFU from estimating bandwidth for it.
  const capabilities = withoutFeedbackExtensions(rtpCapabilities);
  await Promise.all(
    master.map(async ({ producerId }) => {
      const { consumerId } = await call(socket, 'media:consume', { transportId, producerId, rtpCapabilities: capabilities });
      await call(socket, 'media:resumeConsumer', { consumerId });
    }),
  );
  return { socket, ms: performance.now() - started };
}
