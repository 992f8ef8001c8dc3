import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import pMap from 'p-map';
import path from 'node:path';
import type { HlsFile, LibraryTags, ManifestFile, RecordingGap, RecordingManifest } from '@dualclass/protocol';
import { ClassroomError } from '@dualclass/protocol';
import type { Logger } from 'pino';
import type { FileStore } from '../storage/file-store.ts';
import type { RecordingTrack } from '@dualclass/protocol';
import type { RawSegment, RunExit } from '../capture/capture-run.ts';
import { ffprobe, runFfmpeg } from '../ffmpeg/command.ts';
import { firstPacketTime, packetSpan } from '../ffmpeg/probe.ts';
import { isH264, type TapCodec } from '../ffmpeg/sdp.ts';
import { RecordingClock, clockLabel, concatEntries, concatScript, endAtResumption, planTrack, type Interval, type Placed, type PlannedRun } from './timeline.ts';

/** What finalizing reads of a capture (TrackCapture and CaptureRun in a live recording). */
export interface CapturedRun {
  readonly dir: string;
  /** The run's packets in one file, when complete (see CaptureRun). */
  readonly wholeFile?: string;
  readonly anchorMs: number | null;
  readonly exit: RunExit;
  segments(): Promise<RawSegment[]>;
}
export interface CapturedTrack {
  readonly track: RecordingTrack;
  readonly codec: TapCodec | undefined;
  /** Why the tap stopped delivering before the end (its SFU node went away); the rest is listed as lost. */
  readonly lost?: string;
  readonly runs: readonly CapturedRun[];
  readonly log: Logger;
}

export interface FinalizeInput {
  lessonId: string;
  tags: LibraryTags;
  startMs: number;
  endMs: number;
  pauses: Interval[];
  tracks: CapturedTrack[];
  /** Decodes a raw segment once (most were decoded during the lesson); false drops it as a gap. */
  verifier: { verify(file: string): Promise<boolean> };
  store: FileStore;
  /** The lesson's work folder; outputs are written under `<dir>/out` before upload. */
  dir: string;
  progress: (fraction: number) => void;
  /** Called once the master view, its HLS and the thumbnail are published, before the other outputs are done. */
  onPlayable?: (manifest: RecordingManifest) => void;
  log: Logger;
}

