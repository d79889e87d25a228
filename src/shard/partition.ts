// One partition as its owning shard holds it: the log, the idempotent-producer state, and the produce,
// fetch and list-offsets operations on them. Only the owner thread touches a partition, so produce needs no
// lock: validate, dedupe, append and record happen without an await in between, in arrival order.

import type { ProducerDescription } from "./protocol.js";
import { deleteRecordsBefore } from "../storage/delete-records.js";
import { truncateLogTo } from "../storage/truncate.js";
import { resetLog } from "../storage/reset.js";
import { decompress } from "../core/codecs.js";
import { decodeRecordBatch, validateRecordBatch } from "../core/index.js";
import { InvalidRecordError, MessageTooLargeError } from "../errors/index.js";
import type { Logger } from "../log.js";
import { GroupCommit } from "./group-commit.js";
import type { ProducerStateTable } from "./producer-state.js";
import { loadProducerState, writeProducerSnapshot } from "./producer-snapshot.js";
import type { FileCache } from "../storage/file-cache.js";
import type { FileSystem } from "../storage/fs.js";
import type { LogConfig } from "../storage/log-config.js";
import { PartitionLog } from "../storage/partition-log.js";
import { offsetForTimestamp } from "../storage/timestamp-lookup.js";
import type { Acks, FetchOk, ListOffsetsOk, MarkerOk, PartitionStatus, ProduceOk } from "./protocol.js";
import { PartitionTxns } from "./txn-state.js";
import { batchSpans } from "../core/index.js";

const NO_RECORDS = new Uint8Array(0);

export class Partition {
  /**
   * Cluster mode: records from here on are not known to be on the in-sync replicas yet (the high
   * watermark as the replica manager last pushed it: committed-push.ts), so compaction
   * leaves them alone (a record a truncation may still cut must not be what supersedes a committed one)
   * and retention does not expire them. Starts at the log start (nothing
   * known) and only grows, except with the log itself. undefined on a single node: every record counts.
   */
  committedEnd: bigint | undefined;

  private constructor(
    readonly topic: string,
    readonly partition: number,
    readonly log: PartitionLog,
    public producers: ProducerStateTable,
    private readonly commits: GroupCommit,
    /** Open and aborted transactions, the last stable offset (txn-state.ts). */
    /** Replaced when cluster mode truncates the log (truncateTo). */
    public txns: PartitionTxns,
  ) {}

  /**
   * `commits` is the shard's group commit (every acks=all produce of the shard shares its fsync rounds);
   * `fileCache` the shard's cache of closed segments' descriptors.
   */
  static open(
    topic: string,
    partition: number,
    dir: string,
    config: Partial<LogConfig>,
    fs: FileSystem | undefined,
    logger: Logger,
    shared: { commits?: GroupCommit; fileCache?: FileCache; replicated?: boolean } = {},
  ): Partition {
    const log = PartitionLog.open({ dir, config, fs, logger, fileCache: shared.fileCache });
    // Producer state = the last snapshot + a replay of the log after it (the whole log without one, or
    // when a power cut left a snapshot newer than the log).
    const { table } = loadProducerState(log);
    const opened = new Partition(topic, partition, log, table, shared.commits ?? new GroupCommit(), PartitionTxns.open(log));
    if (shared.replicated) opened.committedEnd = log.logStartOffset;
    return opened;
  }

  /** Cluster mode: the replication layer's high watermark moved (never past this log's end). */
  noteCommitted(highWatermark: bigint): void {
    if (this.committedEnd === undefined) return;
    const end = highWatermark < this.log.logEndOffset ? highWatermark : this.log.logEndOffset;
    if (end > this.committedEnd) this.committedEnd = end;
  }

  status(): PartitionStatus {
    return {
      topic: this.topic,
      partition: this.partition,
      logStartOffset: this.log.logStartOffset,
      logEndOffset: this.log.logEndOffset,
      sizeBytes: this.log.sizeInBytes,
      ...(this.log.corruptRanges ? { corruptRanges: this.log.corruptRanges } : {}),
    };
  }

