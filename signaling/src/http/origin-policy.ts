/**
 * Browsers always send Origin on WebSocket upgrades; a page from another site must not drive a
 * participant's session. Same-host origins and configured ones pass; non-browser clients (no Origin) pass
 * because they hold a token anyway.
 */
export class OriginPolicy {
  readonly #allowed: Set<string>;

  constructor(allowed: string[]) {
    this.#allowed = new Set(allowed.map((o) => o.replace(/\/$/, '')));
  }

  allows(origin: string | undefined, host: string | undefined): boolean {
    if (!origin) return true;
    if (this.#allowed.has(origin)) return true;
    try {
      return host !== undefined && new URL(origin).host === host;
    } catch {
      return false;
    }
  }
}
