import { createHash } from 'node:crypto';
import { ReplyError, type Redis } from 'ioredis';
import { ClassroomError } from '@dualclass/protocol';

/**
 * Awaits one Redis command. Whatever the server answered, errors included (ReplyError: a bug on our side),
 * passes through; every other failure means the connection is down, closed or timed out, and becomes
 * UNAVAILABLE so callers and clients see a typed "try again shortly" instead of an INTERNAL error.
 */
export async function orUnavailable<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (err) {
    if (err instanceof ReplyError) throw err;
    throw new ClassroomError('UNAVAILABLE', 'live classroom state is unavailable (Redis), try again shortly', { cause: err });
  }
}

/**
 * A Lua script run by its SHA, sent in full only when the server does not know it (first use, or after Redis
 * restarted and lost its script cache). Lua runs atomically on the server, which is how the stores keep their
 * check-then-write methods atomic across signaling nodes.
 */
export class RedisScript {
  readonly #sha: string;

  constructor(
    readonly lua: string,
    readonly numberOfKeys: number,
  ) {
    this.#sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(client: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    if (keys.length !== this.numberOfKeys) throw new Error(`script expects ${this.numberOfKeys} keys, got ${keys.length}`);
    try {
      return await orUnavailable(client.evalsha(this.#sha, keys.length, ...keys, ...args));
    } catch (err) {
      if (!(err instanceof ReplyError) || !String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return orUnavailable(client.eval(this.lua, keys.length, ...keys, ...args));
    }
  }
}
