import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HlsFile, LibraryTags, ManifestFile, RecordingGap, RecordingManifest } from '@dualclass/protocol';
import { ClassroomError } from '@dualclass/protocol';
import type { Logger } from 'pino';
import type { FileStore } from '../storage/file-store.ts';
import type { TrackCapture } from '../capture/track-capture.ts';
import type { SegmentVerifier } from '../capture/segment-verifier.ts';
import { ffprobe, runFfmpeg } from '../ffmpeg/command.ts';
import { firstPacketTime, packetSpan } from '../ffmpeg/probe.ts';
import { isH264, type TapCodec } from '../ffmpeg/sdp.ts';
import { RecordingClock, clockLabel, concatEntries, concatScript, planTrack, type Interval, type Placed, type PlannedRun } from './timeline.ts';

export interface FinalizeInput {
  lessonId: string;
  tags: LibraryTags;
  startMs: number;
  endMs: number;
  pauses: Interval[];
  tracks: TrackCapture[];
  verifier: SegmentVerifier;
  store: FileStore;
  /** The lesson's work folder; outputs are written under `<dir>/out` before upload. */
  dir: string;
  progress: (fraction: number) => void;
  log: Logger;
}

/** Published files may differ from the plan by this much before verification refuses them. */
const DURATION_TOLERANCE_SECONDS = 1.5;
const HLS_SEGMENT_SECONDS = 6;

interface StreamGroup {
  key: string;
  label: string;
  codec: TapCodec;
  segments: Placed[];
  end: number;
}

interface Output {
  role: ManifestFile['role'];
  label: string;
  name: string;
  video: StreamGroup | undefined;
  audio: StreamGroup | undefined;
}

/**
 * Lesson end → verified, published files. Raw segments are only read; they stay on disk until the caller
 * deletes them after this resolves, so a failed finalize can be retried from the same material.
 */
