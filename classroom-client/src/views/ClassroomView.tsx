import type { ClassroomClient } from '../core/client.ts';
import { WatchView } from './WatchView.tsx';

/** 远端教室 big screen (1080p/4K TV): full-screen master video, large type readable from the back row. */
export function ClassroomView({ client }: { client: ClassroomClient }) {
  return <WatchView client={client} variant="classroom" />;
}
