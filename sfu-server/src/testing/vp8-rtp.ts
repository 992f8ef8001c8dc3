import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

/** ffmpeg sending a VP8 test pattern as RTP to a plain-RTP ingest port (one keyframe a second). */
export function vp8Feed(port: number, ssrc: number, payloadType: number): ChildProcess {
  return spawn(
    '/usr/bin/ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=30'],
      ...['-c:v', 'libvpx', '-deadline', 'realtime', '-b:v', '600k', '-g', '30', '-an'],
      ...['-f', 'rtp', '-ssrc', String(ssrc), '-payload_type', String(payloadType), `rtp://127.0.0.1:${port}?pkt_size=1200`],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

export interface RtpSink {
  socket: Socket;
  port: number;
  /** Packets per payload type. */
  packets: Map<number, number>;
  /** VP8 keyframe starts seen. */
  keyframes(): number;
  close(): void;
}

/** A UDP socket on loopback counting the RTP that arrives, as a viewer's plain-RTP tap would receive it. */
export async function rtpSink(): Promise<RtpSink> {
  const socket = createSocket('udp4');
  const packets = new Map<number, number>();
  let keyframes = 0;
  socket.on('message', (msg) => {
    if (msg.length < 13 || msg[0]! >> 6 !== 2) return;
    const pt = msg[1]! & 0x7f;
    if (pt >= 72 && pt <= 79) return; // RTCP on the same port
    packets.set(pt, (packets.get(pt) ?? 0) + 1);
    // RFC 7741: skip the RTP header (CSRCs, extension), then the VP8 payload descriptor; a partition start whose
    // payload header has P = 0 is a keyframe.
    let off = 12 + (msg[0]! & 0x0f) * 4;
    if (msg[0]! & 0x10) off += 4 + msg.readUInt16BE(off + 2) * 4;
    const d = msg[off]!;
    const start = (d & 0x10) !== 0 && (d & 0x0f) === 0;
    off += 1;
    if (d & 0x80) {
      const x = msg[off]!;
      off += 1;
      if (x & 0x80) off += msg[off]! & 0x80 ? 2 : 1;
      if (x & 0x40) off += 1;
      if (x & 0x30) off += 1;
    }
    if (start && off < msg.length && (msg[off]! & 0x01) === 0) keyframes += 1;
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { socket, port: (socket.address() as AddressInfo).port, packets, keyframes: () => keyframes, close: () => socket.close() };
}
