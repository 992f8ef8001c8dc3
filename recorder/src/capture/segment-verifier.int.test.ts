import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SegmentVerifier } from './segment-verifier.ts';

const exec = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dualclass-verify-'));
  // Three real 2-second H.264 segments, as a capture run writes them.
  await exec('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15', '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15',
    '-f', 'segment', '-segment_time', '2', '-segment_format', 'matroska', '-reset_timestamps', '1', path.join(dir, 'seg-%05d.mkv'),
  ]);
  // Damage the middle one: keep its header, replace the coded frames with noise.
  const bytes = await readFile(path.join(dir, 'seg-00001.mkv'));
  for (let i = 600; i < bytes.length; i += 7) bytes[i] = (bytes[i]! * 31 + 17) & 0xff;
  await writeFile(path.join(dir, 'seg-00001.mkv'), bytes);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('segment verifier', () => {
  it('passes decodable segments and singles out a damaged one from a failed batch', async () => {
    const verifier = new SegmentVerifier();
    const results = await Promise.all(['seg-00000.mkv', 'seg-00001.mkv', 'seg-00002.mkv'].map((f) => verifier.verify(path.join(dir, f))));
    expect(results).toEqual([true, false, true]);
    // Asked again, the answer is remembered rather than decoded twice.
    expect(await verifier.verify(path.join(dir, 'seg-00001.mkv'))).toBe(false);
  });
});
