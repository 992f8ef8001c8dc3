import { WHIP_TOKEN_AUDIENCE, WHIP_TOKEN_TTL_SECONDS, WhipTokenClaimsSchema, type WhipTokenClaims } from '@dualclass/protocol';
import { SignedTokens, type SignedToken } from './signed-tokens.ts';

/** WHIP ingest tokens: the same signer as join tokens (JWT_SECRET, HS256 pinned), their own audience. */
export class WhipTokens {
  readonly #tokens: SignedTokens<WhipTokenClaims>;

  constructor(secret: string) {
    this.#tokens = new SignedTokens(secret, { audience: WHIP_TOKEN_AUDIENCE, schema: WhipTokenClaimsSchema, what: 'WHIP token' });
  }

  sign(claims: WhipTokenClaims, ttlSeconds = WHIP_TOKEN_TTL_SECONDS): Promise<SignedToken> {
    return this.#tokens.sign(claims, ttlSeconds);
  }

  verify(token: string): Promise<WhipTokenClaims & { exp: number }> {
    return this.#tokens.verify(token);
  }
}
