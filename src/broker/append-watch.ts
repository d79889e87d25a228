// What the main thread knows of each partition's end, and who is waiting for it to move.
//
// Every append passes through the main thread (both front ends call Broker.produce), so the produce
// results are a complete feed of "partition P grew by N bytes to end offset E". Long-polling fetches and
// streaming subscribers wait here instead of polling a shard: a waiter is woken by the append that gives
// it enough, or by its deadline.
//
// A reader parked at the log end wants exactly the batch that moves the end past its offset. When the
// shard sent that batch back with its result (ProduceItem.returnStored), the wake-ups of that append can
// take it from here (appendedAt) instead of asking the shard for it: one thread round trip less between
// an append and its delivery to tailing subscribers (issue 14).

import { partitionKey, type AppendedNotice } from "../shard/protocol.js";

interface Waiter {
  keys: string[];
  /** Bytes still needed before waking. */
  needBytes: number;
  /** Wake as soon as a partition's end passes this offset (for subscribers), if set. */
  afterOffset?: bigint;
  wake: () => void;
}

/** The batch of the append whose wake-ups are running (valid only during appended()). */
interface JustAppended {
  key: string;
  baseOffset: bigint;
  records: Uint8Array;
  end: bigint;
}

export class AppendWatch {
  private readonly ends = new Map<string, bigint>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  /** Waiters with an offset to pass (parked readers), per partition: only they can use a returned batch. */
  private readonly offsetWaiters = new Map<string, number>();
  private justAppended: JustAppended | undefined;
  /** Reads of each partition on their way to its shard and back (PartitionReads): each may come back empty and park. */
  private readonly readsInFlight = new Map<string, number>();

  /** The last known log end offset of a partition (undefined before it was opened). */
  endOffset(topic: string, partition: number): bigint | undefined {
    return this.ends.get(partitionKey(topic, partition));
  }

  /** Records a new end (results may arrive out of order across tasks: the end only moves forward). */
  setEnd(topic: string, partition: number, end: bigint): void {
    const key = partitionKey(topic, partition);
    const known = this.ends.get(key);
    if (known === undefined || end > known) this.ends.set(key, end);
  }

  forget(topic: string, partition: number): void {
    const key = partitionKey(topic, partition);
    this.ends.delete(key);
    for (const waiter of this.waiters.get(key) ?? []) this.release(waiter);
  }

  /**
   * Called for every successful append. `stored`: the appended batch as the log holds it, if the shard sent
   * it back; the wake-ups this call runs may take it through appendedAt().
   */
  appended(topic: string, partition: number, end: bigint, bytes: number, stored?: { baseOffset: bigint; records: Uint8Array }): void {
    this.setEnd(topic, partition, end);
    const key = partitionKey(topic, partition);
    const set = this.waiters.get(key);
    if (!set) return;
    this.justAppended = stored ? { key, baseOffset: stored.baseOffset, records: stored.records, end } : undefined;
    try {
      for (const waiter of [...set]) {
        waiter.needBytes -= bytes;
        if (waiter.needBytes <= 0 || (waiter.afterOffset !== undefined && end > waiter.afterOffset)) this.release(waiter);
      }
    } finally {
      this.justAppended = undefined;
    }
  }

  /**
   * acks=all appends, announced by their shard as soon as they are written (AppendedNotice): readers parked
   * at the log end wake now, as for acks=1, not one fdatasync later when the producer is answered. The
   * records are readable once written either way (a fresh fetch returns them); only the acknowledgement
   * promises durability. The produce's answer then does not count them again (ProduceOk.announced).
   */
  announced(notices: AppendedNotice[]): void {
    for (const n of notices) this.appended(n.topic, n.partition, n.logEndOffset, n.bytes, n.stored && { baseOffset: n.baseOffset, records: n.stored });
  }

  /**
   * During the wake-ups of an append: the records from `offset` if that append's batch starts exactly
   * there (it is then everything the log holds past `offset`, and the end after it); otherwise undefined.
   */
  appendedAt(topic: string, partition: number, offset: bigint): { records: Uint8Array; end: bigint } | undefined {
    const just = this.justAppended;
    if (!just || just.baseOffset !== offset || just.key !== partitionKey(topic, partition)) return undefined;
    return { records: just.records, end: just.end };
  }

