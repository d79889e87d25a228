// A partition's durable log: an ordered list of segments in `<dataDir>/<topic>-<partition>/`, the last one
// active. One instance per partition, used by exactly one thread (its shard), so nothing here locks.
//
// Guarantees (docs/storage.md has the long form):
// - append() returns once the batch is in the OS page cache; appendDurable() once it is fsynced. Readers
//   see a batch only after its whole write succeeded, and never see a byte past it.
// - After a crash, open() rescans from the recovery point (every batch below it was fsynced), checks each
//   batch's CRC32C in WASM, cuts at the first torn or corrupt batch and rebuilds indexes; after a clean
//   close it reads only segment tails.
// When bytes get fsynced, the recovery point and the checkpoint file are log-flusher.ts's job.

import { OffsetOutOfRangeError, StorageError } from "../errors/index.js";
import { createLogger, type Logger } from "../log.js";
import { recordCountAt, stampBatch } from "../core/index.js";
import { readBatchInfo } from "./batch-cursor.js";
import { readCheckpoint } from "./checkpoint.js";
import { defaultFileCache, type FileCache } from "./file-cache.js";
import { nodeFileSystem, type FileSystem } from "./fs.js";
import { resolveLogConfig, type LogConfig } from "./log-config.js";
import { LogFlusher } from "./log-flusher.js";
import { openSegments } from "./log-open.js";
import { Segment, type CorruptRange } from "./segment.js";
import { storageError, storageErrorIfSystem } from "./storage-error.js";

export interface PartitionLogOptions {
  /** The partition's directory, `<dataDir>/<topic>-<partition>`. */
  dir: string;
  config?: Partial<LogConfig>;
  fs?: FileSystem;
  logger?: Logger;
  /** Milliseconds since the epoch; injectable for retention and flush tests. */
  clock?: () => number;
  /**
   * Minimum interval between checkpoint writes that only advance the recovery point (ms, default 5000).
   * Each costs an fdatasync (asynchronous, off the append path), so it is not done on every flush: a crash
   * rescans at most about this much more log than it must.
   */
  checkpointIntervalMs?: number;
  /** Where closed segments' descriptors are cached (default: one cache per thread, 256 descriptors). */
  fileCache?: FileCache;
}

export interface AppendResult {
  baseOffset: bigint;
  lastOffset: bigint;
  /** -1: topics keep the producer's CreateTime (Kafka returns -1 unless LogAppendTime is configured). */
  logAppendTime: number;
  logStartOffset: bigint;
  /** Set when this append reached flush.messages: resolves once the fsync it started covers the batch. */
  flushed?: Promise<void>;
}

export interface ReadResult {
  /** Whole stored batches, unchanged; empty when `offset` is the log end. May start before `offset`. */
  records: Uint8Array;
  highWatermark: bigint;
  logStartOffset: bigint;
  logEndOffset: bigint;
}

export class PartitionLog {
  readonly dir: string;
  readonly config: LogConfig;
  readonly fs: FileSystem;
  readonly logger: Logger;
  readonly clock: () => number;
  /** Ordered by base offset; the last one is active. Never empty while open. */
  segments: Segment[] = [];
  logStartOffset = 0n;
  /** Damaged ranges below the recovery point found at open (kept on disk, refused to readers). */
  corruptRanges = 0;
  readonly fileCache: FileCache;
  /** fsyncs, the recovery point and the checkpoint file (log-flusher.ts). */
  readonly flusher: LogFlusher;
  private closed = false;

  private constructor(options: PartitionLogOptions) {
    this.dir = options.dir;
    this.config = resolveLogConfig(options.config);
    this.fs = options.fs ?? nodeFileSystem;
    this.logger = (options.logger ?? createLogger()).child({ partitionDir: options.dir });
    this.clock = options.clock ?? Date.now;
    this.fileCache = options.fileCache ?? defaultFileCache;
    this.flusher = new LogFlusher(this, options.checkpointIntervalMs ?? 5000);
  }

