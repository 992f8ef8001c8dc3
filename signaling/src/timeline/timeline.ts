import type { Lesson, TimelineEvent, TimelineType } from '@dualclass/protocol';
import { newId } from '../ids.ts';
import type { Broadcaster } from '../realtime/broadcaster.ts';

/**
 * Durable record of everything that happened in a lesson: chapters and analytics are built from it (DbTimelineStore).
 * Listed in append order; appending to an unknown lesson throws NOT_FOUND.
 */
export interface TimelineStore {
  append(event: TimelineEvent): Promise<void>;
  list(lessonId: string): Promise<TimelineEvent[]>;
}

export interface TimelineEntry {
  actorId?: string | null;
  subjectId?: string | null;
  data?: TimelineEvent['data'];
}

/** Stamps interactions with wall-clock and lesson time, stores them, and streams them to timeline viewers. */
export class Timeline {
  constructor(
    private readonly store: TimelineStore,
    private readonly broadcast: Broadcaster,
  ) {}

  async record(lesson: Pick<Lesson, 'id' | 'startedAt'>, type: TimelineType, entry: TimelineEntry = {}): Promise<TimelineEvent> {
    const now = Date.now();
    const started = lesson.startedAt ? Date.parse(lesson.startedAt) : now;
    const event: TimelineEvent = {
      id: newId('evt'),
      lessonId: lesson.id,
      type,
      at: new Date(now).toISOString(),
      lessonMs: Math.max(0, now - started),
      actorId: entry.actorId ?? null,
      subjectId: entry.subjectId ?? null,
      data: entry.data ?? {},
    };
    await this.store.append(event);
    this.broadcast.toPermission(lesson.id, 'timeline:view', 'timeline:event', event);
    return event;
  }

  list(lessonId: string): Promise<TimelineEvent[]> {
    return this.store.list(lessonId);
  }
}
