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

/** Simulcast renditions a multi-rendition encoder sends, lowest first: width × height at a bitrate. */
export const SIMULCAST_RENDITIONS = [
  { width: 160, height: 90, kbps: 100 },
  { width: 320, height: 180, kbps: 300 },
  { width: 640, height: 360, kbps: 800 },
] as const;

/** A loopback UDP socket that hands every datagram to `forward`. */
async function relayInput(forward: (msg: Buffer) => void): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket('udp4');
  socket.on('message', forward);
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { socket, port: (socket.address() as AddressInfo).port };
}

/**
 * ffmpeg encoding the test pattern three times (one SSRC per rendition, lowest first) as a multi-rendition hardware
 * encoder would, relayed from ONE local socket to the ingest port: a comedia transport accepts a single sender address.
 * Each rendition's RTCP sender reports go the same way; the SFU switches layers only once it has them.
 */
export async function vp8SimulcastFeed(port: number, ssrcs: readonly [number, number, number], payloadType: number): Promise<{ stop(): void }> {
  const relay = createSocket('udp4');
  const forward = (msg: Buffer) => relay.send(msg, port, '127.0.0.1');
  const inputs = await Promise.all(SIMULCAST_RENDITIONS.map(async () => ({ rtp: await relayInput(forward), rtcp: await relayInput(forward) })));
  const split = SIMULCAST_RENDITIONS.map((r, i) => `[s${i}]scale=${r.width}:${r.height}[v${i}]`).join(';');
  const outputs = SIMULCAST_RENDITIONS.flatMap((r, i) => [
    ...['-map', `[v${i}]`, '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '16', '-threads', '1', '-b:v', `${r.kbps}k`, '-g', '15'],
    ...['-f', 'rtp', '-ssrc', String(ssrcs[i]), '-payload_type', String(payloadType)],
    `rtp://127.0.0.1:${inputs[i]!.rtp.port}?rtcpport=${inputs[i]!.rtcp.port}&pkt_size=1200`,
  ]);
  const ffmpeg = spawn(
    '/usr/bin/ffmpeg',
    [
      // 15 fps with a keyframe a second keeps three encodes light enough for a loaded test machine.
      ...['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=15'],
      ...['-filter_complex', `[0:v]split=3[s0][s1][s2];${split}`, ...outputs],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return {
    stop() {
      ffmpeg.kill('SIGKILL');
      for (const socket of [relay, ...inputs.flatMap((i) => [i.rtp.socket, i.rtcp.socket])]) socket.close();
    },
  };
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

/**
 * The picture size of a VP8 keyframe's first packet, undefined for any other RTP packet. RFC 7741: skip the RTP header
 * (CSRCs, extension), then the VP8 payload descriptor; a partition start whose payload header has P = 0 is a
 * keyframe, and its frame header carries the size after the start code (9d 01 2a).
 */
export function vp8KeyframeSize(packet: Buffer): { width: number; height: number } | undefined {
  if (packet.length < 13 || packet[0]! >> 6 !== 2) return undefined;
  let off = 12 + (packet[0]! & 0x0f) * 4;
  if (packet[0]! & 0x10) off += 4 + packet.readUInt16BE(off + 2) * 4;
  const d = packet[off]!;
  const start = (d & 0x10) !== 0 && (d & 0x0f) === 0;
  off += 1;
  if (d & 0x80) {
    const x = packet[off]!;
    off += 1;
    if (x & 0x80) off += packet[off]! & 0x80 ? 2 : 1;
    if (x & 0x40) off += 1;
    if (x & 0x30) off += 1;
  }
  if (!start || off + 10 > packet.length || (packet[off]! & 0x01) !== 0) return undefined;
  if (packet[off + 3] !== 0x9d || packet[off + 4] !== 0x01 || packet[off + 5] !== 0x2a) return undefined;
  return { width: packet.readUInt16LE(off + 6) & 0x3fff, height: packet.readUInt16LE(off + 8) & 0x3fff };
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
    if (vp8KeyframeSize(msg)) keyframes += 1;
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { socket, port: (socket.address() as AddressInfo).port, packets, keyframes: () => keyframes, close: () => socket.close() };
}
