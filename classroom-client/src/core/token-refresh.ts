/**
 * Join tokens are short-lived and a lesson may outlast one; the server closes a connection whose token runs out
 * (session:closed token_expired). The client asks for a fresh token (`session:refresh`) well before that, and
 * later reconnects present the fresh one. A failed refresh (offline for a moment) is retried until the token is
 * gone, after which there is nothing left to refresh with.
 */

/** Refresh this long before expiry at most; a short token refreshes at half its remaining life. */
export const REFRESH_MARGIN_MS = 10 * 60_000;
/** Pause between failed refresh attempts at most. */
export const RETRY_MAX_MS = 30_000;
const RETRY_MIN_MS = 1_000;

/** The `exp` of a JWT in milliseconds, read without verifying (the server verifies); undefined if unreadable. */
export function tokenExpiresAt(token: string): number | undefined {
  try {
    const payload = token.split('.')[1];
    if (!payload) return undefined;
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const { exp } = JSON.parse(atob(base64)) as { exp?: unknown };
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** How long to wait before refreshing a token that expires at `expiresAtMs`. */
export function refreshDelayMs(expiresAtMs: number, nowMs: number): number {
  const remaining = expiresAtMs - nowMs;
  if (remaining <= 0) return 0;
  return remaining - Math.min(REFRESH_MARGIN_MS, remaining / 2);
}

/** After a failed attempt: try again soon, but never past expiry; undefined once the token is (all but) expired. */
export function retryDelayMs(expiresAtMs: number, nowMs: number): number | undefined {
  const remaining = expiresAtMs - nowMs;
  // Halving what is left would otherwise retry ever faster right up to the expiry.
  if (remaining <= RETRY_MIN_MS) return undefined;
  return Math.min(RETRY_MAX_MS, remaining / 2);
}

export interface TokenRefreshDeps {
  /** Asks the server for a fresh token (`session:refresh`). */
  refresh(): Promise<{ token: string; expiresAt: string }>;
  /** The new token, for the next handshake. */
  onToken(token: string): void;
  now?: () => number;
}

/** Keeps one token fresh until stopped. */
export class TokenRefresher {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(private readonly deps: TokenRefreshDeps) {}

  /** Starts from the token the page was opened with; a token without a readable `exp` is left alone. */
  start(token: string): void {
    const expiresAt = tokenExpiresAt(token);
    if (expiresAt !== undefined) this.#schedule(expiresAt, refreshDelayMs(expiresAt, this.#now()));
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  #schedule(expiresAt: number, delay: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#attempt(expiresAt), delay);
  }

  async #attempt(expiresAt: number): Promise<void> {
    try {
      const fresh = await this.deps.refresh();
      if (this.#stopped) return;
      this.deps.onToken(fresh.token);
      const next = Date.parse(fresh.expiresAt);
      this.#schedule(next, refreshDelayMs(next, this.#now()));
    } catch {
      const retry = retryDelayMs(expiresAt, this.#now());
      if (retry !== undefined) this.#schedule(expiresAt, retry);
    }
  }
}
