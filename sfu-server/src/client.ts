import { sfuService } from '@dualclass/protocol';
import { RpcClient, type RpcClientOptions } from '@dualclass/protocol/rpc-client';

export { SFU_NODE_INFO_KEY, SFU_NODES_KEY, SfuNodeInfoSchema } from './registry-contract.ts';

/** The typed client signaling and the recorder use to drive sfu-server. */
export type SfuClient = RpcClient<typeof sfuService.methods, typeof sfuService.notifications>;

export const SfuClient = {
  connect(url: string, secret: string, options: RpcClientOptions = {}): Promise<SfuClient> {
    return RpcClient.connect(sfuService, url, secret, options);
  },
};
