import type { types } from 'mediasoup';
import { ClassroomError, type MediaKind, type RtpParametersWire, type SrtpParametersWire } from '@dualclass/protocol';
import type { Logger } from 'pino';

/**
 * Cascading between SFU nodes: one lesson's router here is joined to the same lesson's router on another node by a
 * PipeTransport pair (a "link", named by signaling). A producer that lives here is sent over the link (a pipe
 * consumer); a producer that lives there arrives here as a producer with the same id, which local viewers consume
 * like any other. SRTP protects the link, since nodes talk over the network, and RTX lets it repair losses.
 */

export interface PipeEndpoint {
  ip: string;
  port: number;
  srtpParameters: SrtpParametersWire;
}

interface Link {
  transport: types.PipeTransport;
  /** Local producers sent over this link, by producer id. */
  sent: Map<string, types.Consumer>;
}

const toRtpParameters = (p: RtpParametersWire) => p as types.RtpParameters;
const toSrtpParameters = (p: SrtpParametersWire) => p as types.SrtpParameters;

export class PipeLinks {
  readonly #links = new Map<string, Link>();
  /** Producers received from other nodes, by id (the origin's id). */
  readonly #received = new Map<string, types.Producer>();
  readonly #opening = new Map<string, Promise<Link>>();

  constructor(
    private readonly router: types.Router,
    private readonly listen: { ip: string; announcedIp: string | undefined },
    /** Tells the room a producer arrived from another node (it lives on this link's router). */
    private readonly onReceived: (producer: types.Producer) => void,
    private readonly log: Logger,
  ) {}

  /** This end of a link (created on first use): where the other node sends, and the keys it needs. */
  async open(linkId: string): Promise<PipeEndpoint> {
    const { transport } = await this.#link(linkId);
    const srtpParameters = transport.srtpParameters;
    if (!srtpParameters) throw new ClassroomError('INTERNAL', 'pipe transport without SRTP');
    return { ip: this.listen.announcedIp ?? transport.tuple.localIp, port: transport.tuple.localPort, srtpParameters };
  }

  async connect(linkId: string, remote: PipeEndpoint): Promise<void> {
    const link = this.#existing(linkId);
    await link.transport.connect({ ip: remote.ip, port: remote.port, srtpParameters: toSrtpParameters(remote.srtpParameters) });
  }

  /** Starts sending a local producer over the link; what the other node needs to receive it. Idempotent. */
  async send(linkId: string, producer: types.Producer): Promise<{ kind: MediaKind; rtpParameters: types.RtpParameters; paused: boolean }> {
    const link = this.#existing(linkId);
    let consumer = link.sent.get(producer.id);
    if (!consumer) {
      consumer = await link.transport.consume({ producerId: producer.id });
      const created = consumer;
      link.sent.set(producer.id, created);
      created.observer.once('close', () => {
        if (link.sent.get(producer.id) === created) link.sent.delete(producer.id);
      });
    }
    return { kind: consumer.kind, rtpParameters: consumer.rtpParameters, paused: consumer.producerPaused };
  }

  /** A producer of another node, arriving over the link under its own id. Idempotent. */
  async receive(linkId: string, input: { producerId: string; kind: MediaKind; rtpParameters: RtpParametersWire; paused: boolean }): Promise<void> {
    const link = this.#existing(linkId);
    if (this.#received.has(input.producerId)) return;
    const producer = await link.transport.produce({
      id: input.producerId,
      kind: input.kind,
      rtpParameters: toRtpParameters(input.rtpParameters),
      paused: input.paused,
      appData: { piped: true, linkId },
    });
    this.#received.set(producer.id, producer);
    this.onReceived(producer);
    producer.observer.once('close', () => {
      if (this.#received.get(producer.id) === producer) this.#received.delete(producer.id);
    });
  }

  received(producerId: string): types.Producer | undefined {
    return this.#received.get(producerId);
  }

  /** The origin paused or resumed it; viewers here see the same state. */
  async setReceivedPaused(producerId: string, paused: boolean): Promise<void> {
    const producer = this.#received.get(producerId);
    if (!producer) throw new ClassroomError('NOT_FOUND', 'piped producer not found');
    await (paused ? producer.pause() : producer.resume());
  }

  /** The origin closed it: its consumers here close with it. */
  closeReceived(producerId: string): void {
    this.#received.get(producerId)?.close();
  }

  close(linkId: string): void {
    this.#links.get(linkId)?.transport.close();
  }

  #existing(linkId: string): Link {
    const link = this.#links.get(linkId);
    if (!link) throw new ClassroomError('NOT_FOUND', 'pipe link not found');
    return link;
  }

  #link(linkId: string): Promise<Link> {
    const existing = this.#links.get(linkId);
    if (existing) return Promise.resolve(existing);
    let pending = this.#opening.get(linkId);
    if (!pending) {
      pending = this.#create(linkId).finally(() => this.#opening.delete(linkId));
      this.#opening.set(linkId, pending);
    }
    return pending;
  }

  async #create(linkId: string): Promise<Link> {
    const transport = await this.router.createPipeTransport({ listenIp: { ip: this.listen.ip }, enableSrtp: true, enableRtx: true });
    const link: Link = { transport, sent: new Map() };
    this.#links.set(linkId, link);
    transport.observer.once('close', () => {
      if (this.#links.get(linkId) === link) this.#links.delete(linkId);
      this.log.info({ linkId }, 'pipe link closed');
    });
    this.log.info({ linkId, port: transport.tuple.localPort }, 'pipe link opened');
    return link;
  }
}
