import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';

/**
 * Delay and jitter for media between browsers and the SFU. The kernel here has no netem (DESIGN §5), so this
 * relay does it in user space: the SFU listens on `target` (loopback) and announces `front` in its ICE
 * candidates (SFU_ANNOUNCED_IP); the relay binds front:P for every port P of the SFU's RTC range and forwards
 * to target:P, with one upstream socket per client address and port, so the SFU sees each client as a
 * distinct tuple and its replies go back to that client from front:P. Only UDP is relayed: the SFU's TCP
 * candidates point at front, where nothing accepts, so a browser that connects at all connects through here.
 */

export interface Impairment {
  /** One-way delay added to every impaired packet, each direction. */
  delayMs: number;
  /** Each packet's delay is drawn uniformly from delayMs ± jitterMs (never below zero). */
  jitterMs: number;
  /** Packets dropped at random, each direction. */
  lossPercent?: number;
}

export interface DirectionStats {
  forwarded: number;
  dropped: number;
  /** Delay the relay added to forwarded packets, from arrival to send, queueing behind earlier packets included. */
  meanDelayMs: number;
  maxDelayMs: number;
}

export interface RelayStats {
  toServer: DirectionStats;
  toClient: DirectionStats;
}

export interface UdpRelayOptions {
  /** Address clients send to: the SFU's announced IP. */
  front: string;
  /** Address the SFU listens on (SFU_LISTEN_IP). */
  target?: string;
  /** The SFU's RTC port range (SFU_RTC_MIN_PORT..SFU_RTC_MAX_PORT), inclusive; keep it narrow. */
  ports: { min: number; max: number };
  impairment?: Impairment;
  /** Client IPs whose traffic is impaired; others pass through unchanged. Default: every client. */
  impairedClients?: string[];
}

class Counter {
  forwarded = 0;
  dropped = 0;
  #delaySum = 0;
  #delayMax = 0;

  add(delayMs: number): void {
    this.forwarded += 1;
    this.#delaySum += delayMs;
    this.#delayMax = Math.max(this.#delayMax, delayMs);
  }

  snapshot(): DirectionStats {
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return { forwarded: this.forwarded, dropped: this.dropped, meanDelayMs: round(this.forwarded ? this.#delaySum / this.forwarded : 0), maxDelayMs: round(this.#delayMax) };
  }
}

/**
 * A first-in first-out delay line for one direction of one flow. Why no reordering: netem draws each packet's
 * delay independently, so jitter larger than the gap between packets reorders them, and a video frame's burst
 * of packets sent within a millisecond gets shuffled on every frame. Real access links mostly jitter by
 * queueing, which delays packets but keeps their order; so a packet never leaves before the one ahead of it,
 * and a burst tends to take the largest delay drawn within it (the counters report what was really added).
 */
class DelayLine {
  #queue: { at: number; send: () => void }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #lastAt = 0;

  /** Queues `send` to run `delayMs` from now, or later if an earlier packet is still waiting; returns the delay given. */
  push(delayMs: number, send: () => void): number {
    const now = performance.now();
    const at = Math.max(now + delayMs, this.#lastAt);
    this.#lastAt = at;
    if (at <= now && this.#queue.length === 0) {
      send();
      return 0;
    }
    this.#queue.push({ at, send });
    this.#timer ??= setTimeout(() => this.#flush(), at - now);
    return at - now;
  }

  #flush(): void {
    this.#timer = undefined;
    // Timers fire up to a millisecond late; sending what is due within half a millisecond saves a timer per packet.
    const now = performance.now() + 0.5;
    while (this.#queue.length > 0 && this.#queue[0]!.at <= now) this.#queue.shift()!.send();
    const next = this.#queue[0];
    if (next) this.#timer = setTimeout(() => this.#flush(), next.at - performance.now());
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#queue = [];
  }
}

interface Flow {
  upstream: dgram.Socket;
  toServer: DelayLine;
  toClient: DelayLine;
}

const bound = (socket: dgram.Socket, port: number, address: string) =>
  new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });

const closed = (socket: dgram.Socket) => new Promise<void>((resolve) => socket.close(() => resolve()));

// A relay, like a router, drops a packet it cannot send instead of stopping (an unhandled 'error' would end the test run).
const ignoreErrors = (socket: dgram.Socket) => socket.on('error', () => undefined);

export class UdpRelay {
  #impairment: Impairment;
  readonly #impaired: Set<string> | undefined;
  readonly #target: string;
  readonly #fronts: dgram.Socket[] = [];
  readonly #flows = new Map<string, Flow>();
  readonly #stats = new Map<string, { toServer: Counter; toClient: Counter }>();

