import { describe, expect, it } from 'vitest';
import { isClassroomError } from '@dualclass/protocol';
import { consumeOrRefuse, memoryLimiters } from './flood-limit.ts';

describe('flood limits', () => {
  it('refuses past the budget with RATE_LIMITED and a wait of at least one second, per key and per kind', async () => {
    const chat = memoryLimiters({ points: 2, durationSeconds: 10, keyPrefix: 'chat' });
    const reactions = memoryLimiters({ points: 2, durationSeconds: 10, keyPrefix: 'reaction' });
    await consumeOrRefuse(chat, 'par_a', 'messages');
    await consumeOrRefuse(chat, 'par_a', 'messages');
    const refused = await consumeOrRefuse(chat, 'par_a', 'messages').catch((err: unknown) => err);
    expect(isClassroomError(refused, 'RATE_LIMITED')).toBe(true);
    expect((refused as { retryAfter: number }).retryAfter).toBeGreaterThanOrEqual(1);
    await expect(consumeOrRefuse(chat, 'par_b', 'messages')).resolves.toBeUndefined();
    await expect(consumeOrRefuse(reactions, 'par_a', 'reactions')).resolves.toBeUndefined();
  });
});
