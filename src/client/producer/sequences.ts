// An idempotent partition's sequence bookkeeping: which producer id its batches carry, the next sequence
// number, the window of first sends that keeps every unanswered batch within the broker's memory, and the
// renumbering after a batch left without being appended. Only used with `idempotent: true`.

import type { Batch } from "./batch.js";
import type { Identity } from "./errors.js";

export class Sequences {
  identity: Identity | undefined;
  /** The next identity must be a fresh producer id (a batch's fate under the current one is unknown). */
  needsFresh = false;
  /** A batch under the current identity was acknowledged here: the broker holds its sequence state. */
  private known = false;
  private next = 0;
  /**
   * Batches sent under their current sequence numbers, in sequence order, from the oldest one not yet
   * acknowledged: the broker may have appended each of them, in this order (see windowFull).
   */
  private window: Batch[] = [];
  private readonly acked = new WeakSet<Batch>();
  /** Sequence ranges that left unappended since the last renumbering. */
  private removedRanges: { seq: number; count: number }[] = [];

  /**
   * Until the broker knows this producer id here, one batch at a time: it takes an unknown producer's
   * first batch whatever its sequence (Kafka's rule for expired producers), so a second batch could
   * overtake a first one that has to be retried.
   */
  limit(maxInFlight: number): number {
    return this.known ? maxInFlight : 1;
  }

  /** The producer id to use from now on (a fresh one restarts at sequence 0). */
  adopt(identity: Identity): void {
    this.identity = identity;
    this.needsFresh = false;
  }

  /** Sequence numbers and identity for a batch's dispatch (kept across its retries). */
  assign(batch: Batch): void {
    if (batch.seq < 0) {
      batch.seq = this.next;
      this.next += batch.count;
    }
    batch.identity = this.identity;
  }

  /** A batch was sent: it joins the window (once), in sequence order. */
  sent(batch: Batch): void {
    if (batch.windowed) return;
    batch.windowed = true;
    let at = this.window.length;
    while (at > 0 && this.window[at - 1]!.seq > batch.seq) at--;
    this.window.splice(at, 0, batch);
  }

  acknowledged(batch: Batch): void {
    if (batch.identity !== undefined && batch.identity === this.identity) this.known = true;
    this.acked.add(batch);
    this.prune();
  }

  /** The broker refused the batch outright (OUT_OF_ORDER, or for good): it was not appended. */
  notAppended(batch: Batch): void {
    if (!batch.windowed) return;
    batch.windowed = false;
    const at = this.window.indexOf(batch);
    if (at >= 0) this.window.splice(at, 1);
    this.prune();
  }

  private prune(): void {
    while (this.window.length > 0 && this.acked.has(this.window[0]!)) this.window.shift();
  }

  /**
   * The broker remembers a producer's last 5 batches per partition, and appends in sequence order. So a
   * batch whose answer is missing must not have more than 4 batches sent after it in sequence order (they
   * may all be appended after it), or its retry would be refused as out of order although it was
   * appended. The window holds the oldest unacknowledged sent batch and every sent batch after it: a batch
   * not yet in it may be sent only while it holds fewer than maxInFlight. Retries are always allowed.
   */
  windowFull(next: Batch | undefined, maxInFlight: number): boolean {
    if (next && next.windowed) return false;
    return this.window.length >= maxInFlight;
  }

  /**
   * A batch left without an acknowledgement. `definitive`: the broker refused it, so it was not appended
   * and the batches behind it will be renumbered; otherwise its fate is unknown and the partition needs a
   * fresh producer id. Returns whether the partition must recover before sending more.
   */
  removed(batch: Batch, definitive: boolean): boolean {
    if (batch.seq < 0) return false;
    if (!definitive) this.needsFresh = true;
    else {
      this.notAppended(batch);
      if (batch.identity === this.identity) this.removedRanges.push({ seq: batch.seq, count: batch.count });
    }
    return true;
  }

  /** Once nothing is in flight: fixes the sequences of the pending batches (in sequence order). */
  renumber(pending: Batch[]): void {
    if (this.needsFresh) {
      // Sequence 0 under a new producer id: every pending batch is numbered again at its next dispatch.
      this.identity = undefined;
      this.known = false;
      this.next = 0;
      this.window = [];
      for (const batch of pending) {
        batch.seq = -1;
        batch.encoded = undefined;
        batch.windowed = false;
      }
    } else if (this.removedRanges.length > 0) {
      // Close the gaps: a batch moves down by the records removed below it. (Batches acknowledged
      // meanwhile all sit below any removed one: the broker refuses gaps.)
      const below = (seq: number) => this.removedRanges.reduce((n, r) => n + (r.seq < seq ? r.count : 0), 0);
      for (const batch of pending) {
        if (batch.seq < 0) continue;
        const shift = below(batch.seq);
        if (shift > 0) {
          this.notAppended(batch); // it followed a gap
          batch.seq -= shift;
          batch.encoded = undefined;
        }
      }
      this.next -= below(this.next);
    }
    this.removedRanges = [];
    // A batch after one never sent under its numbers cannot have been appended (the broker refuses gaps):
    // out of the window, so the unsent one is not held back by batches that can only follow it.
    let gap = false;
    for (const batch of pending) {
      if (batch.seq < 0) break;
      if (gap) this.notAppended(batch);
      else if (!batch.windowed) gap = true;
    }
  }
}
