/**
 * The broker's read paths: Kafka's long-polling fetch over many partitions, the shared streaming read that
 * WebSocket subscribers at the same place take together, and read_committed for streaming readers. In
 * cluster mode every read checks leadership and stops at the high watermark.
 */
import { InvalidArgumentError } from "../errors/index.js";
import { partitionKey, type FetchOk } from "../shard/protocol.js";
import type { AppendWatch } from "./append-watch.js";
import type { FetchItem, FetchOptions } from "./broker-types.js";
import { runChecked } from "./checked-items.js";
import { readCommittedFrom } from "./read-committed.js";
import { capAtHighWatermark, type ReplicationHooks } from "./replication-hooks.js";
import type { Result, ShardRouter } from "./router.js";
import type { SharedReads } from "./shared-reads.js";
import type { TopicAdmin } from "./topic-admin.js";

export interface PartitionReadsHooks {
  /** Cluster mode's replication layer, if any (set after the broker is built, so asked each time). */
  replication(): ReplicationHooks | undefined;
  isClosed(): boolean;
  /** Counts bytes read for /metrics. */
  fetched(topic: string, partition: number, bytes: number): void;
}

export class PartitionReads {
  constructor(
    private readonly admin: TopicAdmin,
    private readonly router: ShardRouter,
    private readonly watch: AppendWatch,
    private readonly reads: SharedReads,
    private readonly hooks: PartitionReadsHooks,
  ) {}

  async fetchMany(items: FetchItem[], options: FetchOptions): Promise<Result<FetchOk>[]> {
    const maxBytes = options.maxBytes ?? 1024 * 1024;
    const minBytes = options.minBytes ?? 1;
    const deadline = Date.now() + (options.maxWaitMs ?? 0);
    if (!Number.isInteger(maxBytes) || maxBytes < 0) throw new InvalidArgumentError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
    for (;;) {
      const results = await this.readOnce(items, maxBytes, options.isolation === "read_committed" ? 1 : 0);
      const bytes = results.reduce((n, r) => n + (r.ok?.records.byteLength ?? 0), 0);
      const anyError = results.some((r) => r.error);
      const remaining = deadline - Date.now();
      if (bytes >= minBytes || anyError || remaining <= 0 || this.hooks.isClosed() || options.signal?.aborted) return results;
      await this.watch.waitForBytes(items, minBytes - bytes, remaining, options.signal);
    }
  }

  /** One shared shard read at `offset`: every subscriber reading the same place gets the same buffer. */
  readChunk(topic: string, partition: number, offset: bigint, maxBytes: number): Promise<FetchOk> {
    this.admin.checkPartition(topic, partition);
    return this.reads.read(partitionKey(topic, partition), offset, maxBytes, () => this.readOne(topic, partition, offset, maxBytes, 0));
  }

  /**
   * Whole batches below the last stable offset, with aborted transactions' data removed (read-committed.ts);
   * markers stay. Not shared with other readers. Empty when the reader is at the LSO: wait for the log end
   * to move (a marker or data).
   */
  readCommitted(topic: string, partition: number, offset: bigint, maxBytes: number): Promise<FetchOk> {
    this.admin.checkPartition(topic, partition);
    return readCommittedFrom(offset, (at) => this.readOne(topic, partition, at, maxBytes, 1));
  }

  private async readOne(topic: string, partition: number, offset: bigint, maxBytes: number, isolation: 0 | 1): Promise<FetchOk> {
    const [result] = await this.readOnce([{ topic, partition, offset, maxBytes }], maxBytes, isolation);
    if (result!.error) throw result!.error;
    return result!.ok!;
  }

  private async readOnce(items: FetchItem[], maxBytes: number, isolation: 0 | 1): Promise<Result<FetchOk>[]> {
    const replication = this.hooks.replication();
    const checked = await runChecked(
      items,
      (item) => {
        this.admin.checkPartition(item.topic, item.partition);
        if (typeof item.offset !== "bigint") throw new InvalidArgumentError(`offset must be a bigint, got ${typeof item.offset}`);
        replication?.checkLeader(item.topic, item.partition);
      },
      async (valid) => {
        const reads = valid.map((item) => ({ topic: item.topic, partition: item.partition, offset: item.offset, maxBytes: item.maxBytes ?? maxBytes, ...(isolation ? { isolation } : {}) }));
        // Counted while in flight: an acks=all append meanwhile is announced for this read (AppendWatch.hasReaders).
        const keys = reads.map((read) => partitionKey(read.topic, read.partition));
        this.watch.reading(keys, 1);
        let results: Result<FetchOk>[];
        try {
          results = await this.router.run("fetch", reads);
        } finally {
          this.watch.reading(keys, -1);
        }
        return results.map((result, i) => {
          const item = valid[i]!;
          if (!result.ok) return result;
          const ok = replication ? capAtHighWatermark(result.ok, replication.highWatermark(item.topic, item.partition)) : result.ok;
          this.watch.setEnd(item.topic, item.partition, ok.logEndOffset);
          this.hooks.fetched(item.topic, item.partition, ok.records.byteLength);
          return { ok };
        });
      },
    );
    return checked as Result<FetchOk>[];
  }
}
