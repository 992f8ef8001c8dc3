import { readFile, rename, writeFile } from 'node:fs/promises';
import type { z } from 'zod';

/*
 * What a recording knows only in memory (run anchors, pauses, which producer a track folder holds) is also kept in
 * small JSON files beside the segments, so a recorder that died mid-lesson can be restarted onto the same work
 * folder and adopt them (see restore.ts).
 */

let sequence = 0;

/**
 * One JSON state file, replaced atomically (temp file + rename) so a kill mid-write leaves the previous version.
 * Saves are coalesced: while one is being written only the latest data waits, and saves land in call order.
 */
export class StateFile<T> {
  #next: T | undefined;
  #writing: Promise<void> | undefined;

  constructor(readonly file: string) {}

  save(data: T): Promise<void> {
    this.#next = data;
    this.#writing ??= this.#drain();
    return this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#next !== undefined) {
        const data = this.#next;
        this.#next = undefined;
        const temp = `${this.file}.${process.pid}.${++sequence}.tmp`;
        await writeFile(temp, JSON.stringify(data));
        await rename(temp, this.file);
      }
    } finally {
      // In the same tick as the loop's last check, so a save() can never find a writer that is about to stop.
      this.#writing = undefined;
    }
  }
}

/** A state file as the schema reads it; undefined when missing or unreadable (a folder from an older recorder). */
export async function readState<S extends z.ZodType>(file: string, schema: S): Promise<z.infer<S> | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
