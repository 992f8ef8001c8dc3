import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import {
  ClassroomError,
  HandshakeAuthSchema,
  MAX_SOCKET_MESSAGE_BYTES,
  toWireError,
  type ClientToServerEvents,
  type JoinTokenClaims,
  type ServerToClientEvents,
} from '@dualclass/protocol';
import type { Logger } from 'pino';
import type { JoinTokens } from '../auth/join-tokens.ts';
import type { LessonService } from '../lessons/lesson-service.ts';
import type { OriginPolicy } from '../http/origin-policy.ts';
import type { Dispatcher, SocketSession } from './dispatch.ts';
import { TokenExpiry } from './token-expiry.ts';
import { canonicalAddress } from './client-address.ts';
import type { SessionRouting } from '../cluster/session-routing.ts';

export type ClassroomServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  { claims: JoinTokenClaims; /** The presented token's `exp` (seconds). */ tokenExp: number }
>;

export function createSocketServer(http: HttpServer, origins: OriginPolicy): ClassroomServer {
  return new Server(http, {
    path: '/socket.io',
    transports: ['websocket'],
    // Frames above this are dropped by the engine (connection closed); the per-event limit in the
    // dispatcher answers smaller oversized payloads with BAD_REQUEST instead.
    maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
    allowRequest: (req, callback) => callback(null, origins.allows(req.headers.origin, req.headers.host)),
    serveClient: false,
  });
}

const TOKEN_EXPIRED = 'token expired';
/** The page said goodbye (socket.disconnect()), or its token ran out: these leave; anything else may come back. */
const LEAVING = new Set(['client namespace disconnect', TOKEN_EXPIRED]);

/** The socket behind a session is gone (here, or on the node it was connected to): suspend or leave its participant. */
export function endSession(lessons: LessonService, session: SocketSession, reason: string): void {
  session.expiry.stop();
  const participant = session.participant;
  // A participant another socket took over (a resume) is not this socket's to end.
  if (!participant || participant.closed || !participant.isBoundTo(session.socket.id)) return;
  if (LEAVING.has(reason)) lessons.leave(participant);
  else lessons.suspend(participant);
}

/** Handshake: a valid join token for a lesson that can still be joined, or no connection at all. */
export function acceptParticipants(
  io: ClassroomServer,
  deps: { tokens: JoinTokens; lessons: LessonService; dispatcher: Dispatcher; routing: SessionRouting; log: Logger },
): void {
  io.use(async (socket, next) => {
    try {
      const auth = HandshakeAuthSchema.safeParse(socket.handshake.auth);
      if (!auth.success) throw new ClassroomError('UNAUTHENTICATED', 'join token required');
      const claims = await deps.tokens.verify(auth.data.token);
      if (auth.data.lessonId && auth.data.lessonId !== claims.lessonId) {
        throw new ClassroomError('UNAUTHENTICATED', 'token is for another lesson');
      }
      await deps.lessons.admit(claims);
      socket.data.claims = claims;
      socket.data.tokenExp = claims.exp;
      next();
    } catch (err) {
      const wire = toWireError(err);
      next(Object.assign(new Error(wire.code), { data: wire }));
    }
  });

  io.on('connection', (socket) => {
    const session: SocketSession = {
      claims: socket.data.claims,
      socket,
      // The peer of the TCP connection itself: a forwarded-for header is the client's word, not proof of its address.
      remoteAddress: canonicalAddress(socket.handshake.address),
      participant: undefined,
      // A connection outliving its token would outlive a revocation by TTL; the client refreshes before this fires.
      // The participant leaves (no resume grace): its token cannot bring it back.
      expiry: new TokenExpiry(socket.data.tokenExp, () => {
        deps.log.info({ participantId: session.claims.sub }, 'join token expired, closing session');
        socket.emit('session:closed', { reason: 'token_expired' });
        expired = true;
        socket.disconnect(true);
      }),
    };
    let expired = false;
    deps.dispatcher.attach(socket, session, (s, event, payloads) => deps.routing.answer(s, event, payloads));
    socket.on('disconnect', (reason) => {
      session.expiry.stop();
      deps.log.debug({ participantId: session.claims.sub, reason }, 'socket disconnected');
      void deps.routing.ended(session, expired ? TOKEN_EXPIRED : reason);
    });
  });
}
