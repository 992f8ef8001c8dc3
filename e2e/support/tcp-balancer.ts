import net from 'node:net';

/**
 * The reverse proxy a district puts in front of its signaling nodes, reduced to what failover needs: every new TCP
 * connection goes to the next backend in turn, and a backend that refuses is skipped (and left out for a while) the
 * way a health-checking proxy would. WebSocket-only socket.io needs no sticky sessions, so per-connection balancing is
 * what production does too.
 */
export class TcpBalancer {
  readonly #server: net.Server;
  readonly #down = new Map<string, number>();
  readonly #sockets = new Set<net.Socket>();
  #backends: URL[];
  #next = 0;

  private constructor(backends: string[]) {
    this.#backends = backends.map((b) => new URL(b));
    this.#server = net.createServer((client) => this.#accept(client));
  }

  static async start(backends: string[]): Promise<TcpBalancer> {
    const balancer = new TcpBalancer(backends);
    await new Promise<void>((resolve) => balancer.#server.listen(0, '127.0.0.1', resolve));
    return balancer;
  }

  get url(): string {
    const { port } = this.#server.address() as net.AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Which backends new connections may go to (an operator taking a node out of rotation, or a test steering). */
  route(backends: string[]): void {
    this.#backends = backends.map((b) => new URL(b));
    this.#next = 0;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: net.Socket): void {
    this.#track(client);
    client.pause();
    const candidates = this.#candidates();
    const attempt = (i: number): void => {
      const backend = candidates[i];
      if (!backend || client.destroyed) {
        client.destroy();
        return;
      }
      const upstream = net.connect(Number(backend.port), backend.hostname);
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        this.#track(upstream);
        upstream.pipe(client);
        client.pipe(upstream);
        client.resume();
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
      });
      upstream.once('error', () => {
        if (connected) return;
        this.#down.set(backend.host, Date.now() + 5_000);
        attempt(i + 1);
      });
    };
    attempt(0);
  }

  /** Backends in round-robin order, those recently refusing last (still tried: they may be back). */
  #candidates(): URL[] {
    const n = this.#backends.length;
    const start = this.#next++ % Math.max(n, 1);
    const ordered = [...this.#backends.slice(start), ...this.#backends.slice(0, start)];
    const now = Date.now();
    const up = ordered.filter((b) => (this.#down.get(b.host) ?? 0) <= now);
    return [...up, ...ordered.filter((b) => !up.includes(b))];
  }

  #track(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }
}
