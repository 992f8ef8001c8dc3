import {
  JOIN_TOKEN_AUDIENCE,
  JOIN_TOKEN_TTL_SECONDS,
  JoinTokenClaimsSchema,
  type JoinTokenClaims,
} from '@dualclass/protocol';
import { SignedTokens, type SignedToken } from './signed-tokens.ts';

export type SignedJoinToken = SignedToken;

/** Join tokens: HS256 pinned, audience and issuer checked, short-lived. */
export class JoinTokens {
  readonly #tokens: SignedTokens<JoinTokenClaims>;

  constructor(secret: string) {
    this.#tokens = new SignedTokens(secret, { audience: JOIN_TOKEN_AUDIENCE, schema: JoinTokenClaimsSchema, what: 'join token' });
  }

  sign(claims: JoinTokenClaims, ttlSeconds = JOIN_TOKEN_TTL_SECONDS): Promise<SignedJoinToken> {
    return this.#tokens.sign(claims, ttlSeconds);
  }

  verify(token: string): Promise<JoinTokenClaims & { exp: number }> {
    return this.#tokens.verify(token);
  }
}
