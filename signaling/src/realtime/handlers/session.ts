import { JoinTokenClaimsSchema } from '@dualclass/protocol';
import type { HandlerDeps, HandlerGroup } from './deps.ts';
import { joined } from './deps.ts';

/** Join token refresh for lessons longer than a token's life; the connection's deadline moves with it. */
export function sessionHandlers({ tokens }: Pick<HandlerDeps, 'tokens'>): HandlerGroup<'session:refresh'> {
  return {
    'session:refresh': async (session) => {
      joined(session);
      // The verified claims carry exp/iat/aud as well; the schema keeps only what a join token is made of.
      const signed = await tokens.sign(JoinTokenClaimsSchema.parse(session.claims));
      session.expiry.extend(Math.floor(signed.expiresAt.getTime() / 1000));
      return { token: signed.token, expiresAt: signed.expiresAt.toISOString() };
    },
  };
}
