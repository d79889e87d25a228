// A partition's durable log: an ordered list of segments in `<dataDir>/<topic>-<partition>/`, the last one
// active. One instance per partition, used by exactly one thread (its shard), so nothing here locks.
//
// Guarantees (docs/storage.md has the long form):
// - append() returns once the batch is in the OS page cache; appendDurable() once it is fsynced. Readers
//   see a batch only after its whole write succeeded, and never see a byte past it.
// - After a crash, open() rescans from the recovery point (every batch below it was fsynced), checks each
//   batch's CRC32C in WASM, cuts at the first torn or corrupt batch and rebuilds indexes; after a clean
//   close it reads only segment tails.

import { OffsetOutOfRangeError, StorageError } from "../errors/index.js";
import { createLogger, type Logger } from "../log.js";
import { recordCountAt, stampBatch } from "../core/index.js";
import { readBatchInfo } from "./batch-cursor.js";
import { readCheckpoint, writeCheckpoint, writeCheckpointAsync } from "./checkpoint.js";
import { defaultFileCache, type FileCache } from "./file-cache.js";
import { nodeFileSystem, type FileSystem } from "./fs.js";
import { resolveLogConfig, type LogConfig } from "./log-config.js";
import { openSegments } from "./log-open.js";
import { Segment, type CorruptRange } from "./segment.js";
import { storageError, storageErrorIfSystem } from "./storage-error.js";

/**
 * fdatasyncs one partition may have in flight at once. Two let a batch that lands during a flush start
 * its own at once instead of waiting for that flush to end (docs/benchmarks.md, "Overlapping fdatasyncs");
 * four measured no better than two.
 */
