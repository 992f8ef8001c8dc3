/** setTimeout fires at once for delays above this (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A connection lives only as long as the join token it presented: when the token's `exp` passes without a
 * `session:refresh`, `onExpired` runs once. A refresh moves the deadline to the new token's `exp`.
 */
export class TokenExpiry {
  #expiresAtMs = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    expSeconds: number,
    private readonly onExpired: () => void,
  ) {
    this.extend(expSeconds);
  }

  get expiresAt(): Date {
    return new Date(this.#expiresAtMs);
  }

  extend(expSeconds: number): void {
    this.#expiresAtMs = expSeconds * 1000;
    this.#arm();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    clearTimeout(this.#timer);
    const delay = Math.max(0, this.#expiresAtMs - Date.now());
    this.#timer = setTimeout(() => {
      // A deadline past the longest timer is reached in steps.
      if (Date.now() < this.#expiresAtMs) return this.#arm();
      this.#timer = undefined;
      this.onExpired();
    }, Math.min(delay, MAX_TIMER_MS));
    // A pending deadline alone must not keep the process alive at shutdown.
    this.#timer.unref();
  }
}
