/**
 * Packets expected and received across many RTP streams, counted the way RTCP receiver reports do: expected
 * is how far each stream's highest sequence number advanced, so a late (reordered) packet fills the gap it left
 * and 16-bit wrap-around is followed. Counters only grow; a measurement window subtracts two snapshots.
 */
export class SequenceGaps {
  expected = 0;
  received = 0;
  // ssrc → highest sequence number seen, extended past 16 bits so wrap-around keeps counting forward.
  readonly #highest = new Map<number, number>();

  record(ssrc: number, seq: number): void {
    this.received++;
    const highest = this.#highest.get(ssrc);
    if (highest === undefined) {
      this.#highest.set(ssrc, seq);
      this.expected++;
      return;
    }
    // Signed distance from the highest seen, in (-32768, 32767]: negative or zero means late or duplicate.
    const delta = ((seq - (highest & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    if (delta > 0) {
      this.#highest.set(ssrc, highest + delta);
      this.expected += delta;
    }
  }

  get streams(): number {
    return this.#highest.size;
  }
}

/** Percent of the expected packets that never arrived between two snapshots; late arrivals never make it negative. */
export function lossPercent(from: { expected: number; received: number }, to: { expected: number; received: number }): number {
  const expected = to.expected - from.expected;
  const received = to.received - from.received;
  return expected > 0 ? (Math.max(expected - received, 0) / expected) * 100 : 0;
}
