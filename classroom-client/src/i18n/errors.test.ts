import { ClassroomError } from '@dualclass/protocol';
import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeError } from './errors.ts';
import { resources } from './index.ts';

describe('describeError', () => {
  beforeAll(async () => {
    await i18next.init({ resources, lng: 'zh-CN', interpolation: { escapeValue: false } });
  });

  it('RATE_LIMITED shows the server’s retry-after in whole seconds', () => {
    expect(describeError(i18next.t, new ClassroomError('RATE_LIMITED', 'too many messages', { retryAfter: 2.2 }))).toBe('操作太频繁，请 3 秒后再试。');
    expect(describeError(i18next.t, new ClassroomError('RATE_LIMITED', 'x'))).toBe('操作太频繁，请 1 秒后再试。');
  });

  it('a caller’s message per code wins; offline and other errors read sensibly', () => {
    expect(describeError(i18next.t, new ClassroomError('CONFLICT', 'the stage is full (4)'), { CONFLICT: '台上已满' })).toBe('台上已满');
    expect(describeError(i18next.t, new ClassroomError('TIMEOUT', 'x'))).toBe('网络不通，请稍后再试。');
    expect(describeError(i18next.t, new ClassroomError('FORBIDDEN', 'muted by a teacher'))).toBe('操作失败：muted by a teacher');
    expect(describeError(i18next.t, new Error('boom'))).toBe('操作失败：boom');
  });

  it('TOO_LARGE reads as too large, whatever the server’s message', () => {
    expect(describeError(i18next.t, new ClassroomError('TOO_LARGE', 'upload exceeds 524288000 bytes'))).toBe('内容太大，超过了允许的上限。');
  });
});
