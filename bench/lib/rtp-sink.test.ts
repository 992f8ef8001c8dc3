import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import type dgram from 'node:dgram';
import { RtpSink } from './rtp-sink.ts';
import { bindUdp } from './udp.ts';

function rtp(payloadType: number, seq: number, timestamp: number, ssrc: number): Buffer {
  const packet = Buffer.alloc(40);
  packet[0] = 0x80;
  packet[1] = payloadType;
  packet.writeUInt16BE(seq, 2);
  packet.writeUInt32BE(timestamp, 4);
  packet.writeUInt32BE(ssrc, 8);
  return packet;
}

describe('RtpSink', () => {
  let sink: RtpSink;
  let sender: dgram.Socket;
  beforeEach(async () => {
    sink = await RtpSink.open();
    sender = await bindUdp();
  });
  afterEach(async () => {
    sender.close();
    await sink.close();
  });

  const send = async (packets: Buffer[]) => {
    for (const packet of packets) sender.send(packet, sink.address.port, sink.address.ip);
    await sleep(50);
  };

  it('counts packets and sequence gaps per SSRC in a window, skipping RTCP', async () => {
    await send([rtp(100, 1, 0, 1)]);
    sink.window();
    const sr = Buffer.from([0x80, 200, 0, 6, ...Buffer.alloc(24)]);
    await send([rtp(100, 2, 0, 1), rtp(100, 4, 0, 1), rtp(101, 9, 0, 2), rtp(101, 10, 0, 2), sr]);
    const reading = sink.read();
    expect(reading.packets).toBe(4);
    expect(reading.lossPct).toBeCloseTo(20); // seq 3 of SSRC 1 never came: 1 of 5 expected
    expect(reading.streams).toBe(2);
  });

  it('times audio packets of the given payload type against the source send times', async () => {
    const sentAt = new Map<number, bigint>();
    sink.measureLatency({ sendTimeOfAudio: (ts) => sentAt.get(ts) }, 111);
    sink.window();
    sentAt.set(960, process.hrtime.bigint());
    await send([rtp(111, 1, 960, 5), rtp(100, 1, 960, 6), rtp(111, 2, 1920, 5)]);
    const { latency } = sink.read();
    expect(latency.samples).toBe(1); // the video packet and the untimed one are not samples
    expect(latency.p99Ms).toBeGreaterThan(0);
    expect(latency.p99Ms).toBeLessThan(1000);
  });

  it('asks the kernel for a large receive buffer', () => {
    expect(sink.recvBufferBytes).toBeGreaterThan(1 << 20);
  });
});
