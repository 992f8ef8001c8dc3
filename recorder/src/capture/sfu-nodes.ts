import { EventEmitter } from 'node:events';
import type { SfuNotification } from '@dualclass/protocol';
import { SfuClient } from '@dualclass/sfu-server/client';

/** One SFU node the recorder taps producers on: its RPC URL (normalized) and the link to it. */
export interface SfuNode {
  url: string;
  client: SfuClient;
}

export interface SfuNodesEvents {
  /** A node closed one of its consumers (a tap's producer went away). */
  'consumer.closed': [SfuNotification<'consumer.closed'>];
  /** A node's link dropped: the node may be gone, and its taps with it. */
  lost: [url: string];
  /** A node's link is back after a drop. */
  back: [url: string];
}

/** A node first named by a track gets this long to answer; the track's addTrack fails after that. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * The SFU nodes the recorder taps, one RPC link per node (same shared secret). In a cluster a producer lives on
 * whichever node its publisher was placed on; signaling names that node per track and the link to it is opened
 * the first time. The recorder's own SFU_URL is connected at start and serves tracks that name no node.
 */
export class SfuNodes extends EventEmitter<SfuNodesEvents> {
  readonly #links = new Map<string, Promise<SfuNode>>();
  /** Links that connected, for what must be read at once (metrics, pruning). */
  readonly #nodes = new Map<string, SfuNode>();

  private constructor(
    readonly home: SfuNode,
    private readonly secret: string,
  ) {
    super();
    this.#watch(home);
    this.#links.set(home.url, Promise.resolve(home));
    this.#nodes.set(home.url, home);
  }

  /** Connects the recorder's own SFU; the recorder does not start without it. */
  static async connect(url: string, secret: string): Promise<SfuNodes> {
    const client = await SfuClient.connect(url, secret, { timeoutMs: 10_000 });
    return new SfuNodes({ url: normalize(url), client }, secret);
  }

  /** The node at `url` (the recorder's own SFU when none is named), connecting on first use. */
  node(url: string | undefined): Promise<SfuNode> {
    const key = url === undefined ? this.home.url : normalize(url);
    let link = this.#links.get(key);
    if (!link) {
      link = SfuClient.connect(key, this.secret, { timeoutMs: CONNECT_TIMEOUT_MS }).then((client) => {
        const node = { url: key, client };
        this.#watch(node);
        this.#nodes.set(key, node);
        return node;
      });
      // A node that could not be reached is tried afresh the next time a track names it.
      link.catch(() => this.#links.delete(key));
      this.#links.set(key, link);
    }
    return link;
  }

  /** Every node linked now, whether its link is up or not. */
  nodes(): SfuNode[] {
    return [...this.#nodes.values()];
  }

  /**
   * Drops the links to nodes that are down and tap nothing any more (`inUse`): with the Redis registry nodes come
   * and go, and a link to one that is gone would otherwise keep reconnecting for the recorder's lifetime. A node
   * named again later is connected afresh.
   */
  prune(inUse: ReadonlySet<string>): void {
    for (const [url, node] of this.#nodes) {
      if (node === this.home || node.client.connected || inUse.has(url)) continue;
      node.client.close();
      this.#nodes.delete(url);
      this.#links.delete(url);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#links.values());
    for (const node of this.#nodes.values()) node.client.close();
    this.#links.clear();
    this.#nodes.clear();
  }

  #watch(node: SfuNode): void {
    node.client.on('consumer.closed', (data) => this.emit('consumer.closed', data));
    node.client.onDisconnected(() => this.emit('lost', node.url));
    node.client.onReconnected(() => this.emit('back', node.url));
  }
}

/** Signaling and the recorder's config may spell one node's URL differently (a trailing slash). */
function normalize(url: string): string {
  return new URL(url).href;
}
