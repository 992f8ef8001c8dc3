import { z } from 'zod';
import { ClassroomError } from '@dualclass/protocol';
import type { LessonOwners } from './lesson-owners.ts';
import { NodeGoneError, type NodeBus } from './node-bus.ts';

/**
 * Lesson operations that change live state but arrive outside a lesson's sockets (the REST API: start, end, an
 * encoder feed) run on the lesson's owner node too, so one node decides everything about a live lesson. On one
 * machine they are plain calls.
 */

// Arguments and results cross the bus as JSON, so operations take and return plain data.
type Operation = (lessonId: string, ...args: never[]) => Promise<unknown>;

const TOPIC = 'lesson-op';
const OpMessageSchema = z.object({ op: z.string().max(64), lessonId: z.string().max(64), args: z.array(z.unknown()).max(8) });

export function ownerOperations<Ops extends Record<string, Operation>>(owners: LessonOwners, bus: NodeBus | undefined, ops: Ops): Ops {
  bus?.onRequest(TOPIC, async (body) => {
    const { op, lessonId, args } = OpMessageSchema.parse(body);
    if (!Object.hasOwn(ops, op)) throw new ClassroomError('BAD_REQUEST', `unknown lesson operation ${op}`);
    return (ops[op] as (lessonId: string, ...args: unknown[]) => Promise<unknown>)(lessonId, ...args);
  });
  const routed = {} as Record<string, (lessonId: string, ...args: unknown[]) => Promise<unknown>>;
  for (const [op, run] of Object.entries(ops)) {
    routed[op] = async (lessonId, ...args) => {
      const owner = bus ? await owners.ownerOf(lessonId) : owners.nodeId;
      const local = () => (run as (lessonId: string, ...a: unknown[]) => Promise<unknown>)(lessonId, ...args);
      if (!bus || owner === owners.nodeId) return local();
      try {
        return await bus.request(owner, TOPIC, { op, lessonId, args });
      } catch (err) {
        // The owner is gone: take the lesson over (its saved state comes back) and run it here.
        if (!(err instanceof NodeGoneError)) throw err;
        const next = await owners.takeOver(lessonId, err.nodeId);
        return next === owners.nodeId ? local() : bus.request(next, TOPIC, { op, lessonId, args });
      }
    };
  }
  return routed as unknown as Ops;
}
