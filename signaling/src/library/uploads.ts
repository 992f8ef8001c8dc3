import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import busboy from 'busboy';
import { ClassroomError, LibraryTagsSchema, type LibraryEntry, type LibraryTags, type UploadContentType } from '@dualclass/protocol';
import { tooLarge, type FileStore, type StoredObject } from '@dualclass/recorder/storage';
import { sanitizeFileName, type LibraryService, type UploadTarget } from './library-service.ts';

/** What the leading bytes of each accepted type must be; the declared type alone proves nothing. */
const SIGNATURES: Record<UploadContentType, { bytes: number; matches(head: Buffer): boolean }> = {
  'application/pdf': { bytes: 5, matches: (h) => h.subarray(0, 5).toString('latin1') === '%PDF-' },
  // .pptx is a zip container (OOXML): local file header PK\3\4.
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': {
    bytes: 4,
    matches: (h) => h[0] === 0x50 && h[1] === 0x4b && h[2] === 0x03 && h[3] === 0x04,
  },
  // ISO BMFF: the first box is `ftyp` (size, then the type at offset 4).
  'video/mp4': { bytes: 8, matches: (h) => h.subarray(4, 8).toString('latin1') === 'ftyp' },
};

const MULTIPART_MARGIN_BYTES = 64 * 1024;

export const MAGIC_MISMATCH = 'file content does not match its declared type';

/** Checks the leading bytes against the declared type, hashes everything that passes, and forwards it. */
export class UploadInspector extends Transform {
  readonly #hash = createHash('sha256');
  readonly #signature: (typeof SIGNATURES)[UploadContentType];
  #head: Buffer[] = [];
  #headBytes = 0;
  #checked = false;

  constructor(contentType: UploadContentType) {
    super();
    this.#signature = SIGNATURES[contentType];
  }

  get sha256(): string {
    return this.#hash.copy().digest('hex');
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#hash.update(chunk);
    if (this.#checked) return done(null, chunk);
    this.#head.push(chunk);
    this.#headBytes += chunk.length;
    if (this.#headBytes < this.#signature.bytes) return done();
    const head = Buffer.concat(this.#head, this.#headBytes);
    this.#head = [];
    if (!this.#signature.matches(head)) return done(new ClassroomError('BAD_REQUEST', MAGIC_MISMATCH));
    this.#checked = true;
    done(null, head);
  }

  override _flush(done: TransformCallback): void {
    if (!this.#checked) return done(new ClassroomError('BAD_REQUEST', MAGIC_MISMATCH));
    done();
  }
}

function parseTags(raw: string): LibraryTags {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new ClassroomError('BAD_REQUEST', 'metadata is not valid JSON', { cause: err });
  }
  const parsed = LibraryTagsSchema.safeParse(json);
  if (!parsed.success) throw ClassroomError.fromZod(parsed.error, 'metadata');
  return parsed.data;
}

/**
 * Receives `multipart/form-data` with a `metadata` field (LibraryTags as JSON) and one `file` part, streaming
 * the file through the signature check and hash straight into the store (at most `maxBytes`). The entry is
 * written only after the bytes are stored; on any failure the stored bytes are deleted and no row exists.
 */
export async function receiveUpload(
  req: IncomingMessage,
  deps: { library: LibraryService; files: FileStore; maxBytes: number },
): Promise<LibraryEntry> {
  const { library, files, maxBytes } = deps;
  if (!/^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '')) {
    throw new ClassroomError('BAD_REQUEST', 'uploads are multipart/form-data with a metadata field and a file part');
  }
  // A body that announces itself as far over the limit is refused before a byte is stored; the margin covers
  // the multipart framing and the metadata field. Anything else is measured as it streams.
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes + MULTIPART_MARGIN_BYTES) {
    throw tooLarge(maxBytes);
  }
  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: req.headers,
      // Browsers send UTF-8 file names (Chinese courseware titles) without RFC 2231 encoding.
      defParamCharset: 'utf8',
      // files/fields limits report the part past the limit (a `parts` limit only reports reaching it).
      limits: { files: 1, fields: 1, fieldSize: 16 * 1024, fileSize: maxBytes + 1, headerPairs: 20 },
    });
  } catch (err) {
    throw new ClassroomError('BAD_REQUEST', 'malformed multipart request', { cause: err });
  }

  let tags: LibraryTags | undefined;
  let target: UploadTarget | undefined;
  let stored: Promise<StoredObject & { sha256: string; fileName: string }> | undefined;
  let body: Transform | undefined;
  let failure: unknown;

  await new Promise<void>((resolve) => {
    const fail = (err: unknown) => {
      failure ??= err;
      resolve();
    };
    bb.on('field', (name, value, info) => {
      if (name !== 'metadata') return fail(new ClassroomError('BAD_REQUEST', `unexpected form field "${name}"`));
      if (info.valueTruncated) return fail(new ClassroomError('BAD_REQUEST', 'metadata field too long'));
      try {
        tags = parseTags(value);
      } catch (err) {
        fail(err);
      }
    });
    bb.on('file', (name, stream, info) => {
      if (failure !== undefined) return void stream.resume();
      if (name !== 'file') {
        stream.resume();
        return fail(new ClassroomError('BAD_REQUEST', 'the file part must be named "file"'));
      }
      const type = info.mimeType.toLowerCase();
      try {
        target = library.uploadTarget(type);
      } catch (err) {
        stream.resume();
        return fail(err);
      }
      const inspector = new UploadInspector(target.contentType);
      // pipeline: if the store stops reading (over the limit), busboy's file stream is destroyed too.
      body = pipeline(stream, inspector, () => undefined);
      const fileName = sanitizeFileName(info.filename, target.extension);
      stored = files
        .putStream(target.storageKey, body!, target.contentType, maxBytes)
        .then((object) => ({ ...object, sha256: inspector.sha256, fileName }));
      stored.catch(fail);
    });
    bb.on('filesLimit', () => fail(new ClassroomError('BAD_REQUEST', 'send exactly one file')));
    bb.on('fieldsLimit', () => fail(new ClassroomError('BAD_REQUEST', 'too many form fields')));
    bb.on('error', (err) => fail(new ClassroomError('BAD_REQUEST', 'malformed multipart request', { cause: err })));
    bb.on('close', () => resolve());
    req.pipe(bb);
  });

  let result: (StoredObject & { sha256: string; fileName: string }) | undefined;
  if (failure === undefined && stored) {
    try {
      result = await stored;
    } catch (err) {
      failure = err;
    }
  }
  if (failure === undefined && !tags) failure = new ClassroomError('BAD_REQUEST', 'metadata field missing');
  if (failure === undefined && !result) failure = new ClassroomError('BAD_REQUEST', 'file part missing');

  if (failure === undefined && target && tags && result) {
    try {
      return await library.addUpload(target, tags, { fileName: result.fileName, bytes: result.bytes, sha256: result.sha256 });
    } catch (err) {
      failure = err;
    }
  }
  req.unpipe(bb);
  // A file still streaming when something else failed will never end by itself: stop it.
  if (body && !body.writableFinished) body.destroy(new ClassroomError('BAD_REQUEST', 'upload abandoned'));
  // Let the store finish its own cleanup (temp file, aborted multipart) before removing the folder.
  await stored?.catch(() => undefined);
  if (target) await library.discardUpload(target);
  throw failure;
}