export async function finalizeRecording(input: FinalizeInput): Promise<RecordingManifest> {
  const clock = new RecordingClock(input.startMs, input.pauses);
  const duration = clock.toSeconds(input.endMs);
  const gaps: RecordingGap[] = [];

  // 1. Every segment verified (most already were during the lesson) and placed on the recording's timeline.
  const planned = new Map<TrackCapture, { segments: Placed[]; end: number }>();
  for (const track of input.tracks) {
    if (!track.codec) continue;
    const runs = await plannedRuns(track, input.verifier);
    const plan = planTrack(runs, clock);
    input.log.debug({ track: track.track.label, runs: runs.map((r) => r.segments.map((s) => [clock.toSeconds(s.wallStartMs).toFixed(3), s.length.toFixed(3)])) }, 'track plan');
    planned.set(track, { segments: plan.placed, end: plan.end });
    for (const gap of plan.gaps) gaps.push({ ...gap, track: track.track.label });
  }
  input.progress(0.3);

  // 2. Outputs: the master view (first studio angle + master audio), the other angles, each stage participant.
  const outputs = planOutputs(input.tracks, planned);
  const main = outputs[0];
  if (!main) throw new ClassroomError('INVALID_STATE', 'nothing was recorded');
  const outDir = path.join(input.dir, 'out');
  await mkdir(path.join(outDir, 'hls'), { recursive: true });
  const files: { role: ManifestFile['role']; label: string; file: string; contentType: string; duration: number | null }[] = [];
  let mainSpan = { start: 0, end: 0 };
  let hls: { dir: string; playlist: string } | null = null;

  for (const [index, output] of outputs.entries()) {
    const { file, contentType, withHls } = await writeOutput(output, outDir, index === 0);
    if (withHls) hls = { dir: path.join(outDir, 'hls'), playlist: 'index.m3u8' };
    const expectedEnd = Math.max(output.video?.end ?? 0, output.audio?.end ?? 0);
    const span = await verifyOutput(file, expectedEnd);
    if (index === 0) mainSpan = span;
    files.push({ role: output.role, label: output.label, file, contentType, duration: span.end });
    input.progress(0.3 + (0.4 * (index + 1)) / outputs.length);
  }
  if (hls) await verifyHls(path.join(hls.dir, hls.playlist), mainSpan);

  if (main.video) {
    const thumb = path.join(outDir, 'thumbnail.jpg');
    const at = Math.min(3, Math.max(0, (files[0]!.duration ?? 0) / 2));
    await runFfmpeg({ inputs: [{ path: files[0]!.file, options: ['-ss', at.toFixed(2)] }], outputs: [{ path: thumb, options: ['-frames:v', '1', '-vf', 'scale=480:-2', '-q:v', '4', '-y'] }] });
    files.push({ role: 'thumbnail', label: 'thumbnail', file: thumb, contentType: 'image/jpeg', duration: null });
  }
  input.progress(0.75);

  // 3. Publish: checksums and upload; the manifest names every stored object.
  const prefix = `recordings/${input.lessonId}`;
  const manifestFiles: ManifestFile[] = [];
  for (const f of files) {
    const name = path.basename(f.file);
    const key = `${prefix}/${name}`;
    const stored = await input.store.putFile(key, f.file, f.contentType);
    manifestFiles.push({
      role: f.role,
      label: f.label,
      storageKey: key,
      fileName: downloadName(input.tags.title, f.label, name),
      contentType: f.contentType,
      bytes: stored.bytes,
      sha256: await sha256(f.file),
      durationSeconds: f.duration === null ? null : round(f.duration),
    });
  }
  let hlsManifest: RecordingManifest['hls'] = null;
  if (hls) {
    const hlsFiles: HlsFile[] = [];
    for (const name of (await readdir(hls.dir)).sort()) {
      const key = `${prefix}/hls/${name}`;
      const contentType = name.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : name.endsWith('.m4s') ? 'video/iso.segment' : 'video/mp4';
      await input.store.putFile(key, path.join(hls.dir, name), contentType);
      hlsFiles.push({ name, storageKey: key, contentType });
    }
    hlsManifest = { playlist: hls.playlist, files: hlsFiles };
  }
  input.progress(0.95);

  const manifest: RecordingManifest = {
    lessonId: input.lessonId,
    startedAt: new Date(input.startMs).toISOString(),
    endedAt: new Date(input.endMs).toISOString(),
    durationSeconds: round(duration),
    playbackOffsetSeconds: hls ? round(mainSpan.start) : 0,
    paused: input.pauses.map((p) => ({ from: new Date(p.fromMs).toISOString(), to: new Date(p.toMs).toISOString() })),
    files: manifestFiles,
    hls: hlsManifest,
    gaps: gaps.sort((a, b) => a.fromSeconds - b.fromSeconds),
    tags: input.tags,
  };
  const manifestPath = path.join(outDir, 'manifest.json');
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
  const stored = await input.store.putFile(`${prefix}/manifest.json`, manifestPath, 'application/json');
  manifest.files.push({
    role: 'manifest',
    label: 'manifest',
    storageKey: `${prefix}/manifest.json`,
    fileName: 'manifest.json',
    contentType: 'application/json',
    bytes: stored.bytes,
    sha256: await sha256(manifestPath),
    durationSeconds: null,
  });
  for (const gap of manifest.gaps) input.log.warn({ lessonId: input.lessonId, track: gap.track }, `lost ${clockLabel(gap.fromSeconds)}–${clockLabel(gap.toSeconds)}`);
  return manifest;
}