const MAX_FLUSHES_IN_FLIGHT = 2;

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
  /** Every offset below this is fsynced. */
  recoveryPoint = 0n;
  /** The recovery point as last written to the checkpoint file. */
  checkpointedRecoveryPoint = -1n;
  /** Damaged ranges below the recovery point found at open (kept on disk, refused to readers). */
  corruptRanges = 0;
  readonly fileCache: FileCache;
  private unflushedMessages = 0;
  private lastFlushTime: number;
  private lastCheckpointTime = 0;
  /** Bumped by every synchronous checkpoint write, so an asynchronous one in flight knows it is stale. */
  private checkpointWrites = 0;
  private checkpointInFlight: Promise<void> | undefined;
  /** fdatasyncs running now, each with the log end it covers (see flush()). */
  private readonly flushesInFlight: Array<{ upTo: bigint; done: Promise<void> }> = [];
  /** Bumped when the recovery point moves down (truncation), so a flush begun before cannot move it past the cut. */
  private recoveryEpoch = 0;
  /** A segment was created since the directory was last fsynced. */
  private dirDirty = false;
  private readonly checkpointIntervalMs: number;
  private closed = false;

  private constructor(options: PartitionLogOptions) {
    this.dir = options.dir;
    this.config = resolveLogConfig(options.config);
    this.fs = options.fs ?? nodeFileSystem;
    this.logger = (options.logger ?? createLogger()).child({ partitionDir: options.dir });
    this.clock = options.clock ?? Date.now;
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? 5000;
    this.fileCache = options.fileCache ?? defaultFileCache;
    this.lastFlushTime = this.clock();
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
    this.unflushedMessages += recordCount;
    let flushed: Promise<void> | undefined;
    if (this.unflushedMessages >= this.config.flushMessages) {
      flushed = this.flush();
      // Whoever awaits `flushed` sees the error; nobody else has to.
      flushed.catch((error) => this.logger.warn("flush after flush.messages failed", { error }));
    }
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
      this.dirDirty = true;
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

  /**
   * fsyncs everything appended so far. Concurrent callers share fsyncs: a flush in flight covers every
   * append made before it started. A caller it does not cover starts its own at once, up to
   * MAX_FLUSHES_IN_FLIGHT, instead of waiting for it to end first: an fdatasync started after a write
   * covers that write whatever else is running, and two overlapping ones finish sooner than two in a row
   * (docs/storage.md, "Group commit"). Past the limit, callers wait for a slot and then share the next.
   */
  async flush(): Promise<void> {
    const target = this.logEndOffset;
    while (this.recoveryPoint < target && !this.closed) {
      const covering = this.flushesInFlight.find((f) => f.upTo >= target);
      if (covering) await covering.done;
      else if (this.flushesInFlight.length < MAX_FLUSHES_IN_FLIGHT) await this.startFlush();
      else await Promise.race(this.flushesInFlight.map((f) => f.done));
    }
    // Closed without a final sync (abandon, topic deletion): whoever waits must not take it as durable.
    if (this.recoveryPoint < target) throw new StorageError(`partition log ${this.dir} closed before its data was fsynced`);
  }

  /**
   * Truncation: moves the recovery point down to `offset`, and no flush begun before may move it up again
   * (what it covered past `offset` is gone; what is appended there now is not covered by it).
   */
  lowerRecoveryPoint(offset: bigint): void {
    if (this.recoveryPoint > offset) this.recoveryPoint = offset;
    this.recoveryEpoch++;
  }

  private startFlush(): Promise<void> {
    const flush = { upTo: this.logEndOffset, done: this.runFlush() };
    this.flushesInFlight.push(flush);
    const settled = () => void this.flushesInFlight.splice(this.flushesInFlight.indexOf(flush), 1);
    flush.done.then(settled, settled);
    return flush.done;
  }

  private async runFlush(): Promise<void> {
    const upTo = this.logEndOffset;
    const epoch = this.recoveryEpoch;
    const dirty = this.segments.filter((s) => s.unflushedBytes > 0 || s === this.activeSegment);
    this.unflushedMessages = 0;
    this.lastFlushTime = this.clock();
    try {
      await Promise.all(dirty.map((s) => s.syncAsync()));
      if (this.dirDirty) {
        this.dirDirty = false;
        this.fs.syncDir(this.dir);
      }
    } catch (error) {
      throw storageError("fsync", error);
    }
    if (upTo > this.recoveryPoint && epoch === this.recoveryEpoch) this.recoveryPoint = upTo;
    this.maybeCheckpoint();
  }

  /**
   * Called periodically by the owner: fsyncs if data has waited flush.ms, and persists a recovery point
   * that advanced since the checkpoint was last written (at most once per checkpointIntervalMs, so a
   * crash rescans at most about that much more than it must).
   */
  maybeFlush(): Promise<void> | undefined {
    this.maybeCheckpoint();
    if (this.recoveryPoint >= this.logEndOffset) return undefined;
    if (this.clock() - this.lastFlushTime < this.config.flushMs) return undefined;
    return this.flush();
  }

  /**
   * Persists the recovery point if it moved and the last write is old enough; the write's fsync runs off
   * the owner thread. Returns the write in flight, if one was started.
   */
  maybeCheckpoint(): Promise<void> | undefined {
    if (this.closed || this.checkpointInFlight || this.recoveryPoint === this.checkpointedRecoveryPoint) return undefined;
    if (this.clock() - this.lastCheckpointTime < this.checkpointIntervalMs) return undefined;
    const checkpoint = { logStartOffset: this.logStartOffset, recoveryPoint: this.recoveryPoint, clean: false };
    const writes = this.checkpointWrites;
    this.lastCheckpointTime = this.clock();
    this.checkpointInFlight = writeCheckpointAsync(this.fs, this.dir, checkpoint, () => writes === this.checkpointWrites && !this.closed)
      .then((written) => {
        if (written) this.checkpointedRecoveryPoint = checkpoint.recoveryPoint;
      })
      .catch((error: unknown) => this.logger.warn("checkpoint write failed", { error }))
      .finally(() => (this.checkpointInFlight = undefined));
    return this.checkpointInFlight;
  }

  writeCheckpoint(clean: boolean): void {
    this.checkpointWrites++;
    try {
      writeCheckpoint(this.fs, this.dir, { logStartOffset: this.logStartOffset, recoveryPoint: this.recoveryPoint, clean });
      this.lastCheckpointTime = this.clock();
      this.checkpointedRecoveryPoint = this.recoveryPoint;
    } catch (error) {
      // A stale checkpoint only means a longer rescan after a crash; say so and carry on.
      this.logger.warn("checkpoint write failed", { error });
    }
  }

  /** Graceful close: fsync everything, seal the active time index, record a clean shutdown. */
  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.allSettled(this.flushesInFlight.map((f) => f.done));
    await this.checkpointInFlight;
    this.closed = true;
    this.activeSegment.sealTimeIndex();
    for (const segment of this.segments) segment.sync();
    this.recoveryPoint = this.logEndOffset;
    this.writeCheckpoint(true);
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
