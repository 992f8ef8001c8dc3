import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeCheck } from '../ffmpeg/command.ts';
import { concatScript } from '../finalize/timeline.ts';

/** Segments of one run decoded per ffmpeg process: its start-up costs about as much CPU as a segment's decode. */
const BATCH = 6;

interface Pending {
  file: string;
  settle: (ok: boolean) => void;
}

/**
 * Decodes each finished raw segment once, in the background, one process at a time at low priority, so that by
 * the end of a lesson nearly every segment has had its full decode pass and finalizing only checks the last few.
 * Segments of the same run are decoded together; if such a batch fails, each is decoded alone to find the bad
 * one. A segment that does not decode is left out of the published files and listed as a gap.
 */
export class SegmentVerifier {
  readonly #results = new Map<string, Promise<boolean>>();
  #pending: Pending[] = [];
  #draining: Promise<void> = Promise.resolve();

  verify(file: string): Promise<boolean> {
    let result = this.#results.get(file);
    if (!result) {
      result = new Promise<boolean>((settle) => this.#pending.push({ file, settle }));
      this.#results.set(file, result);
      this.#draining = this.#draining.then(() => this.#drain());
    }
    return result;
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const dir = path.dirname(this.#pending[0]!.file);
      const batch = this.#pending.filter((p) => path.dirname(p.file) === dir).slice(0, BATCH);
      this.#pending = this.#pending.filter((p) => !batch.includes(p));
      if (batch.length > 1 && (await decodes(batch.map((p) => p.file)))) {
        for (const p of batch) p.settle(true);
        continue;
      }
      for (const p of batch) p.settle(await decodes([p.file]));
    }
  }
}

async function decodes(files: string[]): Promise<boolean> {
  if (files.length === 1) return decodeCheck(files[0]!, { nice: true }).then(() => true, () => false);
  const list = path.join(path.dirname(files[0]!), `verify-${path.basename(files[0]!)}.ffconcat`);
  await writeFile(list, concatScript(files.map((file) => ({ file }))));
  try {
    return await decodeCheck(list, { nice: true, inputOptions: ['-f', 'concat', '-safe', '0'] }).then(() => true, () => false);
  } finally {
    await rm(list, { force: true });
  }
}
