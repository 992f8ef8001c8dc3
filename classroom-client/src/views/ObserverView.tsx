import type { ClassroomClient } from '../core/client.ts';
import { WatchView } from './WatchView.tsx';

/** 观摩: watches the master silently; no camera or microphone is ever opened here. */
export function ObserverView({ client }: { client: ClassroomClient }) {
  return <WatchView client={client} variant="observer" />;
}
