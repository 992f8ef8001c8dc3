import express, { Router } from 'express';
import { ClassroomError, IdSchema, type WhipTokenClaims } from '@dualclass/protocol';
import { bearer } from '../auth/admin-auth.ts';
import type { WhipTokens } from '../auth/whip-tokens.ts';
import type { LessonService } from '../lessons/lesson-service.ts';

const SDP_LIMIT = '64kb';

interface WhipResource {
  lessonId: string;
  /** The WHIP token it was published with (`sub`): only that token may end it. */
  tokenId: string;
}

/**
 * Live WHIP resources. A resource is the studio participant its POST created (the Location names the
 * participant id); it ends on DELETE, when its encoder publishes again with the same token (a reconnect),
 * when its media closes at the SFU (DTLS failed or closed), or when the participant leaves for any other
 * reason (lesson ended). Kept in this signaling process:
 * DELETE must reach the node that took the POST (sticky routing, as for socket.io).
 */
export class WhipIngests {
  readonly #resources = new Map<string, WhipResource>();
  readonly #byToken = new Map<string, string>();

  constructor(
    private readonly lessons: LessonService,
    private readonly tokens: WhipTokens,
  ) {
    lessons.onParticipantLeft((participant) => this.#forget(participant.id));
  }

  async #authorize(authorization: string | undefined): Promise<WhipTokenClaims> {
    const token = bearer(authorization);
    if (!token) throw new ClassroomError('UNAUTHENTICATED', 'WHIP bearer token required');
    return this.tokens.verify(token);
  }

  /** POST: token first (401), then the lesson (404/409), then the offer (400). */
  async publish(authorization: string | undefined, lessonId: string, contentType: string | undefined, offer: unknown) {
    const claims = await this.#authorize(authorization);
    if (claims.lessonId !== lessonId) throw new ClassroomError('UNAUTHENTICATED', 'WHIP token is for another lesson');
    if (!/^application\/sdp\b/i.test(contentType ?? '')) throw new ClassroomError('BAD_REQUEST', 'Content-Type must be application/sdp');
    if (typeof offer !== 'string' || offer.trim() === '') throw new ClassroomError('BAD_REQUEST', 'SDP offer: empty body');
    const { participantId, answer } = await this.lessons.createWhipIngest(lessonId, { label: claims.label, source: claims.source }, offer);
    const previous = this.#byToken.get(claims.sub);
    this.#resources.set(participantId, { lessonId, tokenId: claims.sub });
    this.#byToken.set(claims.sub, participantId);
    // An encoder that publishes again with its token has reconnected: its old session is dead media.
    if (previous) this.#end(previous);
    // Media that dies under it (DTLS failure or close alert closes the transport and its producers) ends the
    // resource too, so no empty studio participant stays in the roster.
    const participant = this.lessons.registry.get(lessonId)?.participant(participantId);
    participant?.on('publicationclose', () => {
      if (participant.publications.length === 0) this.#end(participantId);
    });
    return { resourceId: participantId, answer };
  }

  async end(authorization: string | undefined, resourceId: string): Promise<void> {
    const claims = await this.#authorize(authorization);
    const resource = this.#resources.get(resourceId);
    if (!resource || resource.tokenId !== claims.sub || resource.lessonId !== claims.lessonId) {
      throw new ClassroomError('NOT_FOUND', 'WHIP resource not found');
    }
    this.#end(resourceId);
  }

  #end(resourceId: string): void {
    const resource = this.#resources.get(resourceId);
    if (!resource) return;
    this.#forget(resourceId);
    this.lessons.endIngest(resource.lessonId, resourceId);
  }

  #forget(resourceId: string): void {
    const resource = this.#resources.get(resourceId);
    if (!resource) return;
    this.#resources.delete(resourceId);
    if (this.#byToken.get(resource.tokenId) === resourceId) this.#byToken.delete(resource.tokenId);
  }
}

const methodNotAllowed: express.RequestHandler = (_req, res) => {
  res.status(405).set('Allow', 'DELETE').json({ error: { code: 'BAD_REQUEST', message: 'WHIP resources support DELETE only (no trickle ICE or ICE restart)' } });
};

/**
 * WHIP (RFC 9725) under /api, mounted ahead of the admin guard: the WHIP token is the authorization.
 *   POST   /api/lessons/:lessonId/whip   application/sdp offer → 201, SDP answer, Location: /api/whip/:resourceId
 *   DELETE /api/whip/:resourceId         ends the ingest
 *   PATCH  /api/whip/:resourceId         405: no trickle ICE (the answer carries all our candidates; ICE-lite)
 */
export function whipApi(ingests: WhipIngests): Router {
  const api = Router();
  const id = (value: unknown, what: string) => {
    const parsed = IdSchema.safeParse(value);
    if (!parsed.success) throw new ClassroomError('NOT_FOUND', `${what} not found`);
    return parsed.data;
  };
  api.post('/lessons/:lessonId/whip', express.text({ type: 'application/sdp', limit: SDP_LIMIT }), async (req, res) => {
    const { resourceId, answer } = await ingests.publish(req.get('authorization'), id(req.params.lessonId, 'lesson'), req.get('content-type'), req.body);
    res.status(201).set({ 'Content-Type': 'application/sdp', Location: `/api/whip/${resourceId}`, 'Cache-Control': 'no-store' }).send(answer);
  });
  api.delete('/whip/:resourceId', async (req, res) => {
    await ingests.end(req.get('authorization'), id(req.params.resourceId, 'WHIP resource'));
    res.status(200).end();
  });
  api.patch('/whip/:resourceId', methodNotAllowed);
  api.post('/whip/:resourceId', methodNotAllowed);
  return api;
}
