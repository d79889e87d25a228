// Shared reads for streaming subscribers. Many subscribers of one partition usually sit at the same offset
// (all caught up at the tail, or replaying together): the first to ask for "the chunk at offset X" starts
// one shard read, everyone asking meanwhile joins it, and the finished chunk stays in a small byte-bounded
// cache for those who arrive a moment later. The bytes are shared: callers must not modify them.

import type { FetchOk } from "../shard/protocol.js";

interface Entry {
  promise: Promise<FetchOk>;
  bytes: number;
}

export class SharedReads {
  private readonly entries = new Map<string, Entry>();
  private cachedBytes = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxCachedBytes: number) {}

  read(key: string, offset: bigint, maxBytes: number, load: () => Promise<FetchOk>): Promise<FetchOk> {
    const id = `${key}@${offset}/${maxBytes}`;
    const existing = this.entries.get(id);
    if (existing) {
      this.hits++;
      // Refresh recency: Map iteration order is insertion order, so re-insert.
      this.entries.delete(id);
      this.entries.set(id, existing);
      return existing.promise;
    }
    this.misses++;
    const entry: Entry = { promise: load(), bytes: 0 };
    this.entries.set(id, entry);
    entry.promise.then(
      (result) => {
        // An empty read (at the log end) must not be served to later callers: new data may arrive.
        if (result.records.byteLength === 0 || this.entries.get(id) !== entry) {
          if (this.entries.get(id) === entry) this.entries.delete(id);
          return;
        }
        entry.bytes = result.records.byteLength;
        this.cachedBytes += entry.bytes;
        this.evict();
      },
      () => {
        if (this.entries.get(id) === entry) this.entries.delete(id);
      },
    );
    return entry.promise;
  }

  /** Drops every cached chunk of a partition (deleted topic, truncation). */
  invalidate(key: string): void {
    for (const [id, entry] of this.entries) {
      if (id.startsWith(`${key}@`)) {
        this.entries.delete(id);
        this.cachedBytes -= entry.bytes;
      }
    }
  }

  private evict(): void {
    for (const [id, entry] of this.entries) {
      if (this.cachedBytes <= this.maxCachedBytes) break;
      if (entry.bytes === 0) continue; // still loading
      this.entries.delete(id);
      this.cachedBytes -= entry.bytes;
    }
  }

  get sizeBytes(): number {
    return this.cachedBytes;
  }
}
