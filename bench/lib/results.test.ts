import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeSection, readResults, saveSection } from './results.ts';

describe('mergeSection', () => {
  it('replaces a section\'s values and keeps the others', () => {
    const merged = mergeSection({ engine: { viewersPerCore: 1, points: [1, 2] }, join: { p95Ms: 3 } }, 'engine', { viewersPerCore: 2, points: [3] });
    expect(merged).toEqual({ engine: { viewersPerCore: 2, points: [3] }, join: { p95Ms: 3 } });
  });

  it('merges nested sections deeply, so peer.janus leaves peer\'s other keys alone', () => {
    const merged = mergeSection({ peer: { other: { x: 1 }, janus: { ratio: 0.5, viewersPerCore: 100 } } }, 'peer', { janus: { ratio: 0.7 } });
    expect(merged).toEqual({ peer: { other: { x: 1 }, janus: { ratio: 0.7, viewersPerCore: 100 } } });
  });
});

describe('saveSection', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bench-results-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads {} before any bench ran', async () => {
    expect(await readResults(path.join(dir, 'latest.json'))).toEqual({});
  });

  it('writes sections side by side with the machine line and the time of the update', async () => {
    const file = path.join(dir, 'results', 'latest.json');
    await saveSection('engine', { viewersPerCore: 180 }, file);
    await saveSection('peer', { janus: { viewersPerCore: 150 } }, file);
    const saved = JSON.parse(await readFile(file, 'utf8'));
    expect(saved).toMatchObject({ engine: { viewersPerCore: 180 }, peer: { janus: { viewersPerCore: 150 } } });
    expect(saved.machine.cores).toBeGreaterThan(0);
    expect(saved.machine.cpuModel).toEqual(expect.any(String));
    expect(Date.parse(saved.updatedAt)).not.toBeNaN();
  });
});