  /** Counts reads of these partitions in flight (`delta` 1 when one is sent to the shard, -1 when it is back). */
  reading(keys: string[], delta: 1 | -1): void {
    for (const key of keys) {
      const n = (this.readsInFlight.get(key) ?? 0) + delta;
      if (n > 0) this.readsInFlight.set(key, n);
      else this.readsInFlight.delete(key);
    }
  }

  /**
   * True when an acks=all append of the partition is worth announcing before its fsync (ProduceItem.announce):
   * a reader is parked here, or has a read in flight. A read sent before the append comes back empty and parks
   * after it (in the same turn as its result): it needs the notice as much as a reader parked already. A
   * reader that is neither reads before it parks again, and that read (queued behind the append) sees it.
   */
  hasReaders(topic: string, partition: number): boolean {
    const key = partitionKey(topic, partition);
    return this.waiters.has(key) || this.readsInFlight.has(key);
  }

  /** True while a reader waits for the partition's end to pass an offset (worth sending the batch back for). */
  hasOffsetWaiters(topic: string, partition: number): boolean {
    return (this.offsetWaiters.get(partitionKey(topic, partition)) ?? 0) > 0;
  }

  /**
   * Resolves when appends to any of `partitions` total at least `minBytes`, when `deadlineMs` passes, or
   * when `signal` aborts. Resolves (never rejects): the caller re-reads and decides.
   */
  waitForBytes(partitions: { topic: string; partition: number }[], minBytes: number, deadlineMs: number, signal?: AbortSignal): Promise<void> {
    return this.wait({ keys: partitions.map((p) => partitionKey(p.topic, p.partition)), needBytes: minBytes }, deadlineMs, signal);
  }

  /** Resolves once the partition's end is past `offset` (immediately if it already is), or on abort. */
  waitForOffset(topic: string, partition: number, offset: bigint, signal?: AbortSignal): Promise<void> {
    const end = this.endOffset(topic, partition);
    if (end !== undefined && end > offset) return Promise.resolve();
    return this.wait({ keys: [partitionKey(topic, partition)], needBytes: Number.POSITIVE_INFINITY, afterOffset: offset }, undefined, signal);
  }

  /**
   * Calls `wake` once the partition's end is past `offset` (at once, synchronously, if it already is) or
   * when the partition is forgotten; returns a function that cancels the wait. The callback form of
   * waitForOffset, for streaming subscribers parked at a log end: thousands of them per partition cost one
   * object each, no promise, no AbortController, no microtask.
   */
  onceAfter(topic: string, partition: number, offset: bigint, wake: () => void): () => void {
    const end = this.endOffset(topic, partition);
    if (end !== undefined && end > offset) {
      wake();
      return () => {};
    }
    const key = partitionKey(topic, partition);
    const waiter: Waiter = { keys: [key], needBytes: Number.POSITIVE_INFINITY, afterOffset: offset, wake };
    this.add(waiter);
    return () => {
      const current = this.waiters.get(key);
      if (!current?.delete(waiter)) return;
      if (current.size === 0) this.waiters.delete(key);
      this.countOffsetWaiter(waiter, -1);
    };
  }

  private add(waiter: Waiter): void {
    for (const key of waiter.keys) {
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      set.add(waiter);
    }
    this.countOffsetWaiter(waiter, 1);
  }

  private countOffsetWaiter(waiter: Waiter, delta: 1 | -1): void {
    if (waiter.afterOffset === undefined) return;
    for (const key of waiter.keys) {
      const n = (this.offsetWaiters.get(key) ?? 0) + delta;
      if (n > 0) this.offsetWaiters.set(key, n);
      else this.offsetWaiters.delete(key);
    }
  }

  private wait(spec: Omit<Waiter, "wake">, deadlineMs: number | undefined, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => this.release(waiter);
      const waiter: Waiter = {
        ...spec,
        wake: () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      this.add(waiter);
      if (deadlineMs !== undefined) timer = setTimeout(() => this.release(waiter), Math.max(0, deadlineMs));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  private release(waiter: Waiter): void {
    let removed = false;
    for (const key of waiter.keys) {
      const set = this.waiters.get(key);
      if (!set?.delete(waiter)) continue;
      removed = true;
      if (set.size === 0) this.waiters.delete(key);
    }
    if (removed) this.countOffsetWaiter(waiter, -1);
    waiter.wake();
  }

  /** Wakes every waiter (shutdown). */
  releaseAll(): void {
    for (const set of [...this.waiters.values()]) for (const waiter of [...set]) this.release(waiter);
  }

  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }
}
