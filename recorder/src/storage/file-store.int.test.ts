import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isClassroomError } from '@dualclass/protocol';
import type { FileStore } from './file-store.ts';
import { LocalDirStore } from './local-store.ts';
import { S3Store } from './s3-store.ts';
import { listFiles } from '../testing/files.ts';

/*
 * One contract, two stores: a directory on disk and an S3 bucket served by a real s3rver on loopback.
 */

interface Harness {
  store: FileStore;
  /** Every object (and, for a directory, every file, temp files included) the store holds. */
  listAll(): Promise<string[]>;
  /** Where a traversal would land if a store let it through. */
  outside?: string;
  stop(): Promise<void>;
}

const PART = 5 * 1024 * 1024;


async function localHarness(): Promise<Harness> {
  const parent = await mkdtemp(path.join(tmpdir(), 'dualclass-store-'));
  const root = path.join(parent, 'files');
  return {
    store: new LocalDirStore(root),
    listAll: () => listFiles(root),
    outside: parent,
    stop: () => rm(parent, { recursive: true, force: true }),
  };
}

async function s3Harness(): Promise<Harness> {
  const directory = await mkdtemp(path.join(tmpdir(), 'dualclass-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: 'library' }] });
  const { port } = await server.run();
  const store = new S3Store({
    bucket: 'library',
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
    partSizeBytes: PART,
  });
  return {
    store,
    async listAll() {
      const page = await store.client.send(new ListObjectsV2Command({ Bucket: 'library' }));
      return (page.Contents ?? []).map((o) => o.Key!);
    },
    async stop() {
      store.client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A stream of `total` bytes in 64 KiB chunks that reports whether it was destroyed. */
function source(data: Buffer) {
  let offset = 0;
  const stream = new Readable({
    read() {
      if (offset >= data.length) return void this.push(null);
      this.push(data.subarray(offset, offset + 65_536));
      offset += 65_536;
    },
  });
  return stream;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each([
  ['LocalDirStore', localHarness],
  ['S3Store (s3rver)', s3Harness],
])('%s', (_name, make) => {
  let h: Harness;
  beforeAll(async () => {
    h = await make();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('stores a stream and reads back the same bytes, type and size; replaces on a second put', async () => {
    const data = randomBytes(200_000);
    const put = await h.store.putStream('recordings/les_a/main.mp4', source(data), 'video/mp4', 1_000_000);
    expect(put).toEqual({ bytes: data.length, contentType: 'video/mp4' });
    expect(await h.store.stat('recordings/les_a/main.mp4')).toEqual({ bytes: data.length, contentType: 'video/mp4' });
    expect(sha(await buffer(await h.store.read('recordings/les_a/main.mp4')))).toBe(sha(data));

    const again = Buffer.from('second version');
    await h.store.putStream('recordings/les_a/main.mp4', Readable.from([again]), 'text/plain', 100);
    expect((await buffer(await h.store.read('recordings/les_a/main.mp4'))).toString()).toBe('second version');
    expect(await h.store.stat('recordings/les_a/main.mp4')).toEqual({ bytes: again.length, contentType: 'text/plain' });
  });

  it('stores a local file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dualclass-src-'));
    const file = path.join(dir, 'seg.m4s');
    const data = randomBytes(12_345);
    await writeFile(file, data);
    expect(await h.store.putFile('recordings/les_b/hls/seg_001.m4s', file, 'video/iso.segment')).toEqual({
      bytes: data.length,
      contentType: 'video/iso.segment',
    });
    expect((await buffer(await h.store.read('recordings/les_b/hls/seg_001.m4s'))).equals(data)).toBe(true);
    // The source stays where it was; the store holds its own copy.
    expect((await stat(file)).size).toBe(data.length);
    await rm(dir, { recursive: true, force: true });
  });

  it('streams a body larger than one multipart part intact', async () => {
    const data = randomBytes(2 * PART + 1234);
    expect((await h.store.putStream('recordings/les_big/main.mp4', source(data), 'video/mp4', 3 * PART)).bytes).toBe(data.length);
    expect(sha(await buffer(await h.store.read('recordings/les_big/main.mp4')))).toBe(sha(data));
    await h.store.deletePrefix('recordings/les_big/');
  });

  it('reads inclusive byte ranges, clamps the end, and refuses a start past the end', async () => {
    const data = Buffer.from('0123456789abcdefghij');
    await h.store.putStream('ranges/r.bin', Readable.from([data]), 'application/octet-stream', 100);
    expect((await buffer(await h.store.read('ranges/r.bin', { start: 5, end: 9 }))).toString()).toBe('56789');
    expect((await buffer(await h.store.read('ranges/r.bin', { start: 0, end: 0 }))).toString()).toBe('0');
    expect((await buffer(await h.store.read('ranges/r.bin', { start: 15, end: 1000 }))).toString()).toBe('fghij');
    const err = await rejection(h.store.read('ranges/r.bin', { start: 20, end: 25 }));
    expect(isClassroomError(err, 'BAD_REQUEST')).toBe(true);
  });

  it('says NOT_FOUND for a missing object and undefined from stat', async () => {
    expect(isClassroomError(await rejection(h.store.read('nothing/here.mp4')), 'NOT_FOUND')).toBe(true);
    expect(await h.store.stat('nothing/here.mp4')).toBeUndefined();
  });

  it('accepts exactly maxBytes, and over the limit rejects TOO_LARGE, stops the source and leaves nothing', async () => {
    await h.store.putStream('limits/exact.bin', Readable.from([Buffer.alloc(1000, 1)]), 'application/octet-stream', 1000);
    expect((await h.store.stat('limits/exact.bin'))?.bytes).toBe(1000);

    const before = await h.listAll();
    const small = source(randomBytes(300_000));
    const err = await rejection(h.store.putStream('limits/over.bin', small, 'application/pdf', 100_000));
    expect(isClassroomError(err, 'TOO_LARGE')).toBe(true);
    expect(small.destroyed).toBe(true);
    expect(await h.store.stat('limits/over.bin')).toBeUndefined();

    // Over the limit after a whole multipart part already went up: still nothing readable.
    const big = source(randomBytes(PART + PART / 2));
    expect(isClassroomError(await rejection(h.store.putStream('limits/over-big.bin', big, 'video/mp4', PART + 1000)), 'TOO_LARGE')).toBe(true);
    expect(await h.store.stat('limits/over-big.bin')).toBeUndefined();
    expect(await h.listAll()).toEqual(before);
  });

  it('leaves nothing when the source fails midway', async () => {
    const before = await h.listAll();
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent++ < 3) this.push(Buffer.alloc(10_000, 7));
        else this.destroy(new Error('client went away'));
      },
    });
    const err = await rejection(h.store.putStream('broken/upload.pdf', failing, 'application/pdf', 1_000_000));
    expect((err as Error).message).toContain('client went away');
    expect(await h.store.stat('broken/upload.pdf')).toBeUndefined();
    expect(await h.listAll()).toEqual(before);
  });

  it('refuses traversal and malformed keys before touching anything', async () => {
    const before = await h.listAll();
    const bad = ['../escape.txt', 'a/../../escape.txt', '/etc/passwd', '', 'a//b', '.hidden', 'a/./b', 'a/..', '..', 'a\\..\\b', '%2e%2e/x', 'uploads/x y.pdf', 'ü.pdf'];
    for (const key of bad) {
      expect(isClassroomError(await rejection(h.store.putStream(key, Readable.from([Buffer.from('x')]), 'text/plain', 10)), 'BAD_REQUEST'), key).toBe(true);
      expect(isClassroomError(await rejection(h.store.read(key)), 'BAD_REQUEST'), key).toBe(true);
      expect(isClassroomError(await rejection(h.store.stat(key)), 'BAD_REQUEST'), key).toBe(true);
      expect(isClassroomError(await rejection(h.store.deletePrefix(key)), 'BAD_REQUEST'), key).toBe(true);
    }
    expect(isClassroomError(await rejection(h.store.deletePrefix('/')), 'BAD_REQUEST')).toBe(true);
    expect(await h.listAll()).toEqual(before);
    if (h.outside) expect((await readdir(h.outside)).sort()).toEqual(['files']);
  });

  it('deletes a folder prefix and only that folder', async () => {
    const put = (key: string) => h.store.putStream(key, Readable.from([Buffer.from(key)]), 'text/plain', 100);
    await put('uploads/ent_a/f1.pdf');
    await put('uploads/ent_a/sub/f2.pdf');
    await put('uploads/ent_ab/f3.pdf');
    await h.store.deletePrefix('uploads/ent_a/');
    expect(await h.store.stat('uploads/ent_a/f1.pdf')).toBeUndefined();
    expect(await h.store.stat('uploads/ent_a/sub/f2.pdf')).toBeUndefined();
    expect(await h.store.stat('uploads/ent_ab/f3.pdf')).toBeDefined();
    await h.store.deletePrefix('uploads/ent_a/');
    await h.store.deletePrefix('uploads/ent_ab/');
    expect((await h.listAll()).filter((k) => k.includes('ent_a'))).toEqual([]);
  });
});