/** Published files may differ from the plan by this much before verification refuses them. */
const DURATION_TOLERANCE_SECONDS = 1.5;
const HLS_SEGMENT_SECONDS = 6;
const HLS_PLAYLIST = 'index.m3u8';

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
  const planned = new Map<CapturedTrack, { segments: Placed[]; end: number }>();
  const trackGaps: { track: CapturedTrack; gap: RecordingGap }[] = [];
  for (const track of input.tracks) {
    if (!track.codec) continue;
    const runs = await plannedRuns(track, input.verifier);
    const plan = planTrack(runs, clock, duration, track.lost);
    input.log.debug({ track: track.track.label, runs: runs.map((r) => r.segments.map((s) => [clock.toSeconds(s.wallStartMs).toFixed(3), s.length.toFixed(3)])) }, 'track plan');
    planned.set(track, { segments: plan.placed, end: plan.end });
    for (const gap of plan.gaps) trackGaps.push({ track, gap: { ...gap, track: track.track.label } });
  }
  for (const { track, gap } of trackGaps) {
    const sameOutput = [...planned].filter(([other]) => other !== track && outputKey(other) === outputKey(track)).flatMap(([, plan]) => plan.segments);
    const kept = endAtResumption(gap, sameOutput);
    if (kept) gaps.push(kept);
  }
  input.progress(0.3);

  // 2. Outputs: the master view (first studio angle + master audio), the other angles, each stage participant.
  const outputs = planOutputs(input.tracks, planned);
  const main = outputs[0];
  if (!main) throw new ClassroomError('INVALID_STATE', 'nothing was recorded');
  const outDir = path.join(input.dir, 'out');
  // A fresh folder: the store may hold hard links to a previous attempt's files, which must never be rewritten.
  await rm(outDir, { recursive: true, force: true });
  const hlsDir = path.join(outDir, 'hls');
  await mkdir(hlsDir, { recursive: true });
  const prefix = `recordings/${input.lessonId}`;

  // 3. Independent jobs, each remux → verify → checksum and upload, two at a time so both cores stay busy and
  // one job's flush to disk overlaps another's remux. The master view's HLS rendition is its own job.
  const jobs: (() => Promise<Published>)[] = outputs.map((output, index) => async () => {
    if (index > 0) {
      // An extra angle or stage file that cannot be made or verified is listed as lost; the lesson still publishes.
      return publishOutput(output, index).catch((err: unknown) => {
        input.log.error({ err, output: output.name }, 'output failed; listed as a gap');
        const span = groupSpan(output);
        gaps.push({ track: output.label, fromSeconds: round(span.start), toSeconds: round(span.end), reason: 'output failed verification' });
        return { files: [], hls: null };
      });
    }
    return publishOutput(output, index);
  });
  async function publishOutput(output: Output, index: number): Promise<Published> {
    const file = await remuxOutput(output, outDir);
    // Storing may run alongside verification: nothing refers to a stored object until the manifest names it,
    // and the manifest is only built from jobs whose verification passed.
    const [span, stored] = await Promise.all([
      verifyOutput(file.path, groupSpan(output)),
      publish(input, prefix, file.path, { role: output.role, label: output.label, contentType: file.contentType }),
    ]);
    const published: ManifestFile[] = [{ ...stored, durationSeconds: round(span.end) }];
    if (index === 0 && output.video) published.push(await publish(input, prefix, await thumbnail(file.path, span, outDir), { role: 'thumbnail', label: 'thumbnail', contentType: 'image/jpeg' }));
    return { files: published, hls: null };
  }
  if (isHlsReady(main)) {
    jobs.splice(1, 0, async () => {
      await writeHls(main, hlsDir, outDir);
      const [start, files] = await Promise.all([verifyHls(path.join(hlsDir, HLS_PLAYLIST), groupSpan(main)), pMap(
        (await readdir(hlsDir)).sort(),
        async (name): Promise<HlsFile> => {
          const key = `${prefix}/hls/${name}`;
          const contentType = name.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : name.endsWith('.m4s') ? 'video/iso.segment' : 'video/mp4';
          await input.store.putFile(key, path.join(hlsDir, name), contentType);
          return { name, storageKey: key, contentType };
        },
        { concurrency: 16 },
      )]);
      return { files: [], hls: { playlist: HLS_PLAYLIST, files, start } };
    });
  }
  // The master view and its HLS are the first two jobs; once both are in, the entry can already be played.
  const playableJobs = isHlsReady(main) ? 2 : 1;
  const finished: Published[] = [];
  let done = 0;
  let playableDone = 0;
  const results = await pMap(
    jobs,
    async (job, index) => {
      const began = performance.now();
      const result = await job();
      input.log.debug({ job: index, ms: Math.round(performance.now() - began) }, 'finalize job done');
      input.progress(0.3 + (0.65 * ++done) / jobs.length);
      finished[index] = result;
      if (index < playableJobs && ++playableDone === playableJobs && jobs.length > playableJobs) {
        input.onPlayable?.(manifestOf(input, duration, gaps, finished.filter(Boolean)));
      }
      return result;
    },
    { concurrency: 2 },
  );

  const manifest = manifestOf(input, duration, gaps, results);
  const manifestPath = path.join(outDir, 'manifest.json');
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
  const stored = await publish(input, prefix, manifestPath, { role: 'manifest', label: 'manifest', contentType: 'application/json' });
  manifest.files.push({ ...stored, fileName: 'manifest.json' });
  for (const gap of manifest.gaps) input.log.warn({ lessonId: input.lessonId, track: gap.track }, `lost ${clockLabel(gap.fromSeconds)}–${clockLabel(gap.toSeconds)}`);
  return manifest;
}

function manifestOf(input: FinalizeInput, duration: number, gaps: RecordingGap[], results: Published[]): RecordingManifest {
  const hls = results.find((r) => r.hls)?.hls;
  return {
    lessonId: input.lessonId,
    startedAt: new Date(input.startMs).toISOString(),
    endedAt: new Date(input.endMs).toISOString(),
    durationSeconds: round(duration),
    playbackOffsetSeconds: hls ? round(hls.start) : 0,
    paused: input.pauses.map((p) => ({ from: new Date(p.fromMs).toISOString(), to: new Date(p.toMs).toISOString() })),
    files: results.flatMap((r) => r.files),
    hls: hls ? { playlist: hls.playlist, files: hls.files } : null,
    gaps: [...gaps].sort((a, b) => a.fromSeconds - b.fromSeconds),
    tags: input.tags,
  };
}

