import { ClassroomError } from '@dualclass/protocol';
import type { HandlerDeps, HandlerGroup } from './deps.ts';
import { joined } from './deps.ts';

export function recordingHandlers({ recording }: HandlerDeps): HandlerGroup<'recording:setPaused'> {
  return {
    'recording:setPaused': async (session, req) => {
      const { owner } = joined(session);
      if (!recording) throw new ClassroomError('UNAVAILABLE', 'recording is not available on this server');
      await recording.setPaused(owner.lessonId, req.paused);
      return { paused: req.paused };
    },
  };
}
