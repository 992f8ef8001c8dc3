import { useSyncExternalStore } from 'react';
import type { ClassroomClient, ClassroomSnapshot } from './client.ts';

/** The client's current state as an immutable snapshot; re-renders when anything in it changes. */
export function useClassroom(client: ClassroomClient): ClassroomSnapshot {
  return useSyncExternalStore(client.subscribe, client.getSnapshot, client.getSnapshot);
}
