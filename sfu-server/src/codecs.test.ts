import { describe, expect, it } from 'vitest';
import { highestTemporalLayer, ingestRtpParameters, kindOfMimeType, spatialLayerCount } from './codecs.ts';

describe('ingestRtpParameters', () => {
  it('builds VP8 at 90 kHz with the given payload type and SSRC', () => {
    expect(ingestRtpParameters({ kind: 'video', mimeType: 'video/VP8', payloadType: 101, ssrcs: [1111] })).toMatchObject({
      codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90_000 }],
      encodings: [{ ssrc: 1111 }],
    });
  });

  it('makes one encoding per simulcast rendition, lowest first, counted as spatial layers', () => {
    const p = ingestRtpParameters({ kind: 'video', mimeType: 'video/VP8', payloadType: 101, ssrcs: [10, 20, 30] });
    expect(p.encodings).toEqual([{ ssrc: 10 }, { ssrc: 20 }, { ssrc: 30 }]);
    expect(spatialLayerCount(p)).toBe(3);
  });

  it('builds stereo Opus at 48 kHz', () => {
    const p = ingestRtpParameters({ kind: 'audio', mimeType: 'audio/opus', payloadType: 100, ssrcs: [2222] });
    expect(p.codecs[0]).toMatchObject({ mimeType: 'audio/opus', clockRate: 48_000, channels: 2 });
  });

  it('builds H264 packetization-mode 1, constrained baseline 42e01f', () => {
    const p = ingestRtpParameters({ kind: 'video', mimeType: 'video/H264', payloadType: 102, ssrcs: [3333] });
    expect(p.codecs[0]?.parameters).toMatchObject({ 'packetization-mode': 1, 'profile-level-id': '42e01f' });
  });
});

describe('layers', () => {
  it('counts simulcast encodings and SVC spatial layers, bounded to 1..3', () => {
    const codecs = [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90_000 }];
    expect(spatialLayerCount({ codecs })).toBe(1);
    expect(spatialLayerCount({ codecs, encodings: [{ ssrc: 1 }] })).toBe(1);
    expect(spatialLayerCount({ codecs, encodings: [{ rid: 'r0' }, { rid: 'r1' }, { rid: 'r2' }] })).toBe(3);
    expect(spatialLayerCount({ codecs, encodings: [{ ssrc: 1, scalabilityMode: 'L3T3' }] })).toBe(3);
    expect(spatialLayerCount({ codecs, encodings: [{ ssrc: 1, scalabilityMode: 'L1T3' }] })).toBe(1);
  });

  it('picks the highest temporal layer from the scalability mode', () => {
    const codecs = [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90_000 }];
    expect(highestTemporalLayer({ codecs, encodings: [{ scalabilityMode: 'S3T3' }] })).toBe(2);
    expect(highestTemporalLayer({ codecs, encodings: [{ ssrc: 5 }] })).toBe(0);
  });

  it('derives the kind from the codec', () => {
    expect(kindOfMimeType('audio/opus')).toBe('audio');
    expect(kindOfMimeType('video/H264')).toBe('video');
  });
});
