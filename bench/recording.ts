import { flagOption, numberOption } from './lib/cli-options.ts';
import { saveSection } from './lib/results.ts';
import { measureFinalize } from './recording/finalize-lesson.ts';
import { measureLiveCapture, SEGMENT_SECONDS, type StreamCpu } from './recording/live-capture.ts';

/*
 * Recording benchmark, two parts:
 *  1. A short real lesson through the real SFU and recorder: CPU of each capture ffmpeg (720p H.264 at 1.5 Mbit/s,
 *     Opus) over a steady window, the decode pass each finished segment gets during the lesson, and the lesson's
 *     end → `recording.playable`.
 *  2. Lesson end → playable and complete library entry for a long lesson (default 60 minutes), from raw segments
 *     laid out as the capture writes them: the figure a school plans with.
 * Options: --window <s> (capture window, default 20), --minutes <m> (lesson length for part 2, default 60),
 * --skip-capture, --skip-finalize.
 */

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

export async function run(): Promise<void> {
  const windowSeconds = numberOption('window', 20);
  const minutes = numberOption('minutes', 60);
  const section: Record<string, unknown> = { measuredAt: new Date().toISOString() };
  const method: string[] = [];

  if (!flagOption('skip-capture')) {
    const live = await measureLiveCapture(windowSeconds);
    const of = (kind: StreamCpu['kind'], key: 'capturePct' | 'verifyPct') => round(mean(live.streams.filter((s) => s.kind === kind).map((s) => s[key])));
    Object.assign(section, {
      cpuPerStreamPct: of('video', 'capturePct'),
      cpuPerAudioStreamPct: of('audio', 'capturePct'),
      verifyPerStreamPct: of('video', 'verifyPct'),
      verifyPerAudioStreamPct: of('audio', 'verifyPct'),
      captureWindowSeconds: windowSeconds,
      shortLessonSeconds: round(live.lessonSeconds, 1),
      shortLessonReadySeconds: round(live.playableSeconds),
      shortLessonPublishedSeconds: round(live.publishedSeconds),
    });
    console.log(`recording: capture ${section.cpuPerStreamPct} % of a core per 720p stream (audio ${section.cpuPerAudioStreamPct} %), verify pass ${section.verifyPerStreamPct} % (audio ${section.verifyPerAudioStreamPct} %)`);
    console.log(`recording: ${section.shortLessonSeconds} s lesson: end → playable ${section.shortLessonReadySeconds} s, → published ${section.shortLessonPublishedSeconds} s`);
    method.push(
      `cpuPerStreamPct: utime+stime of each recorder capture ffmpeg (its pid from run.json) over a ${windowSeconds} s window, mean of two 720p H.264 1.5 Mbit/s angles fed through the real SFU (RecordingRig); ` +
        `verify*: CPU of the recorder's SegmentVerifier decode pass per second of media, on copies of that lesson's finished ${SEGMENT_SECONDS} s segments; ` +
        `shortLessonReadySeconds: recording.finish sent → recording.playable received for that short lesson (recorder in-process, no signaling).`,
    );
  }
  if (!flagOption('skip-finalize')) {
    const final = await measureFinalize(minutes);
    Object.assign(section, {
      readySeconds: round(final.playableSeconds),
      completeSeconds: round(final.completeSeconds),
      lessonMinutes: minutes,
      rawGB: round(final.rawGB),
    });
    console.log(`recording: ${minutes}-minute lesson (${section.rawGB} GB raw): end → playable ${section.readySeconds} s, complete ${section.completeSeconds} s (${final.files} files + ${final.hlsFiles} HLS files)`);
    method.push(
      `readySeconds: a ${minutes}-minute lesson (two 720p H.264 angles + Opus) as raw segments + run files laid out as the capture writes them, every segment already verified during the lesson; ` +
        `seconds from the recorder's finalizeRecording call (lesson end) to its onPlayable: master-view MP4 + HLS + thumbnail verified and stored in the library store (local disk). completeSeconds: until every angle is published.`,
    );
  }
  await saveSection('recording', { ...section, method: method.join(' ') });
}
