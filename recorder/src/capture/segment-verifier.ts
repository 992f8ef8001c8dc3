import { decodeCheck } from '../ffmpeg/command.ts';

/**
 * Decodes each finished raw segment once, in the background and one at a time at low priority, so that by the
 * end of a lesson nearly every segment has had its full decode pass and finalizing only checks the last few.
 * A segment that does not decode is left out of the published files and listed as a gap.
 */
export class SegmentVerifier {
  readonly #results = new Map<string, Promise<boolean>>();
  #queue: Promise<unknown> = Promise.resolve();

  verify(file: string): Promise<boolean> {
    let result = this.#results.get(file);
    if (!result) {
      result = this.#queue.then(() => decodeCheck(file, { nice: true })).then(
        () => true,
        () => false,
      );
      this.#queue = result;
      this.#results.set(file, result);
    }
    return result;
  }

  forget(prefix: string): void {
    for (const file of this.#results.keys()) if (file.startsWith(prefix)) this.#results.delete(file);
  }
}
