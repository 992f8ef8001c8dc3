import { IdSchema, ROLE_VIEW_PATH } from '@dualclass/protocol';

/**
 * Reading the join link `/<view>?lesson=<id>#token=<JWT>`. The token lives in the fragment so it
 * never reaches a server log or a Referer header; we read it from there and only ever send it in
 * the socket.io handshake `auth` field.
 */

export type ViewName = 'studio' | 'classroom' | 'student' | 'observer' | 'admin';
export const VIEW_NAMES: readonly ViewName[] = ['studio', 'classroom', 'student', 'observer', 'admin'];

export type JoinLink =
  | { ok: true; token: string; lessonId: string | undefined }
  | { ok: false; reason: 'missing' | 'malformed' };

/** Compact JWS: three base64url parts. Anything else cannot be a join token; no need to ask the server. */
const JWT_SHAPE = /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]+$/;

export function readJoinLink(hash: string, search: string): JoinLink {
  const fragment = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const token = fragment.get('token')?.trim();
  if (!token) return { ok: false, reason: 'missing' };
  if (token.length > 4096 || !JWT_SHAPE.test(token)) return { ok: false, reason: 'malformed' };
  const lesson = new URLSearchParams(search).get('lesson') ?? undefined;
  const lessonId = lesson && IdSchema.safeParse(lesson).success ? lesson : undefined;
  return { ok: true, token, lessonId };
}

/** `/classroom`, `/classroom/`, `/student/x` → the view; anything else → null. */
export function resolveView(pathname: string): ViewName | null {
  const first = pathname.split('/').filter(Boolean)[0];
  return VIEW_NAMES.find((v) => v === first) ?? null;
}

/** The view path a role's links open, e.g. local_teacher → 'classroom'. */
export function viewForRole(role: keyof typeof ROLE_VIEW_PATH): ViewName {
  return resolveView(ROLE_VIEW_PATH[role]) ?? 'student';
}
