// The broker core: the engine both front ends (WebSocket and Kafka TCP) call. No network code here.
//
//   produce(topic, p, bytes) --copy once into a standalone ArrayBuffer--> owner shard (transferred)
//        --> WASM validate, dedupe idempotent retries, append --> result (+ wakes fetch waiters)
//   fetch(topic, p, offset)  --> owner shard reads whole stored batches --> bytes transferred back
//
// A request touching several partitions is split per shard and gathered in order (ShardRouter).

import { EventEmitter } from "node:events";
import { InvalidArgumentError, KafkaProtocolError, type RivuletError } from "../errors/index.js";
import type { Logger } from "../log.js";
import type { ProducerIdAllocator } from "./producer-ids.js";
import { offsetSpecToTimestamp, type OffsetSpec } from "../protocol/offset-spec.js";
import type { StartFrom } from "../protocol/start-from.js";
import { partitionKey, type Acks, type ProducerDescription, type FetchOk, type ListOffsetsOk, type ProduceOk } from "../shard/protocol.js";
import type { AppendWatch } from "./append-watch.js";
import type { ResolvedBrokerConfig } from "./broker-config.js";
import type { DataDirLock } from "./lock-file.js";
import type { Result, ShardRouter } from "./router.js";
import type { ShardPool } from "./shard-pool.js";
import type { SharedReads } from "./shared-reads.js";
import { isInternalTopic, InvalidTopicError } from "./topic-name.js";
import { RequestMemory } from "./request-memory.js";
import { transactionalWriteError } from "./read-committed.js";
import type { CreateTopicOptions, TopicAdmin, TopicDeletionHook, TopicDescription } from "./topic-admin.js";
import type { TopicRecord } from "./topic-store.js";
import { type ClusterView, type ReplicationHooks } from "./replication-hooks.js";
import { ReplicaAccess } from "./replica-access.js";
import { PartitionReads } from "./partition-reads.js";
import { ownedCopy } from "./owned-buffers.js";
import { withTimeout } from "./with-timeout.js";
import { awaitReplication } from "./await-replication.js";
import { resolveStartOffset } from "./resolve-start.js";
import { runChecked, type ItemResult } from "./checked-items.js";
import { awaitDeleteReplicated, checkReplicatedDelete, resolveHighWatermark } from "./replicated-delete-records.js";

export type { Acks, FetchOk as FetchResult, ListOffsetsOk as ListOffsetsResult, ProduceOk as ProduceResult, Result };

export type { OffsetSpec };
export type { FetchItem, FetchOptions, PartitionCounters, ProduceItem, ProduceOptions } from "./broker-types.js";
import type { FetchItem, FetchOptions, ProduceItem, ProduceOptions, TransactionalWriteCheck } from "./broker-types.js";
import { PartitionCounterTable } from "./partition-counters.js";
import type { AppendedNotice, MarkerItem, MarkerOk } from "../shard/protocol.js";
export type { TransactionalWriteCheck };

export class Broker extends EventEmitter {
  private closed = false;
  /** Set by the transaction coordinator; without one, transactional batches are refused (INVALID_TXN_STATE). */
  private transactionalWriteCheck: TransactionalWriteCheck | undefined;
  /** Per-partition traffic counters for /metrics. */
  readonly counters = new PartitionCounterTable();
  /** Bytes of client requests being read or processed, both front ends together (queued.max.request.bytes). */
  readonly requestMemory: RequestMemory;
  /** Cluster mode only (src/cluster/): leadership, leader epochs and the high watermark. */
  replication: ReplicationHooks | undefined;
  /** Cluster mode only: brokers, leaders and topic admin through the controller. */
  cluster: ClusterView | undefined;
  /** Cluster mode only: per-partition replication numbers for /metrics. */
  /** Cluster mode only: raw log access for replication (src/cluster/). */
  readonly replica: ReplicaAccess;
  private readonly partitionReads: PartitionReads;
  replicationStats: (() => Array<{ topic: string; partition: number; role: string; isrSize: number; highWatermark: bigint; maxFollowerLag: bigint }>) | undefined;

