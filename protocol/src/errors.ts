import { z } from 'zod';

export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'INVALID_STATE',
  'CONFLICT',
  'RATE_LIMITED',
  'TOO_LARGE',
  'TIMEOUT',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const WireErrorSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  /** Seconds until a RATE_LIMITED caller may try again. */
  retryAfter: z.number().nonnegative().optional(),
  /** Which fields failed validation, for BAD_REQUEST. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type WireError = z.infer<typeof WireErrorSchema>;

/** HTTP status per code, so REST and socket paths classify errors the same way. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INVALID_STATE: 409,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  TOO_LARGE: 413,
  TIMEOUT: 504,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export class ClassroomError extends Error {
  readonly code: ErrorCode;
  readonly retryAfter: number | undefined;
  readonly issues: WireError['issues'];

  constructor(code: ErrorCode, message: string, extra: { retryAfter?: number; issues?: WireError['issues']; cause?: unknown } = {}) {
    super(message, { cause: extra.cause });
    this.name = 'ClassroomError';
    this.code = code;
    this.retryAfter = extra.retryAfter;
    this.issues = extra.issues;
  }

  static fromZod(error: z.ZodError, what = 'request'): ClassroomError {
    return new ClassroomError('BAD_REQUEST', `invalid ${what}`, {
      issues: error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })),
    });
  }

  static fromWire(wire: WireError): ClassroomError {
    return new ClassroomError(wire.code, wire.message, { retryAfter: wire.retryAfter, issues: wire.issues });
  }
}

/**
 * The one mapping from anything thrown to what goes on the wire. Errors we did not
 * raise on purpose become INTERNAL with a generic message so internals never leak.
 */
export function toWireError(err: unknown): WireError {
  if (err instanceof ClassroomError) {
    const wire: WireError = { code: err.code, message: err.message };
    if (err.retryAfter !== undefined) wire.retryAfter = err.retryAfter;
    if (err.issues) wire.issues = err.issues;
    return wire;
  }
  if (err instanceof z.ZodError) return toWireError(ClassroomError.fromZod(err));
  return { code: 'INTERNAL', message: 'internal error' };
}

export function isClassroomError(err: unknown, code?: ErrorCode): err is ClassroomError {
  return err instanceof ClassroomError && (code === undefined || err.code === code);
}
