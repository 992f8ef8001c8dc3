import type { JanusHandle } from './janus-api.ts';

// A VideoRoom remote publisher receives all its streams on one port and tells them apart by SSRC:
// stream `mindex` (simulcast layer 0) must arrive with SSRC 1000 + 10 × mindex
// (REMOTE_PUBLISHER_BASE_SSRC / REMOTE_PUBLISHER_SSRC_STEP in plugins/janus_videoroom.c).
const REMOTE_PUBLISHER_BASE_SSRC = 1000;
const REMOTE_PUBLISHER_SSRC_STEP = 10;

export interface RemoteStream {
  type: 'audio' | 'video';
  mindex: number;
  codec: 'opus' | 'vp8';
}

export interface RemotePublisher {
  id: number;
  /** Where to send the plain RTP of every stream (one port for all). */
  ip: string;
  port: number;
  /** The SSRC a stream's packets must carry. */
  ssrcOf(stream: RemoteStream): number;
}

export interface Forward {
  /** mid of the publisher stream, which for a remote publisher is the mid it was added with. */
  mid: string;
  port: number;
  /** SSRC the forwarder writes into every packet (each forwarder needs its own so the sink can tell them apart). */
  ssrc: number;
}

/** A room for one publisher with every optional per-packet feature off: no recording, no periodic keyframe requests. */
export async function createRoom(handle: JanusHandle, room: number): Promise<void> {
  await handle.request({
    request: 'create',
    room,
    publishers: 1,
    audiocodec: 'opus',
    videocodec: 'vp8',
    fir_freq: 0,
    record: false,
    audiolevel_ext: false,
    audiolevel_event: false,
    videoorient_ext: false,
    playoutdelay_ext: false,
    transport_wide_cc_ext: false,
  });
}

/** Adds a publisher fed with plain RTP on a port Janus picks on `iface`; returns where to send and with which SSRCs. */
export async function addRemotePublisher(
  handle: JanusHandle,
  room: number,
  iface: string,
  streams: RemoteStream[],
): Promise<RemotePublisher> {
  const answer = await handle.request<{ id: number; ip: string; port: number }>({
    request: 'add_remote_publisher',
    room,
    iface,
    display: 'master',
    streams: streams.map((s) => ({ type: s.type, mindex: s.mindex, mid: midOf(s), codec: s.codec })),
  });
  return {
    id: answer.id,
    ip: answer.ip,
    port: answer.port,
    ssrcOf: (s) => REMOTE_PUBLISHER_BASE_SSRC + REMOTE_PUBLISHER_SSRC_STEP * s.mindex,
  };
}

export function midOf(stream: RemoteStream): string {
  return String(stream.mindex);
}

/**
 * Starts one SRTP RTP forwarder per entry (AES_CM_128_HMAC_SHA1_80, SDES-style base64 key+salt) from the
 * publisher to `host`; returns the forwarders' stream ids.
 */
export async function rtpForward(
  handle: JanusHandle,
  room: number,
  publisherId: number,
  host: string,
  srtpKeyBase64: string,
  forwards: Forward[],
): Promise<number[]> {
  const answer = await handle.request<{ forwarders?: { stream_id: number }[] }>({
    request: 'rtp_forward',
    room,
    publisher_id: publisherId,
    host,
    srtp_suite: 80,
    srtp_crypto: srtpKeyBase64,
    streams: forwards.map((f) => ({ mid: f.mid, port: f.port, ssrc: f.ssrc, srtp_suite: 80, srtp_crypto: srtpKeyBase64 })),
  });
  return (answer.forwarders ?? []).map((f) => f.stream_id);
}
