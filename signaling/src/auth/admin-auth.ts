import type { RequestHandler } from 'express';
import { ClassroomError } from '@dualclass/protocol';
import { secretMatcher } from '@dualclass/protocol/ops';

/** The bearer credential of `Authorization: Bearer <credential>`, or undefined. */
export function bearer(header: string | undefined): string | undefined {
  return /^Bearer (.+)$/.exec(header ?? '')?.[1];
}

/** Management API guard: `Authorization: Bearer <ADMIN_API_KEY>`, compared in constant time. */
export function requireAdmin(apiKey: string): RequestHandler {
  const matches = secretMatcher(apiKey);
  return (req, _res, next) => {
    const presented = bearer(req.get('authorization'));
    if (!presented) return next(new ClassroomError('UNAUTHENTICATED', 'admin API key required'));
    if (!matches(presented)) return next(new ClassroomError('UNAUTHENTICATED', 'invalid admin API key'));
    next();
  };
}
