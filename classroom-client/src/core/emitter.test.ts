import { describe, expect, it } from 'vitest';
import { TypedEmitter } from './emitter.ts';

describe('TypedEmitter', () => {
  it('delivers typed arguments, once() fires once, off() removes', () => {
    const e = new TypedEmitter<{ n: [number, string] }>();
    const seen: string[] = [];
    const off = e.on('n', (n, s) => seen.push(`${n}${s}`));
    e.once('n', (n) => seen.push(`once${n}`));
    e.emit('n', 1, 'a');
    e.emit('n', 2, 'b');
    off();
    e.emit('n', 3, 'c');
    expect(seen).toEqual(['1a', 'once1', '2b']);
    expect(e.listenerCount('n')).toBe(0);
  });
});
