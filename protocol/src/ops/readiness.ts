import { ClassroomError, toWireError, type ErrorCode } from '../errors.ts';

/** One dependency a service needs to do its work: resolves when it answers, throws (or times out) when not. */
export interface ReadinessCheck {
  name: string;
  run(): Promise<void>;
}

export interface ReadinessReport {
  ready: boolean;
  /** Names of the checks that failed, in registration order. */
  failing: string[];
  /** Per check: `ok`, or the error code it failed with (details go to the log, not to an unauthenticated caller). */
  checks: Record<string, 'ok' | ErrorCode>;
}

export interface ReadinessOptions {
  /** A check that has not answered by then counts as failed (TIMEOUT). */
  timeoutMs?: number;
  /**
   * A report is reused this long, and concurrent requests share one run: /readyz is unauthenticated, so a flood
   * of probes costs at most one round of dependency calls per interval.
   */
  cacheMs?: number;
  /** Told when a check starts failing (with the error's details) and when it recovers. */
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

async function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ClassroomError('TIMEOUT', `no answer within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The service's readiness: a list of named async checks, run together. Adding a dependency is one `add` call.
 */
export class Readiness {
  readonly #checks: ReadinessCheck[] = [];
  readonly #timeoutMs: number;
  readonly #cacheMs: number;
  readonly #log: ReadinessOptions['log'];
  readonly #last = new Map<string, boolean>();
  #cached: { at: number; report: Promise<ReadinessReport> } | undefined;

  constructor(checks: ReadinessCheck[] = [], options: ReadinessOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 2_000;
    this.#cacheMs = options.cacheMs ?? 1_000;
    this.#log = options.log;
    for (const check of checks) this.add(check);
  }

  add(check: ReadinessCheck): this {
    if (this.#checks.some((c) => c.name === check.name)) throw new Error(`readiness check ${check.name} is already registered`);
    this.#checks.push(check);
    return this;
  }

  report(): Promise<ReadinessReport> {
    const now = performance.now();
    if (!this.#cached || now - this.#cached.at >= this.#cacheMs) this.#cached = { at: now, report: this.#run() };
    return this.#cached.report;
  }

  async #run(): Promise<ReadinessReport> {
    const results = await Promise.all(
      this.#checks.map(async (check) => {
        try {
          await withTimeout(check.run(), this.#timeoutMs);
          return { name: check.name, err: undefined, code: 'ok' as const };
        } catch (err) {
          return { name: check.name, err, code: toWireError(err).code };
        }
      }),
    );
    for (const { name, err, code } of results) {
      const ok = code === 'ok';
      const was = this.#last.get(name) ?? true;
      if (was && !ok) this.#log?.warn({ check: name, err }, 'readiness check failing');
      if (!was && ok) this.#log?.info({ check: name }, 'readiness check recovered');
      this.#last.set(name, ok);
    }
    const failing = results.filter((r) => r.code !== 'ok').map((r) => r.name);
    return { ready: failing.length === 0, failing, checks: Object.fromEntries(results.map((r) => [r.name, r.code])) };
  }
}

