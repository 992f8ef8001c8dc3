import { createReadStream } from 'node:fs';
import { stat as statPath } from 'node:fs/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { ClassroomError } from '@dualclass/protocol';
import type { ByteRange, FileStore, StoredObject } from './file-store.ts';
import { checkKey, checkPrefix, checkRange, tooLarge } from './keys.ts';

export interface S3StoreOptions {
  bucket: string;
  region: string;
  /** For S3-compatible services (MinIO, Ceph, a school's appliance); omit for AWS. */
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `https://host/bucket/key` instead of `https://bucket.host/key`; most self-hosted services need it. */
  forcePathStyle?: boolean;
  /** Streams larger than one part go up as a multipart upload (S3's minimum part is 5 MiB). */
  partSizeBytes?: number;
}

const MIN_PART = 5 * 1024 * 1024;

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/**
 * Library files in an S3-compatible bucket. An object only becomes visible when its PutObject or
 * CompleteMultipartUpload succeeds, so an upload cut off (or over its limit) leaves nothing readable.
 */
export class S3Store implements FileStore {
  readonly client: S3Client;
  readonly bucket: string;
  readonly #partSize: number;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.#partSize = Math.max(MIN_PART, options.partSizeBytes ?? 8 * 1024 * 1024);
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
      // S3-compatible services often reject the SDK's default flexible checksums; send them only when required.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async putFile(key: string, filePath: string, contentType: string): Promise<StoredObject> {
    checkKey(key);
    const { size } = await statPath(filePath);
    return this.#upload(key, createReadStream(filePath), contentType, size);
  }

  async putStream(key: string, body: Readable, contentType: string, maxBytes: number): Promise<StoredObject> {
    checkKey(key);
    return this.#upload(key, body, contentType, maxBytes);
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    checkKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { bytes: head.ContentLength ?? 0, contentType: head.ContentType ?? 'application/octet-stream' };
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    checkKey(key);
    checkRange(range);
    try {
      const got = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      const stream = got.Body as Readable;
      if (!range) return stream;
      // Some services answer a range with more than was asked (s3rver serves all of `bytes=0-0`, and one that
      // ignores Range sends the whole object): cut what came back to the bytes requested.
      const served = /^bytes (\d+)-(\d+)\//.exec(got.ContentRange ?? '');
      const servedStart = served ? Number(served[1]) : 0;
      const servedEnd = served ? Number(served[2]) : Number.MAX_SAFE_INTEGER;
      if (servedStart === range.start && servedEnd <= range.end) return stream;
      const window = new ByteWindow(range.start - servedStart, Math.min(range.end, servedEnd) - servedStart);
      stream.on('error', (err) => window.destroy(err));
      return stream.pipe(window);
    } catch (err) {
      const status = httpStatus(err);
      if (status === 404) throw new ClassroomError('NOT_FOUND', 'no such file', { cause: err });
      if (status === 416) throw new ClassroomError('BAD_REQUEST', 'byte range not satisfiable', { cause: err });
      throw err;
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    checkPrefix(prefix);
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
      );
      const keys = (page.Contents ?? []).map((o) => o.Key).filter((k): k is string => !!k);
      if (keys.length) {
        await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
        );
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Reads the stream part by part: a body that fits in one part is a single PutObject; a larger one is a
   * multipart upload that is aborted (never completed) if the stream fails or passes `maxBytes`.
   */
  async #upload(key: string, body: Readable, contentType: string, maxBytes: number): Promise<StoredObject> {
    let uploadId: string | undefined;
    const parts: CompletedPart[] = [];
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let total = 0;

    const flushPart = async () => {
      if (!uploadId) {
        const created = await this.client.send(
          new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }),
        );
        uploadId = created.UploadId;
        if (!uploadId) throw new Error('S3 returned no UploadId');
      }
      const PartNumber = parts.length + 1;
      const part = await this.client.send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber,
          Body: Buffer.concat(pending, pendingBytes),
          ContentLength: pendingBytes,
        }),
      );
      parts.push({ PartNumber, ETag: part.ETag });
      pending = [];
      pendingBytes = 0;
    };

    try {
      for await (const chunk of body) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        total += buf.length;
        if (total > maxBytes) throw tooLarge(maxBytes);
        pending.push(buf);
        pendingBytes += buf.length;
        if (pendingBytes >= this.#partSize) await flushPart();
      }
      if (!uploadId) {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: Buffer.concat(pending, pendingBytes),
            ContentLength: pendingBytes,
            ContentType: contentType,
          }),
        );
      } else {
        if (pendingBytes > 0) await flushPart();
        await this.client.send(
          new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
        );
      }
      return { bytes: total, contentType };
    } catch (err) {
      body.destroy();
      if (uploadId) {
        // Parts of an aborted upload are never an object; a service that cannot abort expires them by lifecycle rule.
        await this.client
          .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }))
          .catch(() => undefined);
      }
      throw err;
    }
  }
}

/** Passes on only bytes first..last (inclusive) of what flows through. */
class ByteWindow extends Transform {
  #offset = 0;
  readonly #first: number;
  readonly #last: number;

  constructor(first: number, last: number) {
    super();
    this.#first = first;
    this.#last = last;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const from = Math.max(0, this.#first - this.#offset);
    const to = Math.min(chunk.length, this.#last + 1 - this.#offset);
    this.#offset += chunk.length;
    done(null, from < to ? chunk.subarray(from, to) : undefined);
  }
}
