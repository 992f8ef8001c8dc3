import type { HandlerDeps, HandlerGroup } from './deps.ts';
import { joined } from './deps.ts';

/** 导播: the master points every room's large view at one studio angle. */
export function angleHandlers({ lessons }: Pick<HandlerDeps, 'lessons'>): HandlerGroup<'angle:direct'> {
  return {
    'angle:direct': async (session, req) => lessons.directAngle(joined(session).participant, req.producerId),
  };
}
