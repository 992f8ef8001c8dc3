import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/*
 * What tests check of a published recording with ffmpeg itself: its streams and header duration, and a full
 * decode (video frames counted, audio decoded to PCM and measured). `inputArgs` go before the input, e.g.
 * `-headers` to read HLS through the library API.
 */

const exec = promisify(execFile);

export async function probeStreams(input: string): Promise<{ format: { duration: string }; streams: { codec_type: string; codec_name: string }[] }> {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name', '-of', 'json', input]);
  return JSON.parse(stdout) as { format: { duration: string }; streams: { codec_type: string; codec_name: string }[] };
}

export async function decodeMedia(input: string, inputArgs: string[] = []): Promise<{ videoFrames: number; audioSeconds: number }> {
  const video = await exec('ffmpeg', ['-v', 'error', '-xerror', ...inputArgs, '-i', input, '-map', '0:v:0', '-f', 'framemd5', '-'], { maxBuffer: 64 << 20 });
  const videoFrames = video.stdout.split('\n').filter((l) => l && !l.startsWith('#')).length;
  const audio = await exec('ffmpeg', ['-v', 'error', '-xerror', ...inputArgs, '-i', input, '-map', '0:a:0', '-ac', '2', '-ar', '48000', '-f', 's16le', '-'], {
    maxBuffer: 256 << 20,
    encoding: 'buffer',
  });
  return { videoFrames, audioSeconds: audio.stdout.length / (48_000 * 2 * 2) };
}
