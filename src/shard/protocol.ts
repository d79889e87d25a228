// Messages between the main thread and a shard worker, over the shard's MessageChannel (see
// src/broker/shard-pool.ts): a task is `[id, task]`, its reply `[id, result]` or `[id, undefined, error]`.
// Record bytes travel in transferred ArrayBuffers (never cloned); offsets are bigints (structured clone
// carries them); errors are data (src/errors/wire.ts), one per partition, never a rejected task for one bad
// partition.

import type { ErrorData } from "../errors/wire.js";
import type { LogConfig } from "../storage/log-config.js";
import type { ShardFaults } from "./fault-injection.js";

export interface ShardInit {
  shard: number;
  dataDir: string;
  logLevel: "debug" | "info" | "warn" | "error";
  /** How often the shard checks flush.ms deadlines (ms). */
  flushTickMs: number;
  /** How often retention runs (Kafka log.retention.check.interval.ms). */
  retentionCheckMs: number;
  /** How often compacted partitions are cleaned (Kafka log.cleaner.backoff.ms). */
  compactionCheckMs: number;
  /** Descriptors of closed segments the shard keeps open (an LRU; default 256, or RLIMIT_NOFILE/4 if lower). */
  maxOpenSegmentFiles?: number;
  /** Failure tests only: storage faults to inject (src/shard/fault-injection.ts). */
  faults?: ShardFaults;
  /**
   * Cluster mode: records are committed only below the high watermark the replication layer pushes
   * (the "committed" task, src/cluster/committed-push.ts); compaction and retention stay below it
   * (Partition.committedEnd).
   */
  replicated?: boolean;
}

export interface PartitionRef {
  topic: string;
  partition: number;
}

export interface PartitionSpec extends PartitionRef {
  config: Partial<LogConfig>;
}

export interface PartitionStatus extends PartitionRef {
  logStartOffset: bigint;
  logEndOffset: bigint;
  sizeBytes: number;
  /** Damaged ranges below the recovery point found at open: kept on disk, refused to readers. */
  corruptRanges?: number;
}

export type Acks = -1 | 0 | 1;

export interface ProduceItem extends PartitionRef {
  batch: Uint8Array;
  acks: Acks;
  /** Cluster mode: the leader epoch stamped into the batch (0 on a single node). */
  leaderEpoch?: number;
  /**
   * Send the batch back as stored (ProduceOk.stored, transferred, not copied): the main thread has readers
   * parked at the log end and serves them these bytes without a read (issue 14).
   */
  returnStored?: boolean;
  /**
   * acks=all: announce the append on the channel as soon as it is written (an AppendedNotice), before its
   * fsync, because readers may be waiting for it (AppendWatch.hasReaders). Without it nobody is told
   * before the answer: one message less per batch when nobody reads the partition.
   */
  announce?: boolean;
}

/** Cluster mode: a follower appends the leader's batches verbatim (src/cluster/replica-fetcher.ts). */
export interface ReplicateItem extends PartitionRef {
  records: Uint8Array;
}

export interface ReplicateOk {
  logEndOffset: bigint;
  epochStarts: Array<{ epoch: number; startOffset: bigint }>;
}

/** Cluster mode: cut a follower's divergent tail at `offset`. */
export interface TruncateItem extends PartitionRef {
  offset: bigint;
  /** Cluster mode: delete every segment and restart the log empty at `offset` (storage/reset.ts). */
  fully?: boolean;
}

export interface ProduceOk {
  baseOffset: bigint;
  lastOffset: bigint;
  logAppendTime: number;
  logStartOffset: bigint;
  logEndOffset: bigint;
  /** Bytes and records appended (0 for a deduplicated retry). */
  bytes: number;
  records: number;
  duplicate: boolean;
  /** With ProduceItem.returnStored: the appended batch exactly as the log holds it (offsets stamped). */
  stored?: Uint8Array;
  /**
   * The shard already announced this append on its channel (an AppendedNotice, sent before the fsync an
   * acks=all produce waits for): the main thread must not count it as appended a second time.
   */
  announced?: boolean;
}

export interface FetchItem extends PartitionRef {
  offset: bigint;
  maxBytes: number;
  /** 1 = read_committed: only batches below the last stable offset, with the aborted transactions. */
  isolation?: 0 | 1;
}

export interface FetchOk {
  records: Uint8Array;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  logEndOffset: bigint;
  /** read_committed only: aborted transactions overlapping the returned range (Kafka's Fetch field). */
  abortedTransactions?: { producerId: bigint; firstOffset: bigint }[];
}

