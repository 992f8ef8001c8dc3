import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ClassroomError } from '@dualclass/protocol';

const exec = promisify(execFile);

/*
 * Measurements fluent-ffmpeg's ffprobe wrapper does not expose (it returns streams and format only): packet
 * timestamps, which are the real duration of a file rather than what its header claims.
 */

interface PacketJson {
  packets?: { pts_time?: string; duration_time?: string; stream_index?: number }[];
}

async function packets(file: string, args: string[]): Promise<NonNullable<PacketJson['packets']>> {
  try {
    const { stdout } = await exec('ffprobe', ['-v', 'error', ...args, '-show_entries', 'packet=pts_time,duration_time,stream_index', '-of', 'json', file], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return (JSON.parse(stdout) as PacketJson).packets ?? [];
  } catch (err) {
    const detail = String((err as { stderr?: unknown }).stderr ?? '').trim().split('\n').slice(-1)[0] ?? '';
    throw new ClassroomError('INTERNAL', `ffprobe could not read packets of ${file.split('/').slice(-2).join('/')}: ${detail}`.slice(0, 300), { cause: err });
  }
}

const end = (p: { pts_time?: string; duration_time?: string }) => Number(p.pts_time) + (Number(p.duration_time) || 0);

/**
 * First and last media time of a file (or URL), from its packets. `fromSeconds` skips reading what comes before;
 * `inputArgs` go before the input (e.g. `-headers` for an HTTP source).
 */
export async function packetSpan(file: string, options: { fromSeconds?: number; inputArgs?: string[] } = {}): Promise<{ start: number; end: number } | undefined> {
  const { fromSeconds, inputArgs = [] } = options;
  // Seeking to (or before) a file's first sample fails in some demuxers (HLS), and saves nothing anyway.
  const seek = fromSeconds !== undefined && fromSeconds > 2 ? ['-read_intervals', `${fromSeconds}%`] : [];
  let span: { start: number; end: number } | undefined;
  for (const p of await packets(file, [...inputArgs, ...seek])) {
    const pts = Number(p.pts_time);
    if (!Number.isFinite(pts)) continue;
    span = { start: Math.min(span?.start ?? pts, pts), end: Math.max(span?.end ?? end(p), end(p)) };
  }
  return span;
}

/** Start of a file's media (earliest stream), reading only its first two seconds of packets. */
export async function firstPacketTime(file: string): Promise<number | undefined> {
  const first = (await packets(file, ['-read_intervals', '%+2'])).map((p) => Number(p.pts_time)).filter(Number.isFinite);
  return first.length ? Math.min(...first) : undefined;
}
