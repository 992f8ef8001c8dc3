import type { HandlerDeps, HandlerGroup } from './deps.ts';
import { joined } from './deps.ts';

type StageRequests = 'hand:raise' | 'hand:lower' | 'stage:invite' | 'stage:remove' | 'participant:mute';

export function stageHandlers({ stage }: HandlerDeps): HandlerGroup<StageRequests> {
  return {
    'hand:raise': async (session) => stage.raiseHand(joined(session).participant),
    'hand:lower': async (session, req) => stage.lowerHand(joined(session).participant, req.participantId),
    'stage:invite': async (session, req) => stage.invite(joined(session).participant, req.participantId),
    'stage:remove': async (session, req) => stage.remove(joined(session).participant, req.participantId),
    'participant:mute': async (session, req) => ({ publications: await stage.mute(joined(session).participant, req) }),
  };
}
