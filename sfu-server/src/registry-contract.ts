import { z } from 'zod';

/** The Redis node registry as sfu-server writes it and signaling reads it: one definition for both sides. */
export const SFU_NODES_KEY = 'dualclass:sfu:nodes'; // sorted set: node id → expiry (ms)
export const SFU_NODE_INFO_KEY = 'dualclass:sfu:node-info'; // hash: node id → JSON of SfuNodeInfo

export const SfuNodeInfoSchema = z.object({
  url: z.string().url(),
  /** Participants' media on this node (all lessons). */
  peers: z.number().int().min(0),
  workers: z.number().int().min(0),
  draining: z.boolean(),
});
export type SfuNodeInfo = z.infer<typeof SfuNodeInfoSchema>;
