/**
 * The broker's raw log access for replication (cluster mode only; src/cluster/ drives it): a leader's reads
 * for its followers past the high watermark, a follower's verbatim appends and tail truncation, the stored
 * log bounds, the wake-up of readers when the high watermark moves, and the controller's topic metadata
 * applied to the local store. None of these check leadership or authorization: they are never reachable
 * from a client request.
 */
import { KafkaProtocolError } from "../errors/index.js";
import { partitionKey, type CommittedItem, type FetchOk, type PartitionStatus, type ReplicateItem, type ReplicateOk, type TruncateItem } from "../shard/protocol.js";
import type { AppendWatch } from "./append-watch.js";
import type { Result, ShardRouter } from "./router.js";
import type { SharedReads } from "./shared-reads.js";
import type { CreateTopicOptions, TopicAdmin } from "./topic-admin.js";
import type { TopicRecord } from "./topic-store.js";

export class ReplicaAccess {
  constructor(
    private readonly router: ShardRouter,
    private readonly reads: SharedReads,
    private readonly watch: AppendWatch,
    private readonly admin: TopicAdmin,
    private readonly isClosed: () => boolean,
  ) {}

  /** The controller created a topic: make it here (with the cluster-wide id). */
  createTopic(name: string, options: CreateTopicOptions): Promise<TopicRecord> {
    this.assertOpen();
    return this.admin.create(name, options);
  }

  addPartitions(name: string, total: number): Promise<void> {
    this.assertOpen();
    return this.admin.addPartitions(name, total);
  }

  deleteTopic(name: string): Promise<void> {
    this.assertOpen();
    return this.admin.delete(name);
  }

  /** The leader's raw read for a follower: past the high watermark, no leadership check. */
  read(items: { topic: string; partition: number; offset: bigint; maxBytes: number }[]): Promise<Result<FetchOk>[]> {
    this.assertOpen();
    return this.router.run("fetch", items);
  }

  /** A follower appends its leader's batches verbatim (a standalone buffer is transferred, not copied). */
  append(items: ReplicateItem[]): Promise<Result<ReplicateOk>[]> {
    this.assertOpen();
    return this.router.run("replicate", items, (item) => (item.records.byteOffset === 0 && item.records.byteLength === item.records.buffer.byteLength ? (item.records.buffer as ArrayBuffer) : undefined));
  }

  /** A follower cuts its divergent tail; shared reads of the cut range are dropped first. */
  truncate(items: TruncateItem[]): Promise<Result<PartitionStatus>[]> {
    this.assertOpen();
    for (const item of items) this.reads.invalidate(partitionKey(item.topic, item.partition));
    return this.router.run("truncate", items);
  }

  /**
   * Deletes a partition's whole log and restarts it empty at `offset` (at or past its log end, or any
   * offset when it holds no record): a broker no longer replicating it, or a follower behind its leader's
   * log start. Shared reads of the partition are dropped first.
   */
  async empty(topic: string, partition: number, offset: bigint): Promise<PartitionStatus> {
    this.assertOpen();
    this.reads.invalidate(partitionKey(topic, partition));
    const [result] = await this.router.run("truncate", [{ topic, partition, offset, fully: true }]);
    if (result!.error) throw result!.error;
    return result!.ok!;
  }

  /**
   * A follower moves its log start up to its leader's (a DeleteRecords or retention there), never past its
   * own log end; shared reads of the partition are dropped first. Answers the log start afterwards.
   */
  async advanceLogStart(topic: string, partition: number, offset: bigint): Promise<bigint> {
    this.assertOpen();
    this.reads.invalidate(partitionKey(topic, partition));
    const [result] = await this.router.run("deleteRecords", [{ topic, partition, offset }]);
    if (result!.error) throw result!.error;
    return result!.ok!.lowWatermark;
  }

  /** Tells the shards the partitions' high watermarks (compaction stays below them: Partition.committedEnd). */
  noteCommitted(items: CommittedItem[]): Promise<Result<true>[]> {
    this.assertOpen();
    return this.router.run("committed", items);
  }

  /** Log start/end as stored (not capped at the high watermark). */
  async status(topic: string, partition: number): Promise<PartitionStatus> {
    const [result] = await this.router.run("status", [{ topic, partition }]);
    if (result!.error) throw result!.error;
    return result!.ok!;
  }

  /** The high watermark moved: wake readers waiting below it (both front ends). */
  publishHighWatermark(topic: string, partition: number, hw: bigint): void {
    this.watch.appended(topic, partition, hw, Number.MAX_SAFE_INTEGER);
  }

  private assertOpen(): void {
    if (this.isClosed()) throw new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", "broker is shutting down");
  }
}