  /** @internal Use createBroker(). */
  constructor(
    readonly config: ResolvedBrokerConfig,
    readonly logger: Logger,
    private readonly shards: ShardPool[],
    private readonly router: ShardRouter,
    private readonly admin: TopicAdmin,
    private readonly watch: AppendWatch,
    private readonly reads: SharedReads,
    private readonly producerIds: ProducerIdAllocator,
    private readonly lock: DataDirLock,
  ) {
    super();
    this.requestMemory = new RequestMemory(config.queuedMaxRequestBytes);
    this.replica = new ReplicaAccess(router, reads, watch, admin, () => this.closed);
    this.partitionReads = new PartitionReads(admin, router, watch, reads, {
      replication: () => this.replication,
      isClosed: () => this.closed,
      fetched: (topic, partition, bytes) => this.counters.fetched(topic, partition, bytes),
    });
    for (const shard of shards) {
      shard.on("drain", () => !this.needsDrain && this.emit("drain"));
      // acks=all appends, announced before their fsync (AppendWatch.announced); single node only. They count
      // as produced now, when the log has them (also if the fsync then fails: the records stay in the log).
      shard.on("appended", (notices: AppendedNotice[]) => {
        if (this.closed) return;
        this.watch.announced(notices);
        for (const n of notices) this.counters.produced(n.topic, n.partition, n.bytes, n.records);
      });
      // A shard pool's error (its worker thread died, a stray message from a replaced worker) is logged: an
      // "error" event nobody listens to would throw and take the whole broker down with it.
      shard.on("error", (error: unknown) => this.logger.error("shard worker error", { shard: shard.index, error }));
    }
  }

  // ---- topics ------------------------------------------------------------------------------------------

  async createTopic(name: string, options?: CreateTopicOptions): Promise<TopicRecord> {
    this.assertOpen();
    if (!this.cluster) return this.admin.create(name, options);
    if (this.admin.find(name)) throw new KafkaProtocolError("TOPIC_ALREADY_EXISTS", `topic ${name} already exists`);
    await this.cluster.createTopic(name, options ?? {});
    const created = this.admin.find(name);
    if (!created) throw new KafkaProtocolError("REQUEST_TIMED_OUT", `topic ${name} was not created in time`);
    return created;
  }

  deleteTopic(name: string): Promise<void> {
    this.assertOpen();
    return this.cluster ? this.cluster.deleteTopic(name) : this.admin.delete(name);
  }

  /** Runs `hook` after every topic deletion (awaited before deleteTopic resolves); returns its remover. */
  onTopicDeleted(hook: TopicDeletionHook): () => void {
    return this.admin.onTopicDeleted(hook);
  }

  listTopics(): TopicRecord[] {
    return this.admin.list();
  }

  describeTopic(name: string): Promise<TopicDescription> {
    return this.admin.describe(name);
  }

  addPartitions(name: string, total: number): Promise<void> {
    this.assertOpen();
    // Cluster mode: the controller places the new partitions' replicas; this resolves once they exist here.
    if (this.cluster) return this.cluster.addPartitions(name, total);
    return this.admin.addPartitions(name, total);
  }

  alterTopicConfigs(name: string, configs: Record<string, string>): Promise<void> {
    this.assertOpen();
    return this.admin.alterConfigs(name, configs);
  }

  /** The topic's record, or undefined. */
  topic(name: string): TopicRecord | undefined {
    return this.admin.find(name);
  }

  /** The topic with this id (UUID text), if any: Kafka requests from v13 of Produce/Fetch name topics by id. */
  topicById(id: string): TopicRecord | undefined {
    return this.admin.findById(id);
  }

  // ---- produce -----------------------------------------------------------------------------------------

  /** Appends one RecordBatch v2 to a partition. Throws a typed error (with its Kafka code) on failure. */
  async produce(topic: string, partition: number, batch: Uint8Array, options: ProduceOptions = {}): Promise<ProduceOk> {
    const [result] = await this.produceMany([{ topic, partition, batch }], options);
    if (result!.error) throw result!.error;
    return result!.ok!;
  }