async function plannedRuns(track: TrackCapture, verifier: SegmentVerifier): Promise<PlannedRun[]> {
  const runs: PlannedRun[] = [];
  for (const run of track.runs) {
    if (run.anchorMs === null) continue; // no packet ever reached this run
    const segments = [];
    const listed = await run.segments();
    track.log.debug({ dir: run.dir, exit: run.exit, anchor: run.anchorMs, segs: listed.map((s) => [path.basename(s.file), s.start, s.end, s.partial]) }, 'run');
    for (const seg of listed) {
      let { start, end } = seg;
      if (seg.partial) {
        // A crash left this one without a list entry: its packets say what survived.
        const span = await packetSpan(seg.file).catch(() => undefined);
        if (!span) continue;
        ({ start, end } = span);
      }
      const ok = await verifier.verify(seg.file);
      segments.push({ file: seg.file, wallStartMs: run.anchorMs + start * 1000, length: Math.max(0, end - start), ok });
    }
    runs.push({ segments, crashed: run.exit === 'crashed' });
  }
  return runs;
}

function planOutputs(tracks: TrackCapture[], planned: Map<TrackCapture, { segments: Placed[]; end: number }>): Output[] {
  const groups = new Map<string, StreamGroup>();
  const order: string[] = [];
  for (const track of tracks) {
    const plan = planned.get(track);
    if (!plan || plan.segments.length === 0 || !track.codec) continue;
    const { role, label, participantId, kind } = track.track;
    // A camera republished under the same name continues the same output; stage media group by participant.
    const key = role === 'stage' ? `stage:${participantId}:${kind}` : `${role}:${label}:${kind}:${track.codec.mimeType}`;
    let group = groups.get(key);
    if (!group) {
      group = { key, label, codec: track.codec, segments: [], end: 0 };
      groups.set(key, group);
      order.push(key);
    }
    group.segments.push(...plan.segments);
    group.end = Math.max(group.end, plan.end);
  }
  const list = order.map((k) => groups.get(k)!);
  const angles = list.filter((g) => g.key.startsWith('angle:') && g.codec.kind === 'video');
  // The master view prefers an H.264 angle: only that can go into MP4 and HLS without re-encoding.
  const mainVideo = angles.find((g) => isH264(g.codec)) ?? angles[0];
  const masterAudio = list.find((g) => g.key.startsWith('audio:'));
  const outputs: Output[] = [];
  if (mainVideo || masterAudio) outputs.push({ role: 'main', label: mainVideo?.label ?? masterAudio!.label, name: 'main', video: mainVideo, audio: masterAudio });
  angles
    .filter((g) => g !== mainVideo)
    .forEach((g, i) => outputs.push({ role: 'angle', label: g.label, name: `angle-${i + 1}`, video: g, audio: undefined }));
  const stageParticipants = [...new Set(list.filter((g) => g.key.startsWith('stage:')).map((g) => g.key.split(':')[1]!))];
  stageParticipants.forEach((participantId, i) => {
    const video = groups.get(`stage:${participantId}:video`);
    const audio = groups.get(`stage:${participantId}:audio`);
    outputs.push({ role: 'stage', label: (video ?? audio)!.label, name: `stage-${i + 1}`, video, audio });
  });
  return outputs;
}

/** One remux (no re-encoding) of the output's streams from their segments; the master view also yields HLS. */
async function writeOutput(output: Output, outDir: string, isMain: boolean): Promise<{ file: string; contentType: string; withHls: boolean }> {
  const mp4 = !output.video || isH264(output.video.codec);
  const file = path.join(outDir, `${output.name}.${mp4 ? 'mp4' : 'webm'}`);
  const inputs: { path: string; options: string[] }[] = [];
  const maps: string[] = [];
  for (const group of [output.video, output.audio]) {
    if (!group) continue;
    const entries = concatEntries(group.segments);
    const list = path.join(outDir, `${output.name}-${group.codec.kind}.ffconcat`);
    await writeFile(list, concatScript(entries));
    inputs.push({ path: list, options: ['-f', 'concat', '-safe', '0', '-itsoffset', entries[0]!.at.toFixed(6)] });
    maps.push('-map', `${inputs.length - 1}:${group.codec.kind === 'video' ? 'v' : 'a'}:0`);
  }
  const outputs = [{ path: file, options: [...maps, '-c', 'copy', '-f', mp4 ? 'mp4' : 'webm', '-y'] }];
  const withHls = isMain && mp4;
  if (withHls) {
    const hlsDir = path.join(outDir, 'hls');
    outputs.push({
      path: path.join(hlsDir, 'index.m3u8'),
      options: [
        ...maps, '-c', 'copy', '-f', 'hls', '-hls_time', String(HLS_SEGMENT_SECONDS), '-hls_playlist_type', 'vod',
        '-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init.mp4', '-hls_segment_filename', path.join(hlsDir, 'seg_%05d.m4s'), '-y',
      ],
    });
  }
  await runFfmpeg({ inputs, outputs });
  return { file, contentType: mp4 ? 'video/mp4' : 'video/webm', withHls };
}

