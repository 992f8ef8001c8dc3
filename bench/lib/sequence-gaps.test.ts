import { describe, expect, it } from 'vitest';
import { SequenceGaps, lossPercent } from './sequence-gaps.ts';

function fed(packets: Array<[ssrc: number, seq: number]>): SequenceGaps {
  const gaps = new SequenceGaps();
  for (const [ssrc, seq] of packets) gaps.record(ssrc, seq);
  return gaps;
}

describe('SequenceGaps', () => {
  it('counts nothing lost for an unbroken stream', () => {
    const gaps = fed([1, 2, 3, 4].map((seq) => [7, seq]));
    expect(gaps).toMatchObject({ expected: 4, received: 4 });
  });

  it('counts the packets a jump skipped', () => {
    const gaps = fed([[7, 10], [7, 11], [7, 15]]);
    expect(gaps).toMatchObject({ expected: 6, received: 3 });
  });

  it('lets a reordered packet fill the gap it left', () => {
    const gaps = fed([[7, 10], [7, 12], [7, 11], [7, 13]]);
    expect(gaps).toMatchObject({ expected: 4, received: 4 });
  });

  it('follows the sequence number through 16-bit wrap-around', () => {
    expect(fed([65533, 65534, 65535, 0, 1].map((seq) => [7, seq]))).toMatchObject({ expected: 5, received: 5 });
    expect(fed([[7, 65534], [7, 1]])).toMatchObject({ expected: 4, received: 2 });
  });

  it('handles a packet reordered across the wrap', () => {
    const gaps = fed([[7, 65535], [7, 1], [7, 0]]);
    expect(gaps).toMatchObject({ expected: 3, received: 3 });
  });

  it('keeps streams apart by SSRC', () => {
    const gaps = fed([[1, 100], [2, 5000], [1, 101], [2, 5002], [0xffffffff, 9]]);
    expect(gaps).toMatchObject({ expected: 6, received: 5, streams: 3 });
  });
});

describe('lossPercent', () => {
  it('measures only between the two snapshots', () => {
    expect(lossPercent({ expected: 100, received: 90 }, { expected: 300, received: 289 })).toBeCloseTo(0.5);
  });

  it('never reports negative loss when late packets of an earlier window arrive', () => {
    expect(lossPercent({ expected: 100, received: 90 }, { expected: 110, received: 105 })).toBe(0);
  });

  it('is zero for an empty window', () => {
    expect(lossPercent({ expected: 5, received: 5 }, { expected: 5, received: 5 })).toBe(0);
  });
});
