import { randomBytes } from 'node:crypto';
import type dgram from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { build, type Histogram } from 'hdr-histogram-js';
import type { types } from 'mediasoup';
import { SequenceGaps, lossPercent } from './sequence-gaps.ts';
import { bindUdp } from './udp.ts';

const RMEM_MAX = '/proc/sys/net/core/rmem_max';
// ~200 ms of 1.2 kB packets at 70k packets/s: a GC pause in the bench process must not read as SFU loss.
const WANTED_RECV_BUFFER = 32 * 2 ** 20;

export interface SinkReading {
  packets: number;
  packetsPerSec: number;
  bitsPerSec: number;
  lossPct: number;
  /** Streams (SSRCs) seen since the sink opened. */
  streams: number;
  latency: { p50Ms: number; p99Ms: number; samples: number };
}

/** What the sink needs from the media source to time audio packets: send times by RTP timestamp. */
export interface AudioSendTimes {
  sendTimeOfAudio(rtpTimestamp: number): bigint | undefined;
}

/**
 * One UDP socket that every viewer transport of a fan-out test sends to. It never decrypts: SRTP leaves the RTP
 * header in the clear, and the header is all it reads (SSRC, sequence number, payload type, timestamp).
 */
export class RtpSink {
  readonly address: { ip: string; port: number };
  /** A random key for the SFU's `transport.connect({ srtpParameters })`; the sink sends nothing, so it is never used to encrypt. */
  readonly srtpParameters: types.SrtpParameters = {
    cryptoSuite: 'AES_CM_128_HMAC_SHA1_80',
    keyBase64: randomBytes(30).toString('base64'),
  };
  /** The receive buffer the kernel granted (Linux reports twice the requested size). */
  readonly recvBufferBytes: number;

  readonly #socket: dgram.Socket;
  readonly #gaps = new SequenceGaps();
  readonly #latencyUs: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000, numberOfSignificantValueDigits: 3 });
  #packets = 0;
  #bytes = 0;
  #window = { at: process.hrtime.bigint(), packets: 0, bytes: 0, expected: 0, received: 0 };
  #latency: { source: AudioSendTimes; payloadType: number } | undefined;

  private constructor(socket: dgram.Socket, recvBufferBytes: number) {
    this.#socket = socket;
    this.recvBufferBytes = recvBufferBytes;
    const { address, port } = socket.address();
    this.address = { ip: address, port };
    socket.on('message', (packet) => this.#onPacket(packet));
  }

  static async open(): Promise<RtpSink> {
    const socket = await bindUdp();
    return new RtpSink(socket, grantRecvBuffer(socket));
  }

  /**
   * Times audio packets (payload type `payloadType` as the viewers receive it) against the source's send times.
   * mediasoup keeps the RTP timestamp of a non-simulcast consumer, so the timestamp identifies the source packet.
   */
  measureLatency(source: AudioSendTimes, payloadType: number): void {
    this.#latency = { source, payloadType };
  }

  /** Starts a fresh measurement window: read() reports only what arrived after this. */
  window(): void {
    this.#window = { at: process.hrtime.bigint(), packets: this.#packets, bytes: this.#bytes, expected: this.#gaps.expected, received: this.#gaps.received };
    this.#latencyUs.reset();
  }

  read(): SinkReading {
    const seconds = Number(process.hrtime.bigint() - this.#window.at) / 1e9;
    const packets = this.#packets - this.#window.packets;
    const samples = this.#latencyUs.totalCount;
    return {
      packets,
      packetsPerSec: seconds > 0 ? packets / seconds : 0,
      bitsPerSec: seconds > 0 ? ((this.#bytes - this.#window.bytes) * 8) / seconds : 0,
      lossPct: lossPercent(this.#window, this.#gaps),
      streams: this.#gaps.streams,
      latency: {
        p50Ms: samples ? this.#latencyUs.getValueAtPercentile(50) / 1000 : 0,
        p99Ms: samples ? this.#latencyUs.getValueAtPercentile(99) / 1000 : 0,
        samples,
      },
    };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #onPacket(packet: Buffer): void {
    // RTP version 2 only, and not RTCP (rtcp-mux puts SRTCP reports on the same port: payload types 64–95 with the marker bit).
    if (packet.length < 12 || packet[0]! >> 6 !== 2) return;
    const payloadType = packet[1]! & 0x7f;
    if (payloadType >= 64 && payloadType <= 95) return;
    this.#packets++;
    this.#bytes += packet.length;
    this.#gaps.record(packet.readUInt32BE(8), packet.readUInt16BE(2));
    const latency = this.#latency;
    if (latency && payloadType === latency.payloadType) {
      const sentAt = latency.source.sendTimeOfAudio(packet.readUInt32BE(4));
      if (sentAt !== undefined) this.#latencyUs.recordValue(Math.round(Number(process.hrtime.bigint() - sentAt) / 1000));
    }
  }
}

/**
 * As large a receive buffer as the kernel allows. As root, rmem_max is raised just long enough to set it and
 * then restored: a socket keeps the size it was granted.
 */
function grantRecvBuffer(socket: dgram.Socket): number {
  const max = Number(readFileSync(RMEM_MAX, 'utf8'));
  if (max < WANTED_RECV_BUFFER && process.getuid?.() === 0) {
    try {
      writeFileSync(RMEM_MAX, String(WANTED_RECV_BUFFER));
      socket.setRecvBufferSize(WANTED_RECV_BUFFER);
    } finally {
      writeFileSync(RMEM_MAX, String(max));
    }
  } else {
    socket.setRecvBufferSize(Math.min(max, WANTED_RECV_BUFFER));
  }
  return socket.getRecvBufferSize();
}
