// Per-partition traffic counters for /metrics (rivulet_produced_records_total, rivulet_produced_bytes_total,
// rivulet_fetched_bytes_total), kept on the main thread, which every produce and fetch passes through.

import { partitionKey } from "../shard/protocol.js";
import type { PartitionCounters } from "./broker-types.js";

export class PartitionCounterTable {
  private readonly table = new Map<string, PartitionCounters>();

  /** The partition's counters, undefined while nothing was produced to or fetched from it here. */
  get(topic: string, partition: number): Readonly<PartitionCounters> | undefined {
    return this.table.get(partitionKey(topic, partition));
  }

  /** Records the log took (counted when appended, as Kafka's MessagesInPerSec, not when acknowledged). */
  produced(topic: string, partition: number, bytes: number, records: number): void {
    const c = this.entry(topic, partition);
    c.producedBytes += bytes;
    c.producedRecords += records;
  }

  fetched(topic: string, partition: number, bytes: number): void {
    this.entry(topic, partition).fetchedBytes += bytes;
  }

  private entry(topic: string, partition: number): PartitionCounters {
    const key = partitionKey(topic, partition);
    let c = this.table.get(key);
    if (!c) this.table.set(key, (c = { producedBytes: 0, producedRecords: 0, fetchedBytes: 0 }));
    return c;
  }
}
