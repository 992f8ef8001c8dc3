import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { CaptureRun } from '../recorder/src/capture/capture-run.ts';
import { SegmentVerifier } from '../recorder/src/capture/segment-verifier.ts';
import { finalizeRecording, type CapturedTrack } from '../recorder/src/finalize/finalize.ts';
import type { TapCodec } from '../recorder/src/ffmpeg/sdp.ts';
import { LocalDirStore } from '../recorder/src/storage/local-store.ts';
import { RecordingRig } from '../recorder/src/testing/recording-rig.ts';

/*
 * Recording benchmark, two parts:
 *  1. Live capture through the real SFU and recorder: 720p H.264 studio angles (1.5 Mbit/s) and Opus audio from
 *     ffmpeg feeds. Prints the CPU of each capture ffmpeg (from /proc, over a steady window) and the CPU of the
 *     decode pass that verifies each finished segment during the lesson.
 *  2. Lesson end → published: finalizing a 60-minute lesson (two 720p angles + audio) from raw segments laid out
 *     exactly as the capture writes them, built by stream-copying a 20-second clip. Prints seconds to a
 *     verified, uploaded MP4 + HLS + thumbnail + manifest.
 * Options: --window <s> (capture window, default 30), --minutes <m> (lesson length for part 2, default 60),
 * --skip-capture, --skip-finalize.
 */

const exec = promisify(execFile);
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const WINDOW_S = arg('window', 30);
const MINUTES = arg('minutes', 60);
const TICK = 100; // USER_HZ on Linux
const SEGMENT_SECONDS = 8; // the recorder's default RECORDER_SEGMENT_SECONDS
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** /proc/<pid>/stat fields after the command name (field 3, state, is index 0). */
async function statFields(pid: number | 'self'): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ').map(Number);
}

async function cpuTicks(pid: number): Promise<number> {
  const f = await statFields(pid);
  return f[11]! + f[12]!; // utime + stime
}

async function pidsOf(pattern: string): Promise<number[]> {
  const { stdout } = await exec('pgrep', ['-f', pattern]).catch(() => ({ stdout: '' }));
  return stdout.trim().split('\n').filter(Boolean).map(Number);
}

/** CPU seconds of this process's finished (reaped) children: cutime + cstime. */
async function reapedChildrenCpu(): Promise<number> {
  const f = await statFields('self');
  return (f[13]! + f[14]!) / TICK;
}

async function captureCpu(): Promise<void> {
  const rig = await RecordingRig.start({ segmentSeconds: SEGMENT_SECONDS });
  try {
    const lessonId = 'les-bench-capture';
    await rig.client.call('recording.start', {
      lessonId,
      startedAt: new Date().toISOString(),
      tags: { title: 'bench', description: '', subject: '物理', grade: '高二', teacherName: '—', school: '—', knowledgePoints: [] },
    });
    const angles = [
      await rig.studioAngle(lessonId, 'bench-a', { audio: true, width: 1280, height: 720, bitrateKbps: 1500 }),
      await rig.studioAngle(lessonId, 'bench-b', { audio: false, width: 1280, height: 720, bitrateKbps: 1500, pattern: 'smptebars' }),
    ];
    let index = 0;
    const kinds: string[] = [];
    for (const [i, angle] of angles.entries()) {
      await rig.client.call('recording.addTrack', { lessonId, track: { producerId: angle.video.producerId, participantId: angle.participantId, kind: 'video', role: 'angle', label: `angle-${i}` } });
      kinds[index++] = 'video 720p H.264';
      if (angle.audio) {
        await rig.client.call('recording.addTrack', { lessonId, track: { producerId: angle.audio.producerId, participantId: angle.participantId, kind: 'audio', role: 'audio', label: 'audio' } });
        kinds[index++] = 'audio Opus';
      }
    }
    await sleep(5_000); // past ffmpeg's stream analysis
    const tracks = kinds.map((kind, i) => ({ kind, dir: path.join(rig.workDir, lessonId, `track-${String(i).padStart(3, '0')}`) }));
    const before = await Promise.all(tracks.map(async (t) => ({ ...t, pid: (await pidsOf(`${t.dir}/run-`))[0]! })).map(async (p) => {
      const t = await p;
      return { ...t, ticks: await cpuTicks(t.pid) };
    }));
    const started = performance.now();
    await sleep(WINDOW_S * 1000);
    const seconds = (performance.now() - started) / 1000;
    console.log(`\n1. Live capture (${seconds.toFixed(1)} s window, ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} cores)`);
    for (const t of before) {
      const used = ((await cpuTicks(t.pid)) - t.ticks) / TICK;
      console.log(`   capture ffmpeg, ${t.kind.padEnd(18)} ${((used / seconds) * 100).toFixed(2)} % of a core`);
    }
    // The decode pass each finished segment gets during the lesson, measured on this run's own segments.
    for (const t of tracks) {
      const run = path.join(t.dir, 'run-000');
      const segments = (await readdir(run)).filter((f) => /^seg-\d+\.mkv$/.test(f)).sort().slice(0, -1);
      const media = segments.length * SEGMENT_SECONDS;
      // The recorder's own verifier, handed the run's finished segments as its periodic scan does; nothing else
      // exits meanwhile, so the reaped children's CPU is the verification's.
      const before = await reapedChildrenCpu();
      const verifier = new SegmentVerifier();
      const ok = await Promise.all(segments.map((s) => verifier.verify(path.join(run, s))));
      const cpu = (await reapedChildrenCpu()) - before;
      if (ok.includes(false)) console.log('   (a segment failed verification)');
      console.log(`   verify decode,  ${t.kind.padEnd(18)} ${((cpu / media) * 100).toFixed(2)} % of a core (${segments.length} segments, ${cpu.toFixed(2)} CPU s for ~${media} s of media)`);
    }
  } finally {
    await rig.stop();
  }
}