async function plannedRuns(track: CapturedTrack, verifier: FinalizeInput['verifier']): Promise<PlannedRun[]> {
  const runs: PlannedRun[] = [];
  for (const run of track.runs) {
    if (run.anchorMs === null) continue; // no packet ever reached this run
    const segments = [];
    const listed = await run.segments();
    track.log.debug({ dir: run.dir, exit: run.exit, anchor: run.anchorMs, segs: listed.map((s) => [path.basename(s.file), s.start, s.end, s.partial]) }, 'run');
    for (const seg of listed) {
      const { start } = seg;
      let { end } = seg;
      if (seg.partial) {
        // A crash or stop left this one without a list entry: it starts where the last listed one ended, and
        // its packets say how much survived.
        const span = await packetSpan(seg.file).catch(() => undefined);
        if (!span) continue;
        end = start + span.end;
      }
      const ok = await verifier.verify(seg.file);
      segments.push({ file: seg.file, wallStartMs: run.anchorMs + start * 1000, length: Math.max(0, end - start), ok });
    }
    const whole = run.wholeFile && (await stat(run.wholeFile).then(() => run.wholeFile, () => undefined));
    runs.push({ segments, crashed: run.exit === 'crashed', whole });
  }
  return runs;
}

function planOutputs(tracks: CapturedTrack[], planned: Map<CapturedTrack, { segments: Placed[]; end: number }>): Output[] {
  const groups = new Map<string, StreamGroup>();
  const order: string[] = [];
  for (const track of tracks) {
    const plan = planned.get(track);
    if (!plan || plan.segments.length === 0 || !track.codec) continue;
    const { label } = track.track;
    const key = outputKey(track);
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

/** A camera republished under the same name continues the same output; stage media group by participant. */
function outputKey({ track, codec }: CapturedTrack): string {
  return track.role === 'stage' ? `stage:${track.participantId}:${track.kind}` : `${track.role}:${track.label}:${track.kind}:${codec?.mimeType}`;
}

interface Published {
  files: ManifestFile[];
  hls: { playlist: string; files: HlsFile[]; start: number } | null;
}

const isMp4 = (output: Output) => !output.video || isH264(output.video.codec);
/** HLS (fMP4) needs H.264 video (or audio only); a VP8 master view is published as WebM without HLS. */
const isHlsReady = (output: Output) => isMp4(output);

/** Where the plan says an output's media begins and ends, in recording seconds. */
function groupSpan(output: Output): { start: number; end: number } {
  const groups = [output.video, output.audio].filter((g): g is StreamGroup => !!g);
  return { start: Math.min(...groups.map((g) => Math.min(...g.segments.map((s) => s.at)))), end: Math.max(...groups.map((g) => g.end)) };
}

/** Concat inputs and stream maps for an output's groups, each offset to where its first segment lands. */
async function concatInputs(output: Output, outDir: string): Promise<{ inputs: { path: string; options: string[] }[]; maps: string[] }> {
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
  return { inputs, maps };
}

/** One remux (no re-encoding) of the output's streams from their segments. */
async function remuxOutput(output: Output, outDir: string): Promise<{ path: string; contentType: string }> {
  const mp4 = isMp4(output);
  const file = path.join(outDir, `${output.name}.${mp4 ? 'mp4' : 'webm'}`);
  const { inputs, maps } = await concatInputs(output, outDir);
  await runFfmpeg({ inputs, outputs: [{ path: file, options: [...maps, '-c', 'copy', '-f', mp4 ? 'mp4' : 'webm', '-y'] }] });
  return { path: file, contentType: mp4 ? 'video/mp4' : 'video/webm' };
}

/** The master view as HLS (fMP4 fragments), remuxed from the same segments in its own process. */
async function writeHls(output: Output, hlsDir: string, outDir: string): Promise<void> {
  const { inputs, maps } = await concatInputs({ ...output, name: `${output.name}-hls` }, outDir);
  await runFfmpeg({
    inputs,
    outputs: [
      {
        path: path.join(hlsDir, HLS_PLAYLIST),
        options: [
          ...maps, '-c', 'copy', '-f', 'hls', '-hls_time', String(HLS_SEGMENT_SECONDS), '-hls_playlist_type', 'vod',
          '-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init.mp4', '-hls_segment_filename', path.join(hlsDir, 'seg_%05d.m4s'), '-y',
        ],
      },
    ],
  });
}

async function thumbnail(file: string, span: { start: number; end: number }, outDir: string): Promise<string> {
  const thumb = path.join(outDir, 'thumbnail.jpg');
  const at = span.start + Math.min(3, Math.max(0, (span.end - span.start) / 2));
  await runFfmpeg({ inputs: [{ path: file, options: ['-ss', at.toFixed(2)] }], outputs: [{ path: thumb, options: ['-frames:v', '1', '-vf', 'scale=480:-2', '-q:v', '4', '-y'] }] });
  return thumb;
}

/** Checksum and upload side by side; the returned entry names the stored object. */
async function publish(
  input: FinalizeInput,
  prefix: string,
  file: string,
  meta: { role: ManifestFile['role']; label: string; contentType: string },
): Promise<ManifestFile> {
  const name = path.basename(file);
  const key = `${prefix}/${name}`;
  const [stored, digest] = await Promise.all([input.store.putFile(key, file, meta.contentType), sha256(file)]);
  return {
    role: meta.role,
    label: meta.label,
    storageKey: key,
    fileName: downloadName(input.tags.title, meta.label, name),
    contentType: meta.contentType,
    bytes: stored.bytes,
    sha256: digest,
    durationSeconds: null,
  };
}

/**
 * An output is published only if its container opens with the expected streams, every packet demuxes, and its
 * real duration (from the last packets' timestamps, not the header) matches the plan. The full decode pass was
 * done on each raw segment as it landed; a remux with -c copy carries exactly those packets.
 */
async function verifyOutput(file: string, expected: { start: number; end: number }): Promise<{ start: number; end: number }> {
  const info = await ffprobe(file);
  if (info.streams.length === 0) throw new ClassroomError('INTERNAL', `${path.basename(file)} has no streams`);
  await runFfmpeg({ inputs: [{ path: file, options: ['-v', 'error', '-xerror'] }], outputs: [{ path: '-', options: ['-map', '0', '-c', 'copy', '-f', 'null'] }] });
  const headerDuration = Number(info.format.duration) || 0;
  const tail = await packetSpan(file, { fromSeconds: headerDuration - 10 });
  const start = await firstPacketTime(file);
  if (!tail || start === undefined) throw new ClassroomError('INTERNAL', `${path.basename(file)} has no packets`);
  const span = { start, end: tail.end };
  if (Math.abs(span.end - expected.end) > DURATION_TOLERANCE_SECONDS || Math.abs(span.start - expected.start) > DURATION_TOLERANCE_SECONDS) {
    throw new ClassroomError('INTERNAL', `${path.basename(file)} spans ${span.start.toFixed(2)}–${span.end.toFixed(2)} s, expected ${expected.start.toFixed(2)}–${expected.end.toFixed(2)} s`);
  }
  return span;
}

/**
 * The HLS rendition must demux through and carry the media span the plan expects (as the master MP4 does). Its end
 * is read from the last fragment's own timestamps (init segment + last fragment), not from the playlist's EXTINFs.
 */
async function verifyHls(playlist: string, expected: { start: number; end: number }): Promise<number> {
  await runFfmpeg({ inputs: [{ path: playlist, options: ['-v', 'error', '-xerror'] }], outputs: [{ path: '-', options: ['-map', '0', '-c', 'copy', '-f', 'null'] }] });
  const dir = path.dirname(playlist);
  const fragments = (await readFile(playlist, 'utf8')).split('\n').filter((l) => l.endsWith('.m4s'));
  if (fragments.length === 0) throw new ClassroomError('INTERNAL', 'HLS has no fragments');
  // A fragment with the init segment in front is a small complete MP4 whose packets carry their real times.
  const span = async (fragment: string) => {
    const file = path.join(dir, '..', `hls-${fragment}.mp4`);
    await writeFile(file, Buffer.concat([await readFile(path.join(dir, 'init.mp4')), await readFile(path.join(dir, fragment))]));
    return packetSpan(file);
  };
  const head = await span(fragments[0]!);
  const tail = await span(fragments.at(-1)!);
  if (!head || !tail) throw new ClassroomError('INTERNAL', 'HLS fragment has no packets');
  if (Math.abs(head.start - expected.start) > DURATION_TOLERANCE_SECONDS || Math.abs(tail.end - expected.end) > DURATION_TOLERANCE_SECONDS) {
    throw new ClassroomError('INTERNAL', `HLS spans ${head.start.toFixed(2)}–${tail.end.toFixed(2)} s, expected ${expected.start.toFixed(2)}–${expected.end.toFixed(2)} s`);
  }
  return head.start;
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The name a browser saves the file under: the lesson title plus the stream's label; never used as a path. */
function downloadName(title: string, label: string, file: string): string {
  const ext = path.extname(file);
  const safe = (s: string) => s.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').trim().slice(0, 80);
  return `${safe(title)}-${safe(label)}${ext}`;
}

const round = (n: number) => Math.round(n * 1000) / 1000;
