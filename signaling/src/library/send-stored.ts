import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { ClassroomError } from '@dualclass/protocol';
import type { FileStore } from '@dualclass/recorder/storage';

export interface SendOptions {
  storageKey: string;
  contentType: string;
  /** Offer it as a download under this (already sanitized) name: RFC 6266 with an RFC 5987 `filename*`. */
  attachmentName?: string;
  cacheControl: string;
}

/**
 * Streams one stored object, honouring a single `Range: bytes=…` (206, or 416 when it cannot be satisfied);
 * several ranges get the whole object, which HTTP allows. HEAD gets the headers only.
 */
export async function sendStored(req: Request, res: Response, files: FileStore, options: SendOptions): Promise<void> {
  const object = await files.stat(options.storageKey);
  if (!object) throw new ClassroomError('NOT_FOUND', 'file is missing from storage');
  const size = object.bytes;

  if (options.attachmentName !== undefined) res.attachment(options.attachmentName);
  res.setHeader('Content-Type', options.contentType);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Cache-Control', options.cacheControl);

  const ranges = req.headers.range ? req.range(size, { combine: true }) : undefined;
  if (ranges === -1) {
    res.setHeader('Content-Range', `bytes */${size}`);
    res.status(416).end();
    return;
  }
  const one = Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1 ? ranges[0] : undefined;
  if (one) {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${one.start}-${one.end}/${size}`);
    res.setHeader('Content-Length', String(one.end - one.start + 1));
  } else {
    res.status(200);
    res.setHeader('Content-Length', String(size));
  }
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  const stream = await files.read(options.storageKey, one ? { start: one.start, end: one.end } : undefined);
  try {
    await pipeline(stream, res);
  } catch (err) {
    // Headers are gone; all we can do for a broken stream is cut the connection so the client sees it.
    res.destroy(err instanceof Error ? err : undefined);
  }
}