  /**
   * Validates and appends one produced batch. Returns synchronously once the batch is in the log (so the
   * caller can keep arrival order). The durability contract (docs/storage.md):
   * - acks=0 and acks=1: answered now, the batch is in the OS page cache (survives a process crash);
   * - acks=all: `durable` resolves once a group-committed fdatasync covers the batch (survives power
   *   loss), and rejects with the StorageError if that fsync fails. A retried duplicate waits too: its
   *   first attempt may not have been fsynced yet.
   */
  produce(batch: Uint8Array, acks: Acks, leaderEpoch = 0): { result: ProduceOk; durable?: Promise<void> } {
    const config = this.log.config;
    if (batch.length > config.maxMessageBytes) {
      throw new MessageTooLargeError(`batch of ${batch.length} bytes exceeds max.message.bytes ${config.maxMessageBytes}`);
    }
    const header = validateRecordBatch(batch, { strict: true });
    if (header.isControl) throw new InvalidRecordError("control batches are written by the broker, not producers");
    if (config.cleanupPolicy.includes("compact")) {
      for (const record of decodeRecordBatch(batch, { verify: false, decompress }).records) {
        if (record.key === null) throw new InvalidRecordError("a compacted topic only accepts records with a key");
      }
    }
    const verdict = this.producers.check(header);
    if (verdict.kind === "error") throw verdict.error;
    if (verdict.kind === "duplicate") {
      return {
        durable: acks === -1 ? this.commits.durable(this.log) : undefined,
        result: {
          baseOffset: verdict.baseOffset,
          lastOffset: verdict.lastOffset,
          logAppendTime: -1,
          logStartOffset: this.log.logStartOffset,
          logEndOffset: this.log.logEndOffset,
          bytes: 0,
          records: 0,
          duplicate: true,
        },
      };
    }
    if (header.isTransactional) this.txns.beforeTransactionalAppend();
    const appended = this.log.append(batch, leaderEpoch);
    if (header.isTransactional && header.producerId >= 0n) this.txns.noteData(header.producerId, appended.baseOffset);
    // The batch's own time (not the clock) so live state equals state rebuilt from the log.
    if (header.producerId >= 0n) this.producers.record(header, appended.baseOffset, appended.lastOffset, header.maxTimestamp);
    return {
      result: {
        baseOffset: appended.baseOffset,
        lastOffset: appended.lastOffset,
        logAppendTime: appended.logAppendTime,
        logStartOffset: appended.logStartOffset,
        logEndOffset: this.log.logEndOffset,
        bytes: batch.length,
        records: header.recordCount,
        duplicate: false,
      },
      durable: acks === -1 ? this.commits.durable(this.log) : undefined,
    };
  }

  /**
   * Cluster mode, on a follower: appends the leader's batches verbatim at their own offsets and leader
   * epochs (src/cluster/replica-fetcher.ts). Batches wholly below the log end (a fetch may start mid
   * batch) are skipped; a gap is refused. Returns the new log end and the first offset of every epoch
   * seen, for the follower's leader-epoch cache.
   */
  replicate(records: Uint8Array): { logEndOffset: bigint; epochStarts: Array<{ epoch: number; startOffset: bigint }> } {
    const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
    const epochStarts: Array<{ epoch: number; startOffset: bigint }> = [];
    let at = 0;
    while (at + 61 <= records.byteLength) {
      const size = 12 + view.getInt32(at + 8);
      if (size < 61 || at + size > records.byteLength) break; // a partial trailing batch: fetched again next time
      const batch = records.slice(at, at + size);
      at += size;
      const baseOffset = view.getBigInt64(at - size);
      const epoch = view.getInt32(at - size + 12);
      const header = validateRecordBatch(batch, { strict: false });
      const lastOffset = baseOffset + BigInt(header.lastOffsetDelta);
      if (lastOffset < this.log.logEndOffset) continue;
      if (baseOffset !== this.log.logEndOffset) throw new InvalidRecordError(`replica batch at ${baseOffset} does not start at the log end ${this.log.logEndOffset}`);
      this.log.append(batch, epoch);
      if (header.producerId >= 0n && !header.isControl) this.producers.record(header, baseOffset, lastOffset, header.maxTimestamp);
      if (header.isTransactional) this.txns.replicated(batch, baseOffset);
      const last = epochStarts.at(-1);
      if (!last || last.epoch !== epoch) epochStarts.push({ epoch, startOffset: baseOffset });
    }
    return { logEndOffset: this.log.logEndOffset, epochStarts };
  }

  /** Cluster mode: cuts a divergent tail (storage/truncate.ts) and rebuilds the producer state to match. */
  truncateTo(offset: bigint): PartitionStatus {
    truncateLogTo(this.log, offset);
    if (this.committedEnd !== undefined && this.committedEnd > this.log.logEndOffset) this.committedEnd = this.log.logEndOffset;
    this.producers = loadProducerState(this.log).table;
    this.txns = PartitionTxns.open(this.log);
    return this.status();
  }

  /** Cluster mode: empties the log, restarting it at `offset` (storage/reset.ts), and forgets its producers. */
  resetTo(offset: bigint): PartitionStatus {
    resetLog(this.log, offset);
    if (this.committedEnd !== undefined) this.committedEnd = this.log.logStartOffset;
    this.producers = loadProducerState(this.log).table;
    this.txns = PartitionTxns.open(this.log);
    return this.status();
  }

