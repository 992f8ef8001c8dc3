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

/** Handshake: a valid join token for a lesson that can still be joined, or no connection at all. */
export function acceptParticipants(
  io: ClassroomServer,
  deps: { tokens: JoinTokens; lessons: LessonService; dispatcher: Dispatcher; log: Logger },
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
      participant: undefined,
      // A connection outliving its token would outlive a revocation by TTL; the client refreshes before this fires.
      // The participant leaves (no resume grace): its token cannot bring it back.
      expiry: new TokenExpiry(socket.data.tokenExp, () => {
        deps.log.info({ participantId: session.claims.sub }, 'join token expired, closing session');
        socket.emit('session:closed', { reason: 'token_expired' });
        const participant = session.participant;
        if (participant && !participant.closed && participant.isBoundTo(socket.id)) deps.lessons.leave(participant);
        socket.disconnect(true);
      }),
    };
    deps.dispatcher.attach(session);
    socket.on('disconnect', (reason) => {
      session.expiry.stop();
      deps.log.debug({ participantId: session.claims.sub, reason }, 'socket disconnected');
      const participant = session.participant;
      // A participant another socket took over (a resume) is not this socket's to end.
      if (!participant || participant.closed || !participant.isBoundTo(socket.id)) return;
      // The page said goodbye (socket.disconnect()); anything else is a dropped connection that may come back.
      if (reason === 'client namespace disconnect') deps.lessons.leave(participant);
      else deps.lessons.suspend(participant);
    });
  });
}
