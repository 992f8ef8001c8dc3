import { spawn, type ChildProcess } from 'node:child_process';
import type { IngestInfo } from '@dualclass/protocol';

export const FEED_VIDEO = { payloadType: 101, ssrc: 22222222 } as const;
export const FEED_AUDIO = { payloadType: 100, ssrc: 11111111 } as const;

// RTCP goes to port+1, where nothing listens: a comedia transport locks onto the first sender address it
// sees, and ffmpeg sends RTCP from a second local socket, so muxing it onto the RTP port could lock the wrong one.
const rtpUrl = (ip: string, port: number) => `rtp://${ip}:${port}?pkt_size=1200`;

const VIDEO_ENCODERS = {
  // Constrained baseline without B-frames, as browsers send it, so MP4/HLS recording needs no re-encode.
  'video/H264': ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-bf', '0'],
  'video/VP8': ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-error-resilient', '1', '-auto-alt-ref', '0'],
} as const;

/**
 * A synthetic studio camera: ffmpeg's test pattern and a 440 Hz tone, encoded live as H.264 (or VP8) + Opus
 * and pushed as RTP to the SFU's plain ingest ports. A keyframe every second stands in for PLI,
 * which ffmpeg ignores, so a new viewer waits at most a second for its first frame.
 */
export function startStudioFeed(
  ingest: IngestInfo,
  options: { width?: number; height?: number; bitrateKbps?: number; mimeType?: keyof typeof VIDEO_ENCODERS; pattern?: string } = {},
): ChildProcess {
  const { width = 1280, height = 720, bitrateKbps = 1500, mimeType = 'video/H264', pattern = 'testsrc2' } = options;
  const args = [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-re', '-f', 'lavfi', '-i', `${pattern}=size=${width}x${height}:rate=30`,
    '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-map', '0:v', ...VIDEO_ENCODERS[mimeType], '-b:v', `${bitrateKbps}k`, '-g', '30', '-keyint_min', '30',
    '-payload_type', String(FEED_VIDEO.payloadType), '-ssrc', String(FEED_VIDEO.ssrc),
    '-f', 'rtp', rtpUrl(ingest.video.ip, ingest.video.port),
  ];
  if (ingest.audio) {
    args.push(
      '-map', '1:a', '-c:a', 'libopus', '-b:a', '64k', '-ac', '2', '-ar', '48000',
      '-payload_type', String(FEED_AUDIO.payloadType), '-ssrc', String(FEED_AUDIO.ssrc),
      '-f', 'rtp', rtpUrl(ingest.audio.ip, ingest.audio.port),
    );
  }
  return spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
