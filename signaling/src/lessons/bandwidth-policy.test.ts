import { describe, expect, it } from 'vitest';
import { consumerPriority } from './bandwidth-policy.ts';

describe('bandwidth policy', () => {
  it('orders courseware > master camera > other angles > stage > thumbnails', () => {
    const video = (source: 'camera' | 'screen' | 'document', audience: 'all' | 'staff' = 'all') => ({ kind: 'video' as const, source, audience });
    const order = [
      consumerPriority(video('screen'), 'master_teacher', false),
      consumerPriority(video('camera'), 'master_teacher', true),
      consumerPriority(video('camera'), 'master_teacher', false),
      consumerPriority(video('camera'), 'classroom_device', false),
      consumerPriority(video('camera', 'staff'), 'classroom_device', false),
    ];
    expect([...order].sort((a, b) => b - a)).toEqual(order);
    expect(new Set(order).size).toBe(order.length);
    expect(consumerPriority(video('document'), 'master_teacher', false)).toBe(order[0]);
    expect(consumerPriority({ kind: 'audio', source: 'microphone', audience: 'all' }, 'classroom_device', false)).toBeGreaterThan(order[0]!);
  });
});
