// The shards' view of the high watermark (Partition.committedEnd: compaction and retention stay below it).
// On the replica manager's tick, every hosted partition whose high watermark moved since its shard was last
// told is told, one task per shard for all of them: off the produce and replication paths, and an idle
// partition learns it too (after a restart its shard knows no committed offset until then). A high
// watermark up to one tick old only delays cleaning; it never lets it pass records the ISR lacks.

import type { Result } from "../broker/router.js";
import type { CommittedItem } from "../shard/protocol.js";
import type { LocalPartition } from "./local-partition.js";
import { pkey } from "./layout.js";

export class CommittedPush {
  /** partition -> the high watermark the shard was last told (successfully). */
  private readonly told = new Map<string, bigint>();
  private running = false;

  constructor(private readonly tell: (items: CommittedItem[]) => Promise<Result<true>[]>) {}

  /** Tells the shards the high watermarks that moved; one push at a time (a slow shard skips ticks). */
  async tick(parts: Iterable<LocalPartition>): Promise<void> {
    if (this.running) return;
    const items: CommittedItem[] = [];
    for (const lp of parts) {
      if (lp.role === "none") continue;
      const told = this.told.get(pkey(lp.topic, lp.partition));
      if (told === undefined || lp.hw > told) items.push({ topic: lp.topic, partition: lp.partition, highWatermark: lp.hw });
    }
    if (!items.length) return;
    this.running = true;
    try {
      const results = await this.tell(items);
      results.forEach((result, i) => {
        if (result.ok) this.told.set(pkey(items[i]!.topic, items[i]!.partition), items[i]!.highWatermark);
      });
    } finally {
      this.running = false;
    }
  }

  /** The partition left this broker (or was emptied): tell its next incarnation from scratch. */
  forget(topic: string, partition: number): void {
    this.told.delete(pkey(topic, partition));
  }
}
