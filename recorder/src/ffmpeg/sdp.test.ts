import { describe, expect, it } from 'vitest';
import { buildSdp, tapCodec } from './sdp.ts';

describe('recording SDP', () => {
  it('describes an H.264 consumer in its own payload type, skipping rtx', () => {
    const codec = tapCodec('video', {
      codecs: [
        { mimeType: 'video/rtx', payloadType: 103, clockRate: 90_000, parameters: { apt: 102 } },
        { mimeType: 'video/H264', payloadType: 102, clockRate: 90_000, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' } },
      ],
      encodings: [{ ssrc: 1234 }],
    });
    const sdp = buildSdp(codec, '127.0.0.1', 50_000);
    expect(sdp).toContain('m=video 50000 RTP/AVP 102\r\n');
    expect(sdp).toContain('a=rtcp:50001\r\n');
    expect(sdp).toContain('a=rtpmap:102 H264/90000\r\n');
    expect(sdp).toContain('a=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n');
    expect(sdp).not.toContain('rtx');
  });

  it('gives Opus its channel count and uses IP6 for an IPv6 address', () => {
    const codec = tapCodec('audio', { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48_000, channels: 2 }], encodings: [{ ssrc: 1 }] });
    const sdp = buildSdp(codec, '::1', 50_010);
    expect(sdp).toContain('a=rtpmap:100 opus/48000/2\r\n');
    expect(sdp).toContain('c=IN IP6 ::1\r\n');
    expect(sdp).not.toContain('a=fmtp');
  });
});
