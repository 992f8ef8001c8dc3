import type { ClassroomClient } from '../core/client.ts';
import { WatchView } from './WatchView.tsx';

/** 学生端, phone first: 16:9 video on top, lesson details below, angle picker when the studio has several. */
export function StudentView({ client }: { client: ClassroomClient }) {
  return <WatchView client={client} variant="student" />;
}
