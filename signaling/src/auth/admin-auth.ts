import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ClassroomError } from '@dualclass/protocol';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Management API guard: `Authorization: Bearer <ADMIN_API_KEY>`, compared in constant time. */
export function requireAdmin(apiKey: string): RequestHandler {
  const expected = digest(apiKey);
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    if (!match?.[1]) return next(new ClassroomError('UNAUTHENTICATED', 'admin API key required'));
    if (!timingSafeEqual(digest(match[1]), expected)) return next(new ClassroomError('UNAUTHENTICATED', 'invalid admin API key'));
    next();
  };
}
