/** `--name <value>` options after `npm run bench <bench> --`: a number, a comma-separated list of numbers, a flag. */
function valueOf(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

export function numberOption(name: string, fallback: number): number {
  const value = valueOf(name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} wants a number, got ${value}`);
  return n;
}

export function numberListOption(name: string, fallback: number[]): number[] {
  const value = valueOf(name);
  if (value === undefined) return fallback;
  const list = value.split(',').map(Number);
  if (list.some((n) => !Number.isFinite(n))) throw new Error(`--${name} wants numbers separated by commas, got ${value}`);
  return list;
}

export function flagOption(name: string): boolean {
  return process.argv.includes(`--${name}`);
}
