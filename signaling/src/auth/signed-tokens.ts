import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { z } from 'zod';
import { ClassroomError, JOIN_TOKEN_ALGORITHM, JOIN_TOKEN_ISSUER } from '@dualclass/protocol';

export interface SignedToken {
  token: string;
  expiresAt: Date;
}

/**
 * Every token signaling hands out: HS256 pinned, one issuer, an audience per use (join, library, download
 * ticket) so a token minted for one purpose is refused by the others, `exp` and `sub` required, the claims
 * parsed by a zod schema after the signature checks.
 */
export class SignedTokens<Claims extends { sub: string }> {
  readonly #key: Uint8Array;

  constructor(
    secret: string,
    private readonly spec: { audience: string; schema: z.ZodType<Claims>; /** For error messages: "join token". */ what: string },
  ) {
    this.#key = new TextEncoder().encode(secret);
  }

  async sign(claims: Claims, ttlSeconds: number): Promise<SignedToken> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + ttlSeconds;
    const { sub, ...rest } = claims;
    const token = await new SignJWT(rest)
      .setProtectedHeader({ alg: JOIN_TOKEN_ALGORITHM, typ: 'JWT' })
      .setSubject(sub)
      .setIssuer(JOIN_TOKEN_ISSUER)
      .setAudience(this.spec.audience)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(this.#key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  async verify(token: string): Promise<Claims & { exp: number }> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: [JOIN_TOKEN_ALGORITHM],
        audience: this.spec.audience,
        issuer: JOIN_TOKEN_ISSUER,
        requiredClaims: ['exp', 'sub'],
      });
      const claims = this.spec.schema.parse(payload);
      return { ...claims, exp: payload.exp as number };
    } catch (err) {
      const expired = err instanceof joseErrors.JWTExpired;
      throw new ClassroomError('UNAUTHENTICATED', expired ? `${this.spec.what} expired` : `invalid ${this.spec.what}`, { cause: err });
    }
  }
}
