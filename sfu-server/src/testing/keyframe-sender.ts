import { createSocket } from 'node:dgram';
import { once } from 'node:events';

/** RTCP payload-specific feedback (RFC 4585): FMT 1 is PLI; FMT 4 is FIR (RFC 5104). */
const RTCP_PSFB = 206;
const FMT_PLI = 1;
const FMT_FIR = 4;
const FRAME_INTERVAL_MS = 1000 / 30;
const FRAME_TICKS = 90_000 / 30;

export interface KeyframeRequest {
  /** performance.now() when it reached the sender. */
  at: number;
  /** The stream it asks a keyframe of. */
  ssrc: number;
}

export interface KeyframeSender {
  /** Every PLI or FIR that reached the sender's socket. */
  readonly requests: KeyframeRequest[];
  readonly packetsSent: () => number;
  close(): void;
}

/**
 * A VP8 "encoder" on one UDP socket, sending to a comedia ingest port: one stream per SSRC (simulcast renditions
 * share the socket), 30 small frames a second each, a keyframe first and then only when the SFU asks (PLI/FIR
 * arriving on the same socket, as RTCP-muxed feedback does), answered at once like a real-time encoder. So every
 * request that reaches it is one the SFU let through, and none is satisfied by a periodic keyframe.
 */
export async function keyframeSender(target: { ip: string; port: number; ssrcs: number[]; payloadType: number }): Promise<KeyframeSender> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const requests: KeyframeRequest[] = [];
  const streams = new Map(target.ssrcs.map((ssrc) => [ssrc, { seq: 0, timestamp: 0 }]));
  let sent = 0;
  const send = (ssrc: number, keyframe: boolean) => {
    const stream = streams.get(ssrc);
    if (!stream) return;
    const { seq, timestamp } = stream;
    socket.send(vp8Packet({ keyframe, seq: seq & 0xffff, pictureId: seq & 0x7f, timestamp: timestamp >>> 0, ssrc, payloadType: target.payloadType }), target.port, target.ip);
    stream.seq += 1;
    sent += 1;
  };
  socket.on('message', (msg) => {
    const at = performance.now();
    for (const ssrc of keyframeRequestsIn(msg)) {
      requests.push({ at, ssrc });
      send(ssrc, true);
    }
  });
  for (const ssrc of target.ssrcs) send(ssrc, true);
  const timer = setInterval(() => {
    for (const [ssrc, stream] of streams) {
      stream.timestamp += FRAME_TICKS;
      send(ssrc, false);
    }
  }, FRAME_INTERVAL_MS);
  return {
    requests,
    packetsSent: () => sent,
    close() {
      clearInterval(timer);
      socket.close();
    },
  };
}

/**
 * One RTP packet carrying a whole (tiny) VP8 frame: the RFC 7741 payload descriptor ffmpeg writes (X and S set, a 7-bit
 * picture id), then the frame header.
 */
function vp8Packet(p: { keyframe: boolean; seq: number; pictureId: number; timestamp: number; ssrc: number; payloadType: number }): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = 0x80 | p.payloadType; // marker: last packet of the frame
  header.writeUInt16BE(p.seq, 2);
  header.writeUInt32BE(p.timestamp, 4);
  header.writeUInt32BE(p.ssrc, 8);
  const descriptor = Buffer.from([0x90, 0x80, p.pictureId]);
  // Frame tag: bit 0 is P (0 = keyframe), bit 4 show_frame; a keyframe then carries the start code and 640×360.
  const frame = p.keyframe
    ? Buffer.from([0x10, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01])
    : Buffer.from([0x11, 0x00, 0x00]);
  return Buffer.concat([header, descriptor, frame, Buffer.alloc(p.keyframe ? 400 : 60)]);
}

/** The media SSRCs a (compound) RTCP datagram asks keyframes of: PLI names it after the sender SSRC, FIR in its FCI. */
function keyframeRequestsIn(msg: Buffer): number[] {
  const ssrcs: number[] = [];
  let off = 0;
  while (off + 12 <= msg.length) {
    if (msg[off]! >> 6 !== 2) break;
    const fmt = msg[off]! & 0x1f;
    const length = (msg.readUInt16BE(off + 2) + 1) * 4;
    if (msg[off + 1] === RTCP_PSFB && fmt === FMT_PLI) ssrcs.push(msg.readUInt32BE(off + 8));
    if (msg[off + 1] === RTCP_PSFB && fmt === FMT_FIR && off + 16 <= msg.length) ssrcs.push(msg.readUInt32BE(off + 12));
    off += length;
  }
  return ssrcs;
}
