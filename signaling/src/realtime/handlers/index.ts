import type { HandlerMap } from '../dispatch.ts';
import type { HandlerDeps } from './deps.ts';
import { angleHandlers } from './angles.ts';
import { interactionHandlers } from './interaction.ts';
import { lessonHandlers } from './lesson.ts';
import { mediaHandlers } from './media.ts';
import { recordingHandlers } from './recording.ts';
import { sessionHandlers } from './session.ts';
import { stageHandlers } from './stage.ts';

/** Every client request's handler, grouped by domain; the type makes a missing one a compile error. */
export function createHandlers(deps: HandlerDeps): HandlerMap {
  return {
    ...lessonHandlers(deps),
    ...mediaHandlers(deps),
    ...stageHandlers(deps),
    ...interactionHandlers(deps),
    ...recordingHandlers(deps),
    ...angleHandlers(deps),
    ...sessionHandlers(deps),
  };
}