  /**
   * Appends batches to many partitions: split per shard, run concurrently, results in request order. One
   * bad partition is an error in its own slot, never a failure of the others.
   */
  async produceMany(items: ProduceItem[], options: ProduceOptions = {}): Promise<Result<ProduceOk>[]> {
    this.assertOpen();
    const acks = options.acks === "all" ? -1 : (options.acks ?? 1);
    if (acks !== -1 && acks !== 0 && acks !== 1) throw new KafkaProtocolError("INVALID_REQUIRED_ACKS", `acks must be -1, 0 or 1, got ${String(options.acks)}`);
    const out = new Array<Result<ProduceOk>>(items.length);
    const valid: { topic: string; partition: number; batch: Uint8Array; acks: Acks; leaderEpoch?: number; returnStored?: boolean; announce?: boolean }[] = [];
    const positions: number[] = [];
    items.forEach((item, i) => {
      try {
        this.admin.checkPartition(item.topic, item.partition);
        if (options.internal !== true && isInternalTopic(item.topic)) throw new InvalidTopicError(`Cannot append to internal topic ${item.topic}`);
        const txnError = transactionalWriteError(item.topic, item.partition, item.batch, this.transactionalWriteCheck);
        if (txnError) throw txnError;
        const leaderEpoch = this.replication?.checkLeader(item.topic, item.partition, acks);
        const batch = ownedCopy(item.batch, options.transfer === true);
        // Parked readers take the batch from the result (AppendWatch.appendedAt); acks=all is announced early only if someone may read.
        const returnStored = !this.replication && this.watch.hasOffsetWaiters(item.topic, item.partition);
        const announce = !this.replication && acks === -1 && this.watch.hasReaders(item.topic, item.partition);
        valid.push({ topic: item.topic, partition: item.partition, batch, acks, leaderEpoch, ...(returnStored ? { returnStored } : {}), ...(announce ? { announce } : {}) });
        positions.push(i);
      } catch (error) {
        out[i] = { error: error as RivuletError };
      }
    });
    if (valid.length) {
      const run = this.router.run("produce", valid, (item) => item.batch.buffer as ArrayBuffer);
      const results = await withTimeout(run, options.timeoutMs ?? 30_000, "produce");
      if (this.replication) await awaitReplication(this.replication, valid, results, options.timeoutMs ?? 30_000);
      results.forEach((result, i) => {
        out[positions[i]!] = result;
        if (result.ok && !result.ok.duplicate) {
          const item = valid[i]!;
          // In cluster mode readers are woken by the high watermark moving (publishHighWatermark).
          const stored = result.ok.stored;
          if (stored) delete result.ok.stored;
          // An acks=all append was announced (and counted) before its fsync (AppendWatch.announced): once is enough.
          if (result.ok.announced) delete result.ok.announced;
          else {
            if (!this.replication) this.watch.appended(item.topic, item.partition, result.ok.logEndOffset, result.ok.bytes, stored && { baseOffset: result.ok.baseOffset, records: stored });
            this.counters.produced(item.topic, item.partition, result.ok.bytes, result.ok.records);
          }
        }
      });
    }
    return out;
  }

  /** Installs the transaction coordinator's check for transactional batches (issue 16). */
  setTransactionalWriteCheck(check: TransactionalWriteCheck | undefined): void {
    this.transactionalWriteCheck = check;
  }

  /**
   * Appends transaction markers (control batches) and closes the producers' transactions on those
   * partitions; each answered once fsynced. Wakes fetchers (read_committed ones wait for the LSO).
   */
  async writeMarkers(items: MarkerItem[]): Promise<Result<MarkerOk>[]> {
    this.assertOpen();
    const results = await this.router.run("writeMarkers", items);
    results.forEach((result, i) => {
      if (result.ok) {
        const item = items[i]!;
        this.reads.invalidate(partitionKey(item.topic, item.partition));
        this.watch.appended(item.topic, item.partition, result.ok.logEndOffset, 0);
      }
    });
    return results;
  }

  // ---- fetch -------------------------------------------------------------------------------------------

