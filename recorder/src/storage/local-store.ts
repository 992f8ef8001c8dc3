import { randomBytes } from 'node:crypto';
import { constants as fsConstants, createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, open, readFile, readdir, rename, rm, stat as statPath } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ClassroomError } from '@dualclass/protocol';
import type { ByteRange, FileStore, StoredObject } from './file-store.ts';
import { ByteLimit, checkKey, checkPrefix, checkRange } from './keys.ts';

/** Content types live beside the tree, under a folder no key can name (keys never start with a dot). */
const META_DIR = '.meta';

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';

/**
 * Files in a directory on the school's server. Every write goes to a temp file in the target folder, is
 * flushed, then renamed into place, so a reader never sees half an object and a crash leaves only a
 * dot-named temp file that no key can reach.
 */
export class LocalDirStore implements FileStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  async putFile(key: string, filePath: string, contentType: string): Promise<StoredObject> {
    const target = this.#path(key);
    return this.#commit(key, target, contentType, async (temp) => {
      // A recorder's output on the same filesystem is linked, not copied: publishing a lesson's gigabytes of
      // video then costs a flush instead of a second write. Across filesystems it is copied.
      await link(filePath, temp).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EXDEV' && err.code !== 'EPERM') throw err;
        await copyFile(filePath, temp, fsConstants.COPYFILE_EXCL);
      });
      const handle = await open(temp, 'r+');
      try {
        await handle.sync();
        return (await handle.stat()).size;
      } finally {
        await handle.close();
      }
    });
  }

  async putStream(key: string, body: Readable, contentType: string, maxBytes: number): Promise<StoredObject> {
    const target = this.#path(key);
    return this.#commit(key, target, contentType, async (temp) => {
      const limit = new ByteLimit(maxBytes);
      try {
        // pipeline destroys every stream on failure, the caller's body included, so an oversized upload stops;
        // `flush` fsyncs the file before it is closed.
        await pipeline(body, limit, createWriteStream(temp, { flags: 'wx', flush: true }));
      } catch (err) {
        body.destroy();
        throw err;
      }
      return limit.bytes;
    });
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    const target = this.#path(key);
    try {
      const info = await statPath(target);
      if (!info.isFile()) return undefined;
      return { bytes: info.size, contentType: await this.#contentType(key) };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const target = this.#path(key);
    let handle;
    try {
      handle = await open(target, 'r');
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') throw new ClassroomError('NOT_FOUND', 'no such file', { cause: err });
      throw err;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new ClassroomError('NOT_FOUND', 'no such file');
      const r = checkRange(range, info.size);
      return handle.createReadStream(r ? { start: r.start, end: r.end } : {});
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    checkPrefix(prefix);
    for (const base of [this.root, path.join(this.root, META_DIR)]) {
      const slash = prefix.lastIndexOf('/');
      const folder = this.#inside(base, prefix.slice(0, slash + 1) || '.');
      const namePrefix = prefix.slice(slash + 1);
      if (!namePrefix) {
        await rm(folder, { recursive: true, force: true });
        continue;
      }
      let names: string[];
      try {
        names = await readdir(folder);
      } catch (err) {
        if (isMissing(err)) continue;
        throw err;
      }
      for (const name of names) {
        if (name.startsWith(namePrefix)) await rm(path.join(folder, name), { recursive: true, force: true });
      }
    }
  }

  #path(key: string): string {
    return this.#inside(this.root, checkKey(key));
  }

  /** The resolved path must stay strictly inside `base`, whatever the key looked like. */
  #inside(base: string, relative: string): string {
    const resolved = path.resolve(base, relative);
    if (resolved !== base && !resolved.startsWith(base + path.sep)) throw new ClassroomError('BAD_REQUEST', 'invalid storage key');
    if (resolved === base && relative !== '.') throw new ClassroomError('BAD_REQUEST', 'invalid storage key');
    return resolved;
  }

  async #contentType(key: string): Promise<string> {
    try {
      return (await readFile(this.#inside(path.join(this.root, META_DIR), key), 'utf8')).trim() || 'application/octet-stream';
    } catch (err) {
      if (isMissing(err)) return 'application/octet-stream';
      throw err;
    }
  }

  /** Writes via `write(temp)` then renames into place; the content type sidecar is committed the same way first. */
  async #commit(key: string, target: string, contentType: string, write: (temp: string) => Promise<number>): Promise<StoredObject> {
    const temp = tempBeside(target);
    const meta = this.#inside(path.join(this.root, META_DIR), key);
    const metaTemp = tempBeside(meta);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      const bytes = await write(temp);
      await mkdir(path.dirname(meta), { recursive: true });
      const metaHandle = await open(metaTemp, 'wx');
      try {
        await metaHandle.writeFile(contentType);
        await metaHandle.sync();
      } finally {
        await metaHandle.close();
      }
      await rename(metaTemp, meta);
      await rename(temp, target);
      return { bytes, contentType };
    } catch (err) {
      await rm(temp, { force: true });
      await rm(metaTemp, { force: true });
      throw err;
    }
  }
}

function tempBeside(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}
