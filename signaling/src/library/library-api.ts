import type { IncomingMessage } from 'node:http';
import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import {
  ClassroomError,
  IssueLibraryTokenSchema,
  LibrarySearchSchema,
  can,
  type DownloadTicket,
  type Permission,
} from '@dualclass/protocol';
import type { FileStore } from '@dualclass/recorder/storage';
import { secretMatcher } from '@dualclass/protocol/ops';
import { bearer } from '../auth/admin-auth.ts';
import { newId } from '../ids.ts';
import type { LibraryPrincipal, LibraryService } from './library-service.ts';
import type { LibraryTokens } from './library-tokens.ts';
import { receiveUpload } from './uploads.ts';
import { sendStored } from './send-stored.ts';

const ADMIN: LibraryPrincipal = { sub: 'admin', role: 'admin', name: '管理员' };
const JSON_LIMIT = '32kb';

export interface LibraryApiDeps {
  library: LibraryService;
  files: FileStore;
  tokens: LibraryTokens;
  adminApiKey: string;
  maxUploadBytes: number;
}

interface Locals {
  principal: LibraryPrincipal;
  /** Authenticated with the admin API key itself, not a token. */
  viaApiKey: boolean;
}

const locals = (res: Response) => res.locals as Locals;

/** Who is asking: the admin API key (role admin) or a library token. Anything else is UNAUTHENTICATED. */
function authenticate(adminApiKey: string, tokens: LibraryTokens): RequestHandler {
  const isAdminKey = secretMatcher(adminApiKey);
  return async (req, res, next) => {
    const presented = bearer(req.get('authorization'));
    if (!presented) return next(new ClassroomError('UNAUTHENTICATED', 'library token required'));
    if (isAdminKey(presented)) {
      Object.assign(res.locals, { principal: ADMIN, viaApiKey: true } satisfies Locals);
      return next();
    }
    try {
      const claims = await tokens.verify(presented);
      Object.assign(res.locals, { principal: { sub: claims.sub, role: claims.role, name: claims.name }, viaApiKey: false } satisfies Locals);
      next();
    } catch (err) {
      next(err);
    }
  };
}

function need(permission: Permission): RequestHandler {
  return (_req, res, next) => {
    if (!can(locals(res).principal.role, permission)) return next(new ClassroomError('FORBIDDEN', `not allowed: ${permission}`));
    next();
  };
}

/** Reads and discards what is left of a request body (bounded), so an early error reply reaches the client. */
function drain(req: IncomingMessage, maxBytes: number, maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded || req.destroyed) return resolve();
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', done);
      req.off('close', done);
      req.off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) done();
    };
    const timer = setTimeout(done, maxMs);
    req.on('data', onData);
    req.once('end', done);
    req.once('close', done);
    req.once('error', done);
    req.resume();
  });
}

/**
 * /api/library: its own authentication (not the admin guard), its own body handling (multipart uploads are
 * streamed, never buffered), and a NOT_FOUND of its own so unknown library paths never fall through.
 */
export function libraryApi(deps: LibraryApiDeps): Router {
  const { library, files, tokens, maxUploadBytes } = deps;
  const api = Router();

  // The ticket is the authorization: a browser follows this link directly, with no bearer header.
  api.get('/downloads/:ticket', async (req, res) => {
    const ticket = await tokens.verifyTicket(String(req.params.ticket));
    const file = await library.file(ticket.entryId, ticket.sub);
    await sendStored(req, res, files, {
      storageKey: file.storageKey,
      contentType: file.contentType,
      attachmentName: file.fileName,
      cacheControl: 'private, no-store',
    });
  });

  api.use(authenticate(deps.adminApiKey, tokens));

  api.post('/tokens', express.json({ limit: JSON_LIMIT }), async (req, res) => {
    if (!locals(res).viaApiKey) throw new ClassroomError('FORBIDDEN', 'library tokens are issued with the admin API key');
    const parsed = IssueLibraryTokenSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw ClassroomError.fromZod(parsed.error, 'request body');
    const input = parsed.data;
    const signed = await tokens.issue({ sub: newId('usr'), role: input.role, name: input.displayName }, input.ttlSeconds);
    res.status(201).json({ token: signed.token, expiresAt: signed.expiresAt.toISOString(), path: `/library#token=${signed.token}` });
  });

  api.get('/entries', need('library:view'), async (req, res) => {
    const parsed = LibrarySearchSchema.safeParse(req.query);
    if (!parsed.success) throw ClassroomError.fromZod(parsed.error, 'search');
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(await library.search(parsed.data));
  });

  api.get('/facets', need('library:view'), async (_req, res) => {
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(await library.facets());
  });

  api.get('/entries/:id', need('library:view'), async (req, res) => {
    const withComments = can(locals(res).principal.role, 'comment:read');
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(await library.getEntry(String(req.params.id), { withComments }));
  });

  api.get('/entries/:id/hls/:name', need('library:view'), async (req, res) => {
    const hls = await library.hlsFile(String(req.params.id), String(req.params.name));
    // Segments never change once published; the playlist is small, so it is not cached.
    const cacheControl = hls.name.endsWith('.m3u8') ? 'private, no-cache' : 'private, max-age=86400, immutable';
    await sendStored(req, res, files, { storageKey: hls.storageKey, contentType: hls.contentType, cacheControl });
  });

  api.get('/entries/:id/thumbnail', need('library:view'), async (req, res) => {
    const file = await library.thumbnail(String(req.params.id));
    await sendStored(req, res, files, { storageKey: file.storageKey, contentType: file.contentType, cacheControl: 'private, max-age=3600' });
  });

  api.post('/entries/:id/files/:fileId/download', need('library:download'), async (req, res) => {
    const file = await library.recordDownload(String(req.params.id), String(req.params.fileId), locals(res).principal);
    const ticket = await tokens.ticket({ sub: file.id, entryId: file.entryId });
    const body: DownloadTicket = { url: `/api/library/downloads/${ticket.token}`, expiresAt: ticket.expiresAt.toISOString() };
    res.setHeader('Cache-Control', 'private, no-store');
    res.status(201).json(body);
  });

  api.post('/uploads', need('library:upload'), async (req: Request, res: Response) => {
    res.status(201).json(await receiveUpload(req, { library, files, maxBytes: maxUploadBytes }));
  });

  api.use((_req, _res, next) => next(new ClassroomError('NOT_FOUND', 'no such library route')));
  // A request refused before its body was read (unauthenticated upload, 413 midway) may still be sending:
  // read a bounded amount more so the client sees the error reply, then close the connection.
  const drainOnError: ErrorRequestHandler = (err, req, res, next) => {
    if (req.readableEnded || req.destroyed) return next(err);
    res.setHeader('Connection', 'close');
    void drain(req, 16 * 1024 * 1024, 2_000).then(() => next(err));
  };
  api.use(drainOnError);
  return api;
}
