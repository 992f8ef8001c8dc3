/**
 * A tiny typed event emitter. `E` maps event names to listener argument tuples, so
 * `emitter.on('phase', (phase) => …)` is checked against the map at compile time.
 */
export type EventMap = { [event: string]: unknown[] };

type Listener<A extends unknown[]> = (...args: A) => void;

export class TypedEmitter<E extends { [K in keyof E]: unknown[] }> {
  #listeners: { [K in keyof E]?: Set<Listener<E[K]>> } = {};

  /** Adds a listener and returns a function that removes it. */
  on<K extends keyof E>(event: K, listener: Listener<E[K]>): () => void {
    let set = this.#listeners[event];
    if (!set) {
      set = new Set();
      this.#listeners[event] = set;
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  once<K extends keyof E>(event: K, listener: Listener<E[K]>): () => void {
    const off = this.on(event, (...args) => {
      off();
      listener(...args);
    });
    return off;
  }

  off<K extends keyof E>(event: K, listener: Listener<E[K]>): void {
    this.#listeners[event]?.delete(listener);
  }

  /** Calls every listener; one that throws does not stop the others (it is reported asynchronously). */
  emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const set = this.#listeners[event];
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  listenerCount<K extends keyof E>(event: K): number {
    return this.#listeners[event]?.size ?? 0;
  }

  removeAllListeners(): void {
    this.#listeners = {};
  }
}
