/** RTP parameters a browser would send for a VP8 camera and an Opus mic; enough for the SFU to create producers. */
export const videoParams = (ssrc: number) => ({
  mid: '0',
  codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, rtcpFeedback: [] }],
  encodings: [{ ssrc }],
  rtcp: { cname: `c${ssrc}` },
});

export const audioParams = (ssrc: number) => ({
  mid: '1',
  codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
  encodings: [{ ssrc }],
  rtcp: { cname: `c${ssrc}` },
});
