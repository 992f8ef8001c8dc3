import { Transform, type TransformCallback } from 'node:stream';
import { ClassroomError } from '@dualclass/protocol';
import { STORAGE_KEY_PATTERN, type ByteRange } from './file-store.ts';

/** Every key a store touches passes here first: a bad key is a bug upstream, refused before any I/O. */
export function checkKey(key: string): string {
  if (typeof key !== 'string' || !STORAGE_KEY_PATTERN.test(key) || key.split('/').some((s) => s === '.' || s === '..')) {
    throw new ClassroomError('BAD_REQUEST', 'invalid storage key');
  }
  return key;
}

/**
 * A prefix for deletePrefix: a key, or a key followed by `/` (a folder). The empty prefix (everything) is refused.
 */
export function checkPrefix(prefix: string): string {
  const bare = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  checkKey(bare);
  return prefix;
}

/** A well-formed range, clipped to `size` when the object's size is known (a store that cannot see it yet passes none). */
export function checkRange(range: ByteRange | undefined, size = Number.POSITIVE_INFINITY): ByteRange | undefined {
  if (!range) return undefined;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || start >= size) {
    throw new ClassroomError('BAD_REQUEST', 'byte range not satisfiable');
  }
  return { start, end: Math.min(end, size - 1) };
}

export function tooLarge(maxBytes: number): ClassroomError {
  return new ClassroomError('TOO_LARGE', `file is larger than ${maxBytes} bytes`);
}

/** Passes bytes through and fails the pipeline with TOO_LARGE as soon as more than `maxBytes` went by. */
export class ByteLimit extends Transform {
  bytes = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) done(tooLarge(this.maxBytes));
    else done(null, chunk);
  }
}
