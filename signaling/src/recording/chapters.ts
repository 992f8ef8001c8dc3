import type { Chapter, Comment, RecordingManifest, TimelineEvent } from '@dualclass/protocol';

/*
 * Lesson time (ms since the lesson started, as the timeline and comments carry it) → playback seconds of the
 * published recording: paused stretches are cut out, and HLS playback starts at the first media sample.
 */
export function playbackClock(manifest: Pick<RecordingManifest, 'startedAt' | 'paused' | 'playbackOffsetSeconds' | 'durationSeconds'>, lessonStartedAt: string) {
  const lessonStart = Date.parse(lessonStartedAt);
  const recordingStart = Date.parse(manifest.startedAt);
  const pauses = manifest.paused.map((p) => ({ from: Date.parse(p.from), to: Date.parse(p.to) }));
  return (lessonMs: number): number => {
    const wall = lessonStart + lessonMs;
    let paused = 0;
    for (const p of pauses) if (wall > p.from) paused += Math.min(wall, p.to) - p.from;
    const recording = (wall - recordingStart - paused) / 1000;
    const playback = recording - manifest.playbackOffsetSeconds;
    return Math.round(Math.min(Math.max(0, playback), manifest.durationSeconds) * 1000) / 1000;
  };
}

/** Chapters at quizzes, stage moments and the master's knowledge-point markers, in playback order. */
export function buildChapters(events: TimelineEvent[], toPlayback: (lessonMs: number) => number, names: ReadonlyMap<string, string>): Chapter[] {
  const chapters: Chapter[] = [{ atSeconds: 0, kind: 'start', title: '开始上课' }];
  for (const event of events) {
    const atSeconds = toPlayback(event.lessonMs);
    if (event.type === 'quiz_start') {
      const point = typeof event.data.knowledgePoint === 'string' ? event.data.knowledgePoint : '';
      chapters.push({ atSeconds, kind: 'quiz', title: point ? `随堂测验：${point}` : '随堂测验' });
    } else if (event.type === 'stage_on') {
      const who = (event.subjectId && names.get(event.subjectId)) || '';
      chapters.push({ atSeconds, kind: 'stage', title: who ? `连麦：${who}` : '连麦' });
    } else if (event.type === 'knowledge_point' && typeof event.data.knowledgePoint === 'string') {
      chapters.push({ atSeconds, kind: 'knowledge_point', title: `知识点：${event.data.knowledgePoint}` });
    }
  }
  return chapters.sort((a, b) => a.atSeconds - b.atSeconds);
}

/** Observer comments re-timed onto the recording (lessonMs becomes playback milliseconds). */
export function placeComments(comments: Comment[], toPlayback: (lessonMs: number) => number): Comment[] {
  return comments.map((c) => ({ ...c, lessonMs: Math.round(toPlayback(c.lessonMs) * 1000) })).sort((a, b) => a.lessonMs - b.lessonMs);
}
