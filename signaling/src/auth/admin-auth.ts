import type { RequestHandler } from 'express';
import { ClassroomError } from '@dualclass/protocol';
import { secretMatcher } from '@dualclass/protocol/ops';

/** Compares a presented key with the admin API key in constant time (both hashed to one length first). */
export const apiKeyMatcher = secretMatcher;

/** The bearer credential of `Authorization: Bearer <credential>`, or undefined. */
export function bearer(header: string | undefined): string | undefined {
  return /^Bearer (.+)$/.exec(header ?? '')?.[1];
}

/** Management API guard: `Authorization: Bearer <ADMIN_API_KEY>`, compared in constant time. */
export function requireAdmin(apiKey: string): RequestHandler {
  const matches = apiKeyMatcher(apiKey);
  return (req, _res, next) => {
    const presented = bearer(req.get('authorization'));
    if (!presented) return next(new ClassroomError('UNAUTHENTICATED', 'admin API key required'));
    if (!matches(presented)) return next(new ClassroomError('UNAUTHENTICATED', 'invalid admin API key'));
    next();
  };
}