  /** Opens (creating if needed) and recovers a partition log. */
  static open(options: PartitionLogOptions): PartitionLog {
    const log = new PartitionLog(options);
    let opened: ReturnType<typeof openSegments>;
    try {
      log.fs.mkdirp(log.dir);
      opened = openSegments(log, readCheckpoint(log.fs, log.dir));
    } catch (error) {
      // An errno failure (EMFILE: out of descriptors, ENOSPC, EIO) is the retriable KAFKA_STORAGE_ERROR;
      // anything else (a corrupt file the recovery refuses) keeps its own type.
      throw storageErrorIfSystem("open", error);
    }
    log.segments = opened.segments;
    log.logStartOffset = opened.logStartOffset;
    log.recoveryPoint = opened.recoveryPoint;
    log.activeSegment.setActive(true);
    // From here on a crash is unclean until the next graceful close.
    log.writeCheckpoint(false);
    return log;
  }

  /** Opens (or creates) one segment's files through this log's descriptor cache. */
  newSegment(baseOffset: bigint): Segment {
    const segment = Segment.open(this.fs, this.dir, baseOffset, this.clock(), this.fileCache);
    segment.indexInterval = this.config.indexIntervalBytes;
    return segment;
  }

  get activeSegment(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** The offset the next appended record gets (Kafka's log end offset). */
  get logEndOffset(): bigint {
    return this.activeSegment.nextOffset;
  }

  /** On one node every appended record is committed, so the high watermark is the log end offset. */
  get highWatermark(): bigint {
    return this.logEndOffset;
  }

  /** Every offset below this is fsynced. */
  get recoveryPoint(): bigint {
    return this.flusher.recoveryPoint;
  }

  set recoveryPoint(offset: bigint) {
    this.flusher.recoveryPoint = offset;
  }

  /** Closed or abandoned (the flusher starts nothing then). */
  get isClosed(): boolean {
    return this.closed;
  }

  get sizeInBytes(): number {
    let total = 0;
    for (const segment of this.segments) total += segment.size;
    return total;
  }

  /**
   * Appends one validated batch: stamps its base offset (bytes 0..7, outside the CRC) and leader epoch
   * (12..15), writes it whole, updates the indexes. The batch buffer is modified in place.
   */
  append(batch: Uint8Array, leaderEpoch = 0): AppendResult {
    this.assertOpen();
    const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
    const info = readBatchInfo(view, 0, 0);
    const lastOffsetDelta = info.lastOffset - info.baseOffset;
    const recordCount = recordCountAt(view, 0);
    const baseOffset = this.logEndOffset;
    const lastOffset = baseOffset + lastOffsetDelta;
    stampBatch(batch, baseOffset, leaderEpoch);
    this.maybeRoll(batch.length, lastOffset, info.maxTimestamp);
    try {
      this.activeSegment.append(batch, lastOffset, info.maxTimestamp, (error) =>
        this.logger.warn("index write failed; entry skipped", { error }),
      );
    } catch (error) {
      throw storageError("append", error);
    }
    const flushed = this.flusher.appended(recordCount);
    return { baseOffset, lastOffset, logAppendTime: -1, logStartOffset: this.logStartOffset, flushed };
  }

  /** append(), then wait until the batch is fsynced (fsyncs are shared by every caller waiting at once). */
  async appendDurable(batch: Uint8Array, leaderEpoch = 0): Promise<AppendResult> {
    const result = this.append(batch, leaderEpoch);
    await this.flush();
    return result;
  }

  private maybeRoll(incomingBytes: number, lastOffset: bigint, incomingTimestamp: number): void {
    const active = this.activeSegment;
    if (active.isEmpty) return;
    const full = active.size + incomingBytes > this.config.segmentBytes;
    // Kafka's timeWaitedForRoll: record time elapsed since the segment's first batch, measured with the
    // records' own timestamps (so replaying old data does not roll on every append); the wall clock only
    // when the segment has no usable timestamp.
    const waited =
      active.firstBatchTimestamp >= 0 ? incomingTimestamp - active.firstBatchTimestamp : this.clock() - active.createdAt;
    const old = waited >= this.config.segmentMs;
    // Relative offsets in the index are u32; Kafka keeps them within a signed int.
    const offsetOverflow = lastOffset - active.baseOffset > 0x7fffffffn;
    if (full || old || offsetOverflow) this.roll();
  }

  /** Closes the active segment to appends and starts a new one at the log end offset. */
  roll(): void {
    const previous = this.activeSegment;
    previous.sealTimeIndex();
    try {
      const next = this.newSegment(this.logEndOffset);
      next.setActive(true);
      // The new file's directory entry becomes durable with the next flush, before anything in it is
      // acknowledged as durable: no fsync on the append path.
      this.flusher.segmentCreated();
      this.segments.push(next);
    } catch (error) {
      throw storageError("roll", error);
    }
    // Its descriptors go back to the cache (the log's) or are closed (the indexes, now held in memory).
    previous.setActive(false);
    this.logger.info("segment rolled", { baseOffset: this.logEndOffset, previousSize: previous.size });
  }

  /**
   * Reads whole batches starting with the one holding `offset`, up to `maxBytes` (but always at least one
   * whole batch), from a single segment, as stored.
   */
  read(offset: bigint, maxBytes: number): ReadResult {
    this.assertOpen();
    const result = (records: Uint8Array): ReadResult => ({
      records,
      highWatermark: this.highWatermark,
      logStartOffset: this.logStartOffset,
      logEndOffset: this.logEndOffset,
    });
    if (offset < this.logStartOffset || offset > this.logEndOffset) {
      throw new OffsetOutOfRangeError(
        `offset ${offset} is outside [${this.logStartOffset}, ${this.logEndOffset}]`,
        this.logStartOffset,
        this.logEndOffset,
      );
    }
    if (offset === this.logEndOffset) return result(new Uint8Array(0));
    for (let i = this.segmentIndexFor(offset); i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      const first = segment.findBatch(offset);
      if (!first) continue; // compaction may leave an offset range with no batch in this segment
      try {
        return result(segment.readBatches(first.position, first.size, maxBytes));
      } catch (error) {
        throw storageError("read", error);
      }
    }
    return result(new Uint8Array(0));
  }

  /** The damaged range (found at open, refused to readers) holding `offset`, if any. */
  corruptRangeFor(offset: bigint): CorruptRange | undefined {
    if (this.corruptRanges === 0) return undefined;
    for (const segment of this.segments) {
      const range = segment.corruptRangeFor(offset);
      if (range) return range;
    }
    return undefined;
  }

  /** Index into `segments` of the segment whose range holds `offset` (the last with base <= offset). */
  segmentIndexFor(offset: bigint): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Resolves once everything appended so far is fsynced (LogFlusher.flush: shared, overlapping fdatasyncs). */
  flush(): Promise<void> {
    return this.flusher.flush();
  }

  /** Truncation: the recovery point moves down to `offset`, and no flush in flight may move it back up. */
  lowerRecoveryPoint(offset: bigint): void {
    this.flusher.lowerRecoveryPoint(offset);
  }

  /** The owner's periodic tick: fsyncs data older than flush.ms, and checkpoints a recovery point that moved. */
  maybeFlush(): Promise<void> | undefined {
    return this.flusher.maybeFlush();
  }

  /** Writes the recovery point off the owner thread if it moved and checkpointIntervalMs has passed. */
  maybeCheckpoint(): Promise<void> | undefined {
    return this.flusher.maybeCheckpoint();
  }

  /** Writes the checkpoint now, synchronously and atomically (open, retention, truncation, close). */
  writeCheckpoint(clean: boolean): void {
    this.flusher.writeCheckpoint(clean);
  }

  /** The same, throwing if the write fails (a moved log start must be durable before it is answered). */
  writeCheckpointOrThrow(): void {
    this.flusher.writeCheckpointOrThrow(false);
  }

  /** Graceful close: fsync everything, seal the active time index, record a clean shutdown. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flusher.settle();
    this.closed = true;
    this.activeSegment.sealTimeIndex();
    this.flusher.syncAllForClose();
    for (const segment of this.segments) segment.close();
  }

  /** Closes without any flush (a simulated crash, or a log about to be deleted). */
  abandon(): void {
    this.closed = true;
    for (const segment of this.segments) segment.close();
  }

  /** Deletes the partition's files (topic deletion). */
  deleteFiles(): void {
    if (!this.closed) this.abandon();
    this.fs.removeTree(this.dir);
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError(`partition log ${this.dir} is closed`);
  }
}