  /** Reads whole stored batches from `offset` (long-polls up to maxWaitMs for minBytes). Throws typed errors. */
  async fetch(topic: string, partition: number, offset: bigint, options: FetchOptions = {}): Promise<FetchOk> {
    const [result] = await this.fetchMany([{ topic, partition, offset, maxBytes: options.maxBytes }], options);
    if (result!.error) throw result!.error;
    return result!.ok!;
  }

  /**
   * Kafka's fetch: reads every partition; if together they hold fewer than minBytes, waits (woken by
   * appends, not by polling) until they do or maxWaitMs passes, then reads again.
   */
  fetchMany(items: FetchItem[], options: FetchOptions = {}): Promise<Result<FetchOk>[]> {
    this.assertOpen();
    return this.partitionReads.fetchMany(items, options);
  }

  /**
   * The streaming read for subscribers: the chunk of whole batches at `offset`, shared with every other
   * subscriber reading the same place (one shard read, one buffer). Do not modify the returned bytes.
   */
  readChunk(topic: string, partition: number, offset: bigint, maxBytes: number): Promise<FetchOk> {
    this.assertOpen();
    return this.partitionReads.readChunk(topic, partition, offset, maxBytes);
  }

  /** read_committed for streaming readers (WebSocket subscriptions); see PartitionReads.readCommitted. */
  readCommitted(topic: string, partition: number, offset: bigint, maxBytes: number): Promise<FetchOk> {
    this.assertOpen();
    return this.partitionReads.readCommitted(topic, partition, offset, maxBytes);
  }

  /** Resolves once the partition holds records past `offset` (or on abort). */
  waitForData(topic: string, partition: number, offset: bigint, signal?: AbortSignal): Promise<void> {
    return this.watch.waitForOffset(topic, partition, offset, signal);
  }

  /** The callback form of waitForData (see AppendWatch.onceAfter); returns a cancel function. */
  onceDataAfter(topic: string, partition: number, offset: bigint, wake: () => void): () => void {
    return this.watch.onceAfter(topic, partition, offset, wake);
  }

  /** Inside an onceDataAfter wake-up: the appended batch starting at `offset`, if that append sent it (no read needed). */
  appendedAt(topic: string, partition: number, offset: bigint): { records: Uint8Array; end: bigint } | undefined {
    return this.watch.appendedAt(topic, partition, offset);
  }

  /**
   * Every partition's bytes on disk ("topic\u0000partition" -> bytes), asked of the shards now (they own
   * the logs: retention, compaction and recovery change sizes there). A partition that cannot answer is absent.
   */
  async partitionSizes(): Promise<Map<string, number>> {
    const refs = this.listTopics().flatMap((t) => Array.from({ length: t.partitions }, (_, partition) => ({ topic: t.name, partition })));
    const statuses = refs.length ? await this.router.run("status", refs) : [];
    const sizes = new Map<string, number>();
    statuses.forEach((s, i) => s.ok && sizes.set(`${refs[i]!.topic}\u0000${refs[i]!.partition}`, s.ok.sizeBytes));
    return sizes;
  }

  /** The main thread's view of a partition's log end (updated by every produce and fetch). */
  logEndOffset(topic: string, partition: number): bigint | undefined {
    return this.watch.endOffset(topic, partition);
  }

  /** `isolation` "read_committed": "latest" is the last stable offset (the first open transaction's start). */
  async listOffsets(topic: string, partition: number, spec: OffsetSpec, isolation?: "read_uncommitted" | "read_committed"): Promise<ListOffsetsOk> {
    this.assertOpen();
    this.admin.checkPartition(topic, partition);
    if (typeof spec === "object" && (!Number.isFinite(spec.timestamp) || spec.timestamp < 0)) {
      throw new InvalidArgumentError(`timestamp must be a non-negative number of ms, got ${spec.timestamp}`);
    }
    const [result] = await this.router.run("listOffsets", [{ topic, partition, timestamp: offsetSpecToTimestamp(spec), ...(isolation === "read_committed" ? { isolation: 1 as const } : {}) }]);
    if (result!.error) throw result!.error;
    if (this.replication && spec === "latest") return { offset: this.replication.highWatermark(topic, partition), timestamp: -1n };
    return result!.ok!;
  }