  private constructor(options: UdpRelayOptions) {
    this.#impairment = options.impairment ?? { delayMs: 0, jitterMs: 0 };
    this.#impaired = options.impairedClients ? new Set(options.impairedClients) : undefined;
    this.#target = options.target ?? '127.0.0.1';
  }

  /** Binds front:P for every port of the range; fails (releasing what it bound) if any is taken. */
  static async start(options: UdpRelayOptions): Promise<UdpRelay> {
    const relay = new UdpRelay(options);
    try {
      for (let port = options.ports.min; port <= options.ports.max; port++) {
        const front = dgram.createSocket('udp4');
        relay.#fronts.push(front);
        await bound(front, port, options.front);
        ignoreErrors(front);
        front.on('message', (msg, client) => relay.#fromClient(front, port, msg, client));
      }
    } catch (err) {
      await relay.close();
      throw err;
    }
    return relay;
  }

  /**
   * Applies to packets arriving from now on; packets already queued keep the delay they were given. The
   * counters restart, so what they report is always the impairment in force.
   */
  setImpairment(impairment: Impairment): void {
    this.#impairment = impairment;
    this.#stats.clear();
  }

  /** Counters for one client IP (all its ports) since the impairment last changed; zero if it sent nothing. */
  stats(clientIp: string): RelayStats {
    const counters = this.#stats.get(clientIp) ?? { toServer: new Counter(), toClient: new Counter() };
    return { toServer: counters.toServer.snapshot(), toClient: counters.toClient.snapshot() };
  }

  async close(): Promise<void> {
    for (const flow of this.#flows.values()) {
      flow.toServer.close();
      flow.toClient.close();
    }
    await Promise.all([...this.#fronts, ...[...this.#flows.values()].map((f) => f.upstream)].map(closed));
    this.#fronts.length = 0;
    this.#flows.clear();
  }

  #fromClient(front: dgram.Socket, port: number, msg: Buffer, client: dgram.RemoteInfo): void {
    const key = `${client.address}:${client.port}>${port}`;
    let flow = this.#flows.get(key);
    if (!flow) {
      const upstream = dgram.createSocket('udp4');
      ignoreErrors(upstream);
      // Sends issued while the bind is in progress are queued by dgram until it completes.
      upstream.bind(0, this.#target);
      const created: Flow = { upstream, toServer: new DelayLine(), toClient: new DelayLine() };
      upstream.on('message', (reply) => this.#forward(client.address, created.toClient, 'toClient', () => front.send(reply, client.port, client.address)));
      this.#flows.set(key, created);
      flow = created;
    }
    this.#forward(client.address, flow.toServer, 'toServer', () => flow.upstream.send(msg, port, this.#target));
  }

  #forward(clientIp: string, line: DelayLine, direction: keyof RelayStats, send: () => void): void {
    let counters = this.#stats.get(clientIp);
    if (!counters) this.#stats.set(clientIp, (counters = { toServer: new Counter(), toClient: new Counter() }));
    const counter = counters[direction];
    if (this.#impaired && !this.#impaired.has(clientIp)) {
      counter.add(line.push(0, send));
      return;
    }
    const { delayMs, jitterMs, lossPercent = 0 } = this.#impairment;
    if (Math.random() * 100 < lossPercent) {
      counter.dropped += 1;
      return;
    }
    counter.add(line.push(Math.max(0, delayMs + (Math.random() * 2 - 1) * jitterMs), send));
  }
}
