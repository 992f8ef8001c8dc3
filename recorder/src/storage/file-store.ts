import type { Readable } from 'node:stream';

/**
 * Where published library files live: a directory on the school's server by default, an S3-compatible bucket
 * at scale. Keys are built by the server from opaque ids (`recordings/<lessonId>/main.mp4`); implementations
 * still refuse any key that could climb out of their root, so a bug upstream cannot become path traversal.
 */
export interface StoredObject {
  bytes: number;
  contentType: string;
}

export interface ByteRange {
  start: number;
  /** Inclusive, as in an HTTP Range header. */
  end: number;
}

export interface FileStore {
  /** Stores a local file under `key`, replacing any previous object; resolves once it is durable. */
  putFile(key: string, filePath: string, contentType: string): Promise<StoredObject>;
  /**
   * Stores a stream of at most `maxBytes`; over the limit it rejects with TOO_LARGE and leaves nothing behind.
   */
  putStream(key: string, body: Readable, contentType: string, maxBytes: number): Promise<StoredObject>;
  /** Metadata, or undefined when there is no such object. */
  stat(key: string): Promise<StoredObject | undefined>;
  /** Reads the object (or one byte range of it); NOT_FOUND when missing. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** Deletes every object whose key starts with `prefix` (a folder such as `uploads/<id>/`). */
  deletePrefix(prefix: string): Promise<void>;
}

/** Keys are slash-separated runs of id characters and dots, never `..`, never absolute. */
export const STORAGE_KEY_PATTERN = /^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}\/){0,6}[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;