/** -1 latest, -2 earliest, -3 the record with the largest timestamp; >= 0 a timestamp. */
export interface ListOffsetsItem extends PartitionRef {
  timestamp: bigint;
  /** 1 = read_committed: "latest" is the last stable offset. */
  isolation?: 0 | 1;
}

/** A transaction marker (control batch) for one partition, written by the transaction coordinator. */
export interface MarkerItem extends PartitionRef {
  producerId: bigint;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
  /** Cluster mode: the partition leader's epoch, stamped on the marker batch like any leader append. */
  leaderEpoch?: number;
}

export interface MarkerOk {
  offset: bigint;
  logEndOffset: bigint;
  lastStableOffset: bigint;
}

export interface ListOffsetsOk {
  offset: bigint;
  timestamp: bigint;
}

/** DeleteRecords: advance the log start to `offset` (-1 = high watermark). */
export interface DeleteRecordsItem extends PartitionRef {
  offset: bigint;
}

export interface DeleteRecordsOk {
  /** The log start offset afterwards (Kafka's low watermark). */
  lowWatermark: bigint;
}

/** DescribeProducers: the idempotent producers a partition tracks. */
export interface ProducerDescription {
  producerId: bigint;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: bigint;
  /** First offset of its open transaction on this partition, -1 when none (issue 16). */
  currentTxnStartOffset?: bigint;
  /** The coordinator epoch of its latest marker here, -1 when none. */
  coordinatorEpoch?: number;
}

/** Cluster mode: a partition's high watermark as the replication layer knows it (Partition.noteCommitted). */
export interface CommittedItem extends PartitionRef {
  highWatermark: bigint;
}

export type Outcome<T> = { ok: T } | { error: ErrorData };

export type ShardTask =
  | { op: "open"; partitions: PartitionSpec[] }
  | { op: "produce"; items: ProduceItem[] }
  | { op: "fetch"; items: FetchItem[] }
  | { op: "listOffsets"; items: ListOffsetsItem[] }
  | { op: "deleteRecords"; items: DeleteRecordsItem[] }
  | { op: "writeMarkers"; items: MarkerItem[] }
  | { op: "describeProducers"; partitions: PartitionRef[] }
  | { op: "reconfigure"; partitions: PartitionSpec[] }
  | { op: "delete"; partitions: PartitionRef[] }
  | { op: "status"; partitions: PartitionRef[] }
  | { op: "replicate"; items: ReplicateItem[] }
  | { op: "truncate"; items: TruncateItem[] }
  | { op: "committed"; items: CommittedItem[] }
  | { op: "maintenance" }
  | { op: "ping" }
  | { op: "close" };

/**
 * A reply on the shard's channel: `[id, result]`, or `[id, undefined, error]` when the task itself threw (a
 * bug or a closed shard; per-partition failures are Outcomes inside the result).
 */
export type ShardReply = [id: number, value: unknown] | [id: number, value: undefined, error: unknown];

/**
 * One acks=all append as soon as it is written, before the fsync its producer waits for: readers may read
 * it from then on (a fetch already returns it), so the main thread wakes the ones parked at the log end now
 * instead of one fdatasync later (issue 14). Not sent in cluster mode: there the high watermark wakes them.
 */
export interface AppendedNotice {
  topic: string;
  partition: number;
  baseOffset: bigint;
  logEndOffset: bigint;
  bytes: number;
  records: number;
  /** With ProduceItem.returnStored: the batch as stored (moved here from ProduceOk.stored). */
  stored?: Uint8Array;
}

/** A message on the shard's channel that answers no task: `["appended", notices]`. */
export type ShardNotice = [kind: "appended", notices: AppendedNotice[]];

export interface ShardResults {
  open: Outcome<PartitionStatus>[];
  produce: Outcome<ProduceOk>[];
  fetch: Outcome<FetchOk>[];
  listOffsets: Outcome<ListOffsetsOk>[];
  deleteRecords: Outcome<DeleteRecordsOk>[];
  writeMarkers: Outcome<MarkerOk>[];
  describeProducers: Outcome<ProducerDescription[]>[];
  reconfigure: Outcome<PartitionStatus>[];
  delete: Outcome<true>[];
  status: Outcome<PartitionStatus>[];
  committed: Outcome<true>[];
  replicate: Outcome<ReplicateOk>[];
  truncate: Outcome<PartitionStatus>[];
  maintenance: { flushed: number; deletedSegments: number; compacted: number };
  ping: true;
  close: { closed: number };
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** `<topic>-<partition>`: the directory name Kafka uses, relative to the data dir. */
export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
