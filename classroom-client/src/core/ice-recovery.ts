import { isClassroomError } from '@dualclass/protocol';

/**
 * What a client does when a transport's media path breaks (Wi-Fi roams, a NAT binding expires, a link is blocked
 * for a while): ICE often comes back by itself within seconds, so a 'disconnected' transport first gets a short
 * grace; then, and at once on 'failed', an ICE restart (new credentials from the SFU, same DTLS, same producers and
 * consumers). Restarts are spaced out; when they keep failing, or the SFU no longer knows the transport, the
 * client gives up on this media session and rejoins fully (`onGiveUp`).
 */

export interface IceRecoveryTiming {
  /** How long 'disconnected' may last before a restart. */
  disconnectedGraceMs: number;
  /** A restart that has not brought the transport back to 'connected' by then counts as failed. */
  attemptTimeoutMs: number;
  /** Least time between two restarts of one transport (the server rate-limits too). */
  minIntervalMs: number;
  /** Failed restarts in a row before giving up. */
  maxAttempts: number;
}

const ICE_RECOVERY_TIMING: IceRecoveryTiming = {
  disconnectedGraceMs: 2_000,
  attemptTimeoutMs: 8_000,
  minIntervalMs: 5_000,
  maxAttempts: 3,
};

export type TransportConnectionState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

interface Tracked {
  state: TransportConnectionState;
  timer: ReturnType<typeof setTimeout> | undefined;
  attempts: number;
  lastRestartAt: number;
  restarting: boolean;
}

export class IceRecovery {
  readonly #transports = new Map<string, Tracked>();
  #stopped = false;
  /** ICE restarts asked for so far (for the quality display and tests). */
  restarts = 0;

  constructor(
    private readonly restart: (transportId: string) => Promise<void>,
    private readonly onGiveUp: (reason: string) => void,
    private readonly timing: IceRecoveryTiming = ICE_RECOVERY_TIMING,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Feed every connectionstatechange of every transport here. */
  onState(transportId: string, state: TransportConnectionState): void {
    if (this.#stopped) return;
    const t = this.#tracked(transportId);
    t.state = state;
    switch (state) {
      case 'connected':
        clearTimeout(t.timer);
        t.timer = undefined;
        t.attempts = 0;
        return;
      case 'disconnected':
        if (!t.timer && !t.restarting) this.#schedule(transportId, t, this.timing.disconnectedGraceMs);
        return;
      case 'failed':
        if (!t.restarting) this.#schedule(transportId, t, 0);
        return;
      case 'closed':
        clearTimeout(t.timer);
        this.#transports.delete(transportId);
        return;
      default:
        return;
    }
  }

  /** Any pending restart is dropped (the media session closed). */
  stop(): void {
    this.#stopped = true;
    for (const t of this.#transports.values()) clearTimeout(t.timer);
    this.#transports.clear();
  }

  #tracked(transportId: string): Tracked {
    let t = this.#transports.get(transportId);
    if (!t) {
      t = { state: 'new', timer: undefined, attempts: 0, lastRestartAt: Number.NEGATIVE_INFINITY, restarting: false };
      this.#transports.set(transportId, t);
    }
    return t;
  }

  #schedule(transportId: string, t: Tracked, delayMs: number): void {
    clearTimeout(t.timer);
    const spacing = t.lastRestartAt + this.timing.minIntervalMs - this.now();
    t.timer = setTimeout(() => void this.#attempt(transportId, t), Math.max(delayMs, spacing, 0));
  }

  async #attempt(transportId: string, t: Tracked): Promise<void> {
    t.timer = undefined;
    if (!this.#stillBroken(transportId, t)) return;
    if (t.attempts >= this.timing.maxAttempts) return this.#giveUp(`ICE restart failed ${t.attempts} times`);
    t.attempts += 1;
    t.lastRestartAt = this.now();
    t.restarting = true;
    this.restarts += 1;
    try {
      await this.restart(transportId);
    } catch (err) {
      t.restarting = false;
      // The SFU lost the transport (its worker died, DTLS closed it): no restart can help.
      if (isClassroomError(err, 'NOT_FOUND') || isClassroomError(err, 'BAD_REQUEST')) return this.#giveUp('transport gone at the SFU');
      if (isClassroomError(err, 'RATE_LIMITED')) {
        const retryAfter = err.retryAfter ?? 5;
        t.attempts -= 1; // the server did not try; this one does not count
        t.lastRestartAt = this.now() + retryAfter * 1000 - this.timing.minIntervalMs;
      }
      if (this.#stillBroken(transportId, t)) this.#schedule(transportId, t, 0);
      return;
    }
    t.restarting = false;
    // Not back yet: check again after the attempt had its time.
    if (this.#stillBroken(transportId, t)) t.timer = setTimeout(() => void this.#attempt(transportId, t), this.timing.attemptTimeoutMs);
  }

  /** State changes arrive while a restart is awaited, so this is read afresh each time. */
  #stillBroken(transportId: string, t: Tracked): boolean {
    return !this.#stopped && this.#transports.get(transportId) === t && t.state !== 'connected';
  }

  #giveUp(reason: string): void {
    if (this.#stopped) return;
    this.stop();
    this.onGiveUp(reason);
  }
}
