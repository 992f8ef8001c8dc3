import { ClassroomError } from '@dualclass/protocol';
import type { HandlerDeps, HandlerGroup } from './deps.ts';
import { joined } from './deps.ts';

/**
 * Placeholder until the recorder is wired into signaling (signaling/src/recording): the contract has
 * `recording:setPaused`, so the handler map needs an entry. It answers UNAVAILABLE for a joined master; the
 * recording work replaces this group with one that drives the recorder and pushes `recording:state`.
 */
export function recordingHandlers(_deps: HandlerDeps): HandlerGroup<'recording:setPaused'> {
  return {
    'recording:setPaused': async (session) => {
      joined(session);
      throw new ClassroomError('UNAVAILABLE', 'recording is not available on this server');
    },
  };
}
