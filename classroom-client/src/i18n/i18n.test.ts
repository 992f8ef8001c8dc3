import { describe, expect, it } from 'vitest';
import en from './en.ts';
import zhCN from './zh-CN.ts';

function flatten(value: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof value === 'string') {
    out.set(prefix, value);
    return out;
  }
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    for (const [k, v] of flatten(child, prefix ? `${prefix}.${key}` : key)) out.set(k, v);
  }
  return out;
}

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe('i18n dictionaries', () => {
  const zh = flatten(zhCN);
  const english = flatten(en);

  it('zh-CN and en have exactly the same keys', () => {
    expect([...english.keys()].sort()).toEqual([...zh.keys()].sort());
  });

  it('has no empty strings', () => {
    for (const [key, value] of [...zh, ...english]) expect(value.trim(), key).not.toBe('');
  });

  it('uses the same interpolation placeholders in both languages', () => {
    for (const [key, value] of zh) expect(placeholders(english.get(key) ?? ''), key).toEqual(placeholders(value));
  });

  it('zh-CN strings are Chinese', () => {
    const latinOnly = [...zh].filter(([key, v]) => !/[\u4e00-\u9fff]/.test(v) && key !== 'lang.switchTo');
    expect(latinOnly).toEqual([]);
  });
});
