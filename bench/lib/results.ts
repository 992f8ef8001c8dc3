import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './machine.ts';

export const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');
export const RESULTS_PATH = path.join(RESULTS_DIR, 'latest.json');

export type Results = Record<string, unknown>;

/** The parsed latest.json, or `{}` when no bench has run yet. */
export async function readResults(file = RESULTS_PATH): Promise<Results> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Results;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

/**
 * Merges `value` under the top-level `key` into latest.json, keeping every other section, and refreshes the
 * machine line and `updatedAt`. The rename is atomic, so a reader never sees half a file.
 */
export async function saveSection(key: string, value: object, file = RESULTS_PATH): Promise<void> {
  const results = await readResults(file);
  const merged = mergeSection(results, key, value);
  merged.machine = machineInfo();
  merged.updatedAt = new Date().toISOString();
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(merged, null, 2)}\n`);
  await rename(tmp, file);
}

/** `results` with `value` deep-merged under `key`: nested objects merge (peer.janus beside peer.other), the rest is replaced. */
export function mergeSection(results: Results, key: string, value: object): Results {
  return deepMerge(results, { [key]: value }) as Results;
}

function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = deepMerge(base[k], v);
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