/**
 * An output is published only if its container opens with the expected streams, every packet demuxes, and its
 * real duration (from the last packets' timestamps, not the header) matches the plan. The full decode pass was
 * done on each raw segment as it landed; a remux with -c copy carries exactly those packets.
 */
async function verifyOutput(file: string, expectedEnd: number): Promise<{ start: number; end: number }> {
  const info = await ffprobe(file);
  if (info.streams.length === 0) throw new ClassroomError('INTERNAL', `${path.basename(file)} has no streams`);
  await runFfmpeg({ inputs: [{ path: file, options: ['-v', 'error', '-xerror'] }], outputs: [{ path: '-', options: ['-map', '0', '-c', 'copy', '-f', 'null'] }] });
  const headerDuration = Number(info.format.duration) || 0;
  const tail = await packetSpan(file, headerDuration - 10);
  const start = await firstPacketTime(file);
  if (!tail || start === undefined) throw new ClassroomError('INTERNAL', `${path.basename(file)} has no packets`);
  const span = { start, end: tail.end };
  if (Math.abs(span.end - expectedEnd) > DURATION_TOLERANCE_SECONDS) {
    throw new ClassroomError('INTERNAL', `${path.basename(file)} ends at ${span.end.toFixed(2)} s, expected ${expectedEnd.toFixed(2)} s`);
  }
  return span;
}

/**
 * The HLS rendition must decode through and carry the same media span as the master MP4 it was cut from. Its end
 * is read from the last fragment's own timestamps (init segment + last fragment), not from the playlist's EXTINFs.
 */
async function verifyHls(playlist: string, main: { start: number; end: number }): Promise<void> {
  await runFfmpeg({ inputs: [{ path: playlist, options: ['-v', 'error', '-xerror'] }], outputs: [{ path: '-', options: ['-map', '0', '-c', 'copy', '-f', 'null'] }] });
  const dir = path.dirname(playlist);
  const fragments = (await readFile(playlist, 'utf8')).split('\n').filter((l) => l.endsWith('.m4s'));
  const last = fragments.at(-1);
  const start = await firstPacketTime(playlist);
  if (!last || start === undefined) throw new ClassroomError('INTERNAL', 'HLS has no fragments');
  const tailFile = path.join(dir, '..', 'hls-tail.mp4');
  await writeFile(tailFile, Buffer.concat([await readFile(path.join(dir, 'init.mp4')), await readFile(path.join(dir, last))]));
  const tail = await packetSpan(tailFile);
  if (!tail) throw new ClassroomError('INTERNAL', 'HLS last fragment has no packets');
  if (Math.abs(start - main.start) > DURATION_TOLERANCE_SECONDS || Math.abs(tail.end - main.end) > DURATION_TOLERANCE_SECONDS) {
    throw new ClassroomError('INTERNAL', `HLS spans ${start.toFixed(2)}–${tail.end.toFixed(2)} s, the MP4 ${main.start.toFixed(2)}–${main.end.toFixed(2)} s`);
  }
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The name a browser saves the file under: the lesson title plus the stream's label; never used as a path. */
function downloadName(title: string, label: string, file: string): string {
  const ext = path.extname(file);
  const safe = (s: string) => s.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').trim().slice(0, 80);
  return `${safe(title)}-${safe(label)}${ext}`;
}

const round = (n: number) => Math.round(n * 1000) / 1000;
