import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import {
  ClassroomError,
  JOIN_TOKEN_ALGORITHM,
  JOIN_TOKEN_AUDIENCE,
  JOIN_TOKEN_ISSUER,
  JOIN_TOKEN_TTL_SECONDS,
  JoinTokenClaimsSchema,
  type JoinTokenClaims,
} from '@dualclass/protocol';

export interface SignedJoinToken {
  token: string;
  expiresAt: Date;
}

/** Join tokens: HS256 pinned, audience and issuer checked, short-lived. */
export class JoinTokens {
  readonly #key: Uint8Array;

  constructor(secret: string) {
    this.#key = new TextEncoder().encode(secret);
  }

  async sign(claims: JoinTokenClaims, ttlSeconds = JOIN_TOKEN_TTL_SECONDS): Promise<SignedJoinToken> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + ttlSeconds;
    const { sub, ...rest } = claims;
    const token = await new SignJWT(rest)
      .setProtectedHeader({ alg: JOIN_TOKEN_ALGORITHM, typ: 'JWT' })
      .setSubject(sub)
      .setIssuer(JOIN_TOKEN_ISSUER)
      .setAudience(JOIN_TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(this.#key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  async verify(token: string): Promise<JoinTokenClaims & { exp: number }> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: [JOIN_TOKEN_ALGORITHM],
        audience: JOIN_TOKEN_AUDIENCE,
        issuer: JOIN_TOKEN_ISSUER,
        requiredClaims: ['exp', 'sub'],
      });
      const claims = JoinTokenClaimsSchema.parse(payload);
      return { ...claims, exp: payload.exp as number };
    } catch (err) {
      const expired = err instanceof joseErrors.JWTExpired;
      throw new ClassroomError('UNAUTHENTICATED', expired ? 'join token expired' : 'invalid join token', { cause: err });
    }
  }
}
