import { afterEach, describe, expect, it } from 'vitest';
import { flagOption, numberListOption, numberOption } from './cli-options.ts';

describe('bench options', () => {
  const argv = process.argv;
  afterEach(() => {
    process.argv = argv;
  });

  it('reads numbers, lists and flags after the bench name, with fallbacks', () => {
    process.argv = ['node', 'bench/run.ts', 'calibration', '--steps', '2,4', '--window', '3', '--skip-capture'];
    expect(numberListOption('steps', [4, 8, 12])).toEqual([2, 4]);
    expect(numberOption('window', 6)).toBe(3);
    expect(numberOption('sockets', 2000)).toBe(2000);
    expect(flagOption('skip-capture')).toBe(true);
    expect(flagOption('skip-finalize')).toBe(false);
  });

  it('refuses a value that is not a number', () => {
    process.argv = ['node', 'bench/run.ts', 'signaling', '--sockets', 'many', '--steps', '1,x'];
    expect(() => numberOption('sockets', 2000)).toThrow(/--sockets wants a number/);
    expect(() => numberListOption('steps', [1])).toThrow(/--steps wants numbers/);
  });
});
