import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startRedisServer, type RedisServer } from '../../../infra/src/redis-server.ts';
import { openRedis, type RedisConnections } from '../state/redis-connections.ts';
import { answer, interactionStoreContract, quiz } from './interaction-store.contract.ts';
import { RedisInteractionStore } from './redis-interaction-store.ts';

let server: RedisServer;
let redis: RedisConnections;
let other: RedisConnections;

beforeAll(async () => {
  server = await startRedisServer();
  redis = await openRedis(server.url, pino({ level: 'silent' }));
  other = await openRedis(server.url, pino({ level: 'silent' }));
});

afterAll(async () => {
  await redis?.close();
  await other?.close();
  await server?.stop();
});

interactionStoreContract('RedisInteractionStore', async () => {
  await redis.command.flushdb();
  return new RedisInteractionStore(redis.command);
});

describe('RedisInteractionStore across signaling nodes', () => {
  it('stays atomic when two nodes (two connections) race for the same quiz launch, room answer and check-in', async () => {
    await redis.command.flushdb();
    const nodes = [new RedisInteractionStore(redis.command), new RedisInteractionStore(other.command)];
    const launches = await Promise.all(Array.from({ length: 40 }, (_, i) => nodes[i % 2]!.createQuiz(quiz(`quiz_${i}`))));
    expect(launches.filter(Boolean)).toHaveLength(1);
    const roomAnswers = await Promise.all(Array.from({ length: 40 }, (_, i) => nodes[i % 2]!.addAnswer(answer(`par_${i}`, 'cls_a', true, 'quiz_0'))));
    expect(roomAnswers.filter(Boolean)).toHaveLength(1);
    const checkIns = await Promise.all(
      Array.from({ length: 40 }, (_, i) => nodes[i % 2]!.checkIn('les_1', 'cls_a', { participantId: 'par_1', displayName: '小明', at: new Date(i).toISOString() })),
    );
    expect(checkIns.filter((c) => c.created)).toHaveLength(1);
    // Both nodes read the one record the winner wrote.
    expect((await nodes[1]!.attendance('les_1', 'cls_a')).checkedIn).toEqual([checkIns.find((c) => c.created)!.entry]);
  });
});