  /**
   * Kafka DeleteRecords: per partition, moves the log start offset to `offset` (-1 = high watermark) and
   * drops whole segments below it; answers the new log start (low watermark) or a typed error per item.
   * In cluster mode: the leader's rules of replicated-delete-records.ts, within `timeoutMs` (30 s).
   */
  async deleteRecords(items: readonly { topic: string; partition: number; offset: bigint }[], options: { timeoutMs?: number } = {}): Promise<ItemResult<{ lowWatermark: bigint }>[]> {
    this.assertOpen();
    const replication = this.replication;
    const check = (item: (typeof items)[number]) => replication ? checkReplicatedDelete(replication, item, this.admin) : this.admin.checkPartition(item.topic, item.partition);
    return runChecked(items, check, async (valid) => {
      const targets = replication ? resolveHighWatermark(replication, valid) : valid;
      const results = await this.router.run("deleteRecords", targets);
      for (const item of targets) this.reads.invalidate(partitionKey(item.topic, item.partition));
      if (replication) await awaitDeleteReplicated(replication, targets, results, options.timeoutMs ?? 30_000);
      return results;
    });
  }

  /** Kafka DescribeProducers: the idempotent producers each partition tracks (or a typed error). */
  async describeProducers(refs: readonly { topic: string; partition: number }[]): Promise<ItemResult<ProducerDescription[]>[]> {
    this.assertOpen();
    return runChecked(refs, (ref) => this.admin.checkPartition(ref.topic, ref.partition), (valid) => this.router.run("describeProducers", valid));
  }

  /** Where a reader starting from `from` begins (see resolveStartOffset). */
  resolveStart(topic: string, partition: number, from: StartFrom, isolation?: "read_uncommitted" | "read_committed"): Promise<bigint> {
    return resolveStartOffset((spec, iso) => this.listOffsets(topic, partition, spec, iso), from, isolation);
  }

  /** A new idempotent-producer id (durable, never reused) with epoch 0. */
  initProducerId(): { producerId: bigint; producerEpoch: number } {
    this.assertOpen();
    const id = this.producerIds.next();
    // Cluster mode: each broker allocates from its own durable counter, so ids are striped by broker id
    // (broker ids are < 4096) to stay unique across the cluster without a round trip to etcd.
    if (this.cluster) return { producerId: id.producerId * 4096n + BigInt(this.cluster.brokerId), producerEpoch: id.producerEpoch };
    return id;
  }

  // ---- backpressure and metrics ----------------------------------------------------------------------------

  /** True while some shard has every task slot busy: front ends should stop reading until 'drain'. */
  get needsDrain(): boolean {
    return this.shards.some((s) => s.needsDrain);
  }

  /** True while the shard owning this partition is saturated. */
  partitionNeedsDrain(topic: string, partition: number): boolean {
    return this.router.shardOf(topic, partition).needsDrain;
  }

  shardStats(): Array<{ shard: number; inFlight: number; queued: number; needsDrain: boolean }> {
    return this.shards.map((s) => ({ shard: s.index, inFlight: s.inFlight, queued: s.queueSize, needsDrain: s.needsDrain }));
  }

  get shardCount(): number {
    return this.shards.length;
  }

  /** Measures one round trip to a shard and back (benchmarks split the produce cost with it). */
  async pingShard(shard = 0): Promise<void> {
    await this.shards[shard]!.run({ op: "ping" });
  }

  /** Runs retention and compaction on every shard now (otherwise they run on their timers). */
  async runMaintenance(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.run({ op: "maintenance" })));
  }

  // ---- lifecycle -----------------------------------------------------------------------------------------

  get isClosed(): boolean {
    return this.closed;
  }

  /** Graceful shutdown: every partition is flushed and closed cleanly, then the shards stop. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watch.releaseAll();
    await Promise.all(this.shards.map((s) => s.run({ op: "close" }).catch((error) => this.logger.error("shard close failed", { error }))));
    await Promise.all(this.shards.map((s) => s.destroy()));
    this.lock.release();
    this.emit("close");
  }

  private assertOpen(): void {
    if (this.closed) throw new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", "broker is shutting down");
  }
}
