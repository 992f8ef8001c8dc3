import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '@dualclass/protocol';
import { buildChapters, placeComments, playbackClock } from './chapters.ts';

const START = '2026-11-23T08:00:00.000Z';
const at = (s: number) => new Date(Date.parse(START) + s * 1000).toISOString();
const event = (type: TimelineEvent['type'], lessonMs: number, extra: Partial<TimelineEvent> = {}): TimelineEvent => ({
  id: `evt_${lessonMs}`,
  lessonId: 'les_1',
  type,
  at: at(lessonMs / 1000),
  lessonMs,
  actorId: null,
  subjectId: null,
  data: {},
  ...extra,
});

describe('recording chapters', () => {
  const manifest = { startedAt: START, durationSeconds: 100, playbackOffsetSeconds: 0.5, paused: [{ from: at(30), to: at(40) }] };
  const clock = playbackClock(manifest, START);

  it('cuts paused stretches and the playback offset out of lesson time', () => {
    expect(clock(10_000)).toBe(9.5);
    expect(clock(35_000)).toBe(29.5); // inside the pause: where it began
    expect(clock(50_000)).toBe(39.5);
    expect(clock(200)).toBe(0);
  });

  it('makes chapters of quizzes, stage moments and knowledge points, with names', () => {
    const chapters = buildChapters(
      [
        event('quiz_start', 20_000, { data: { knowledgePoint: '楞次定律' } }),
        event('stage_on', 12_000, { subjectId: 'par_room' }),
        event('knowledge_point', 50_000, { data: { knowledgePoint: '右手定则' } }),
        event('chat', 5_000),
      ],
      clock,
      new Map([['par_room', '城关二小 三年级一班']]),
    );
    expect(chapters).toEqual([
      { atSeconds: 0, kind: 'start', title: '开始上课' },
      { atSeconds: 11.5, kind: 'stage', title: '连麦：城关二小 三年级一班' },
      { atSeconds: 19.5, kind: 'quiz', title: '随堂测验：楞次定律' },
      { atSeconds: 39.5, kind: 'knowledge_point', title: '知识点：右手定则' },
    ]);
  });

  it('re-times comments onto the recording', () => {
    const placed = placeComments([{ id: 'c', authorId: 'o', authorName: '教研员', text: '好', lessonMs: 50_000, createdAt: at(50) }], clock);
    expect(placed[0]!.lessonMs).toBe(39_500);
  });
});
