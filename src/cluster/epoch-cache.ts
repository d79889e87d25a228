// A partition's leader-epoch cache (Kafka's leader-epoch-checkpoint, KIP-101): the first offset written in
// each leader epoch. A leader answers "where does epoch E end?" from it, and a follower uses the answer to
// cut exactly the tail the new leader never had. Kept in <dataDir>/__cluster/epochs/<topic>-<p>.json,
// written (and fsynced) whenever it changes, which is only on leader changes and truncation.

import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { nodeFileSystem, writeFileAtomic } from "../storage/fs.js";
import { storageErrorIfSystem } from "../storage/storage-error.js";

export interface EpochEntry {
  epoch: number;
  startOffset: bigint;
}

export class EpochCache {
  private entries: EpochEntry[] = [];

  constructor(private readonly file: string) {
    try {
      const raw = JSON.parse(readFileSync(file, "utf8")) as Array<{ epoch: number; startOffset: string }>;
      this.entries = raw.map((e) => ({ epoch: e.epoch, startOffset: BigInt(e.startOffset) }));
    } catch {
      this.entries = [];
    }
  }

  static forPartition(dataDir: string, topic: string, partition: number): EpochCache {
    const dir = join(dataDir, "__cluster", "epochs");
    mkdirSync(dir, { recursive: true });
    return new EpochCache(join(dir, `${topic}-${partition}.json`));
  }

  get latestEpoch(): number {
    return this.entries.at(-1)?.epoch ?? -1;
  }

  list(): readonly EpochEntry[] {
    return this.entries;
  }

  /** Records that `epoch` starts at `startOffset` (ignored unless newer than the latest epoch). */
  assign(epoch: number, startOffset: bigint): void {
    const last = this.entries.at(-1);
    if (last && epoch <= last.epoch) return;
    // An epoch that wrote nothing ends where the next starts: drop entries that start at or after this one.
    this.save([...this.entries.filter((e) => e.startOffset < startOffset), { epoch, startOffset }]);
  }

  /** After truncation to `endOffset`: epochs starting at or after it are gone. */
  truncateFromEnd(endOffset: bigint): void {
    const kept = this.entries.filter((e) => e.startOffset < endOffset);
    if (kept.length !== this.entries.length) this.save(kept);
  }

  /**
   * OffsetForLeaderEpoch: the largest epoch ≤ `epoch` known here and the offset it ends at (the next
   * epoch's start, or the log end for the latest). (-1, -1) when no such epoch is known.
   */
  endOffsetFor(epoch: number, logEndOffset: bigint): { epoch: number; endOffset: bigint } {
    let index = -1;
    for (let i = 0; i < this.entries.length; i++) if (this.entries[i]!.epoch <= epoch) index = i;
    if (index === -1) return { epoch: -1, endOffset: -1n };
    const next = this.entries[index + 1];
    return { epoch: this.entries[index]!.epoch, endOffset: next ? next.startOffset : logEndOffset };
  }

  /**
   * Atomic and durable (the directory too), then in effect: a write the disk refuses is KAFKA_STORAGE_ERROR
   * and changes nothing, so the cache never answers from an entry a restart would not have.
   */
  private save(entries: EpochEntry[]): void {
    const json = JSON.stringify(entries.map((e) => ({ epoch: e.epoch, startOffset: String(e.startOffset) })));
    try {
      writeFileAtomic(nodeFileSystem, this.file, new TextEncoder().encode(json));
    } catch (error) {
      throw storageErrorIfSystem(`writing the leader-epoch cache ${this.file}`, error);
    }
    this.entries = entries;
  }
}