  /**
   * Whole stored batches from `offset`. read_committed (isolation 1) stops before the first batch at or
   * past the last stable offset and lists the aborted transactions overlapping what it returns.
   */
  fetch(offset: bigint, maxBytes: number, isolation: 0 | 1 = 0): FetchOk {
    const read = this.log.read(offset, maxBytes);
    const lastStableOffset = this.txns.lastStableOffset();
    const ok: FetchOk = {
      records: read.records,
      highWatermark: read.highWatermark,
      lastStableOffset,
      logStartOffset: read.logStartOffset,
      logEndOffset: read.logEndOffset,
    };
    if (isolation === 1) {
      const { records, upTo } = below(read.records, lastStableOffset);
      ok.records = records;
      ok.abortedTransactions = records.length ? this.txns.abortedIn(offset, upTo) : [];
    }
    return ok;
  }

  /** Appends a transaction marker (txn-state.ts) for the coordinator. */
  writeMarker(producerId: bigint, producerEpoch: number, commit: boolean, coordinatorEpoch: number, leaderEpoch = 0): MarkerOk {
    const { offset } = this.txns.writeMarker(producerId, producerEpoch, commit, coordinatorEpoch, leaderEpoch);
    return { offset, logEndOffset: this.log.logEndOffset, lastStableOffset: this.txns.lastStableOffset() };
  }

  listOffsets(timestamp: bigint, isolation: 0 | 1 = 0): ListOffsetsOk {
    if (timestamp === -1n) return { offset: isolation === 1 ? this.txns.lastStableOffset() : this.log.logEndOffset, timestamp: -1n };
    if (timestamp === -2n) return { offset: this.log.logStartOffset, timestamp: -1n };
    if (timestamp === -3n) {
      let best: { offset: bigint; timestamp: number } | undefined;
      for (const segment of this.log.segments) {
        if (segment.maxTimestamp >= 0 && (!best || segment.maxTimestamp > best.timestamp)) {
          const found = offsetForTimestamp(this.log, segment.maxTimestamp, decompress);
          if (found) best = found;
        }
      }
      return best ? { offset: best.offset, timestamp: BigInt(best.timestamp) } : { offset: -1n, timestamp: -1n };
    }
    // Compressed batches are decompressed to find the exact record (src/core/codecs.ts).
    const found = offsetForTimestamp(this.log, Number(timestamp), decompress);
    return found ? { offset: found.offset, timestamp: BigInt(found.timestamp) } : { offset: -1n, timestamp: -1n };
  }

  /** Kafka DeleteRecords: moves the log start forward (storage/delete-records.ts). */
  deleteRecords(offset: bigint): { lowWatermark: bigint } {
    const lowWatermark = deleteRecordsBefore(this.log, offset);
    this.txns.dropBelow(this.log.logStartOffset);
    return { lowWatermark };
  }

  /** Kafka DescribeProducers: every producer the idempotence state tracks, with its last sequence. */
  describeProducers(): ProducerDescription[] {
    return this.producers.entries().map((e) => ({
      producerId: e.producerId,
      producerEpoch: e.epoch,
      lastSequence: e.batches.at(-1)?.lastSeq ?? -1,
      lastTimestamp: BigInt(e.lastTimestamp),
      currentTxnStartOffset: this.txns.openTransactions().get(e.producerId) ?? -1n,
      coordinatorEpoch: this.txns.coordinatorEpochOf(e.producerId),
    }));
  }

  /** Forgets idle producers (Kafka producer.id.expiration.ms) and snapshots the rest. */
  maintainProducers(now: number): void {
    this.producers.removeExpired(now);
    this.txns.dropBelow(this.log.logStartOffset);
    this.snapshotProducers();
  }

  snapshotProducers(): void {
    writeProducerSnapshot(this.log.fs, this.log.dir, this.producers, this.log.logEndOffset);
  }

  async close(): Promise<void> {
    await this.log.close();
    try {
      this.snapshotProducers();
    } catch (error) {
      this.log.logger.warn("producer snapshot failed", { error });
    }
  }
}


/** The whole batches of `records` that start below `limit`, and the offset after the last one kept. */
function below(records: Uint8Array, limit: bigint): { records: Uint8Array; upTo: bigint } {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  let end = 0;
  let upTo = -1n;
  for (const { start, size } of batchSpans(records)) {
    if (view.getBigInt64(start) >= limit) break;
    end = start + size;
    upTo = view.getBigInt64(start) + BigInt(view.getInt32(start + 23)) + 1n;
  }
  if (end === 0) return { records: NO_RECORDS, upTo };
  return { records: end === records.length ? records : records.subarray(0, end), upTo };
}
