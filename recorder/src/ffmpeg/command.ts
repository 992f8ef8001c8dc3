import ffmpeg, { type FfmpegCommand, type FfprobeData } from 'fluent-ffmpeg';
import { ClassroomError } from '@dualclass/protocol';

/*
 * The recorder's only way to run ffmpeg and ffprobe (Debian's binaries through fluent-ffmpeg), so every
 * invocation classifies failures the same way: a non-zero exit becomes a ClassroomError carrying ffmpeg's
 * last stderr line, never an unhandled 'error' event.
 */

export interface RunOptions {
  inputs: { path: string; options?: string[] }[];
  outputs: { path: string; options: string[] }[];
  /** Lower CPU priority for background work (verification), so live capture is never starved. */
  nice?: boolean;
}

const lastLine = (stderr: string | null) => (stderr ?? "").trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';

export function buildCommand(options: RunOptions): FfmpegCommand {
  const cmd = ffmpeg();
  for (const input of options.inputs) {
    cmd.input(input.path);
    if (input.options?.length) cmd.inputOptions(input.options);
  }
  for (const output of options.outputs) cmd.output(output.path).outputOptions(output.options);
  if (options.nice) cmd.renice(10);
  return cmd;
}

/** Runs ffmpeg to completion. */
export function runFfmpeg(options: RunOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const cmd = buildCommand(options);
    cmd.on('end', () => resolve());
    cmd.on('error', (err: Error, _stdout: string | null, stderr: string | null) =>
      reject(new ClassroomError('INTERNAL', `ffmpeg failed: ${lastLine(stderr) || err.message}`.slice(0, 300), { cause: err })),
    );
    cmd.run();
  });
}

export function ffprobe(path: string, options: string[] = []): Promise<FfprobeData> {
  return new Promise((resolve, reject) => {
    ffmpeg.ffprobe(path, options, (err: Error | null, data: FfprobeData) => {
      if (err) reject(new ClassroomError('INTERNAL', `ffprobe failed on ${path.split('/').slice(-2).join('/')}: ${err.message.slice(0, 200)}`, { cause: err }));
      else resolve(data);
    });
  });
}

/**
 * A full decode of every stream, failing on the first decode error. One decoder thread: verification runs in the
 * background, and a single thread spends the least CPU per frame.
 */
export function decodeCheck(path: string, options: { nice?: boolean; inputOptions?: string[] } = {}): Promise<void> {
  return runFfmpeg({
    inputs: [{ path, options: ['-v', 'error', '-xerror', '-threads', '1', ...(options.inputOptions ?? [])] }],
    outputs: [{ path: '-', options: ['-map', '0', '-f', 'null'] }],
    nice: options.nice,
  });
}

/** "00:01:02.50" → 62.5 */
export function timemarkSeconds(timemark: string): number | undefined {
  const m = /^(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(timemark.trim());
  if (!m) return undefined;
  const value = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  return m[1] ? -value : value;
}