const H264: TapCodec = { kind: 'video', mimeType: 'video/H264', payloadType: 102, clockRate: 90_000, channels: undefined, fmtp: '' };
const OPUS: TapCodec = { kind: 'audio', mimeType: 'audio/opus', payloadType: 100, clockRate: 48_000, channels: 2, fmtp: '' };

/** Raw segments (and the run's continuous file) for `minutes` of one stream, as a capture run writes them. */
async function synthesizeRun(clip: string, map: string, dir: string, minutes: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const loops = Math.ceil((minutes * 60) / 20) - 1;
  await exec('ffmpeg', [
    '-v', 'error', '-stream_loop', String(loops), '-i', clip, '-map', map, '-c', 'copy', '-t', String(minutes * 60),
    '-f', 'segment', '-segment_time', String(SEGMENT_SECONDS), '-segment_format', 'matroska', '-segment_list', path.join(dir, 'segments.csv'),
    '-segment_list_type', 'csv', '-reset_timestamps', '1', path.join(dir, 'seg-%05d.mkv'),
    '-map', map, '-c', 'copy', '-t', String(minutes * 60), '-f', 'matroska', path.join(dir, 'run.mkv'),
  ]);
}

async function finalizeTime(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dualclass-bench-'));
  try {
    const clip = path.join(dir, 'clip.mkv');
    await exec('ffmpeg', [
      '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', '20', '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'baseline', '-bf', '0', '-g', '60', '-b:v', '1500k', '-maxrate', '1500k', '-bufsize', '3000k',
      '-c:a', 'libopus', '-b:a', '64k', '-ac', '2', '-y', clip,
    ]);
    const lessonDir = path.join(dir, 'lesson');
    const layout = [
      { label: '教师特写', role: 'angle' as const, kind: 'video' as const, codec: H264, map: '0:v' },
      { label: '主讲音频', role: 'audio' as const, kind: 'audio' as const, codec: OPUS, map: '0:a' },
      { label: '实验台', role: 'angle' as const, kind: 'video' as const, codec: H264, map: '0:v' },
    ];
    const startMs = Date.now() - MINUTES * 60_000;
    const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
    const tracks: CapturedTrack[] = [];
    for (const [i, t] of layout.entries()) {
      const runDir = path.join(lessonDir, `track-${i}`, 'run-000');
      await synthesizeRun(clip, t.map, runDir, MINUTES);
      const run = new CaptureRun(runDir, () => undefined);
      run.anchorMs = startMs + 200;
      run.exit = 'stopped'; // as after a clean stop: its run.mkv is complete
      tracks.push({ track: { producerId: `p${i}`, participantId: 'studio', kind: t.kind, role: t.role, label: t.label }, codec: t.codec, runs: [run], log });
    }
    const rawBytes = await du(lessonDir);
    const store = new LocalDirStore(path.join(dir, 'files'));
    const started = performance.now();
    const phases: string[] = [];
    let playableAt: number | undefined;
    const manifest = await finalizeRecording({
      lessonId: 'les-bench-final',
      tags: { title: '基准课', description: '', subject: '物理', grade: '高二', teacherName: '—', school: '—', knowledgePoints: [] },
      startMs,
      endMs: startMs + MINUTES * 60_000 + 200,
      pauses: [],
      tracks,
      // Every segment had its decode pass during the lesson (part 1 prints what that costs).
      verifier: { verify: async () => true },
      store,
      dir: lessonDir,
      progress: (p) => phases.push(`${Math.round(p * 100)}% at ${((performance.now() - started) / 1000).toFixed(1)} s`),
      onPlayable: () => (playableAt = (performance.now() - started) / 1000),
      log,
    }).catch((err: unknown) => {
      console.error('finalize failed:', err);
      throw err;
    });
    const seconds = (performance.now() - started) / 1000;
    const main = manifest.files.find((f) => f.role === 'main')!;
    console.log(`\n2. Lesson end → verified and published (${MINUTES}-minute lesson: two 720p angles + audio, ${(rawBytes / 1e9).toFixed(2)} GB of raw segments)`);
    console.log(`   playable (master view MP4 + HLS + thumbnail verified and stored): ${playableAt?.toFixed(2) ?? '—'} s`);
    console.log(`   complete ${seconds.toFixed(2)} s → ${manifest.files.length} files + ${manifest.hls?.files.length ?? 0} HLS files; main.mp4 ${(main.bytes / 1e6).toFixed(0)} MB, ${main.durationSeconds} s`);
    console.log(`   progress: ${phases.join(', ')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function du(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

if (!process.argv.includes('--skip-capture')) await captureCpu();
if (!process.argv.includes('--skip-finalize')) await finalizeTime();
