// One segment of a partition log: `<base>.log` (RecordBatch v2 bytes exactly as Kafka stores them, batch
// after batch) plus its two sparse indexes. A segment only ever grows at its end, by whole batches, from
// one thread; `size` is the end of the last whole batch, and nothing past it is ever served.

import { join } from "node:path";
import { CorruptRecordError } from "../errors/index.js";
import type { FileSystem } from "./fs.js";
import { unpooledBuffer, walkBatches, type BatchInfo } from "./batch-cursor.js";
import { defaultFileCache, type CachedFile, type FileCache } from "./file-cache.js";
import { OffsetIndex, TimeIndex } from "./segment-index.js";
import { wholeBatchesEnd } from "../core/index.js";

/**
 * Bytes of a segment below the recovery point that failed their check (CRC, length, magic, offsets) when
 * recovery read them. They stay on disk (fsynced data is never "repaired" by cutting it) and are never
 * served: a read of an offset in [firstOffset, lastOffset] gets CORRUPT_MESSAGE, reads that start before
 * stop at `position`, and header walks jump over the range.
 */
export interface CorruptRange {
  position: number;
  size: number;
  firstOffset: bigint;
  /** Inclusive; below firstOffset when the bad bytes hold no offset of their own (an offset regression). */
  lastOffset: bigint;
  reason: string;
}

export function segmentFileName(baseOffset: bigint, suffix: string): string {
  return `${baseOffset.toString().padStart(20, "0")}${suffix}`;
}

export interface SegmentFiles {
  log: string;
  index: string;
  timeIndex: string;
}

export function segmentFiles(dir: string, baseOffset: bigint): SegmentFiles {
  return {
    log: join(dir, segmentFileName(baseOffset, ".log")),
    index: join(dir, segmentFileName(baseOffset, ".index")),
    timeIndex: join(dir, segmentFileName(baseOffset, ".timeindex")),
  };
}

export class Segment {
  readonly files: SegmentFiles;
  /** Offset after the last batch (= baseOffset while empty). */
  nextOffset: bigint;
  /** Largest record timestamp seen, -1 while unknown or empty. */
  maxTimestamp = -1;
  /** Offset of the last batch that carried maxTimestamp (for the final time-index entry). */
  private offsetOfMaxTimestamp: bigint;
  /** Max timestamp of the first batch (-1 while empty): what segment.ms rolls on, as in Kafka. */
  firstBatchTimestamp = -1;
  /** When this process created or opened the segment: the fallback for segment.ms and retention. */
  readonly createdAt: number;
  private bytesSinceIndexEntry = 0;
  /** Bytes written since the last fsync of the log file. */
  unflushedBytes = 0;
  /** Damaged ranges found by recovery, in file order (almost always empty). */
  corrupt: CorruptRange[] = [];
  private active = false;

  private constructor(
    readonly baseOffset: bigint,
    dir: string,
    readonly log: CachedFile,
    readonly index: OffsetIndex,
    readonly timeIndex: TimeIndex,
    /** Bytes of whole, valid batches. */
    public size: number,
    createdAt: number,
  ) {
    this.files = segmentFiles(dir, baseOffset);
    this.nextOffset = baseOffset;
    this.offsetOfMaxTimestamp = baseOffset;
    this.createdAt = createdAt;
  }

  /**
   * Opens (or creates) the segment's files through `cache` (descriptors are opened on use and may be closed
   * when the segment is not active). `size` is the trusted length of its log; the caller checks it. Both
   * indexes are read into memory here, so a closed segment needs no index descriptor afterwards.
   */
  static open(fs: FileSystem, dir: string, baseOffset: bigint, now: number, cache: FileCache = defaultFileCache): Segment {
    const files = segmentFiles(dir, baseOffset);
    const log = cache.file(fs, files.log, true);
    const index = new OffsetIndex(cache.file(fs, files.index, true), baseOffset);
    const timeIndex = new TimeIndex(cache.file(fs, files.timeIndex, true), baseOffset);
    return new Segment(baseOffset, dir, log, index, timeIndex, log.size(), now);
  }

  /** The segment appends go to keeps its three descriptors open. */
  setActive(active: boolean): void {
    const files = [this.log, this.index.file, this.timeIndex.file];
    if (active !== this.active) for (const file of files) active ? file.pin() : file.unpin();
    this.active = active;
    if (!active) {
      // Indexes of a closed segment live in memory; their files are touched again only by recovery or
      // compaction, which reopen them.
      this.index.file.release();
      this.timeIndex.file.release();
    }
  }

  /** Offsets [firstOffset, lastOffset] of a damaged range holding `offset`, if any. */
  corruptRangeFor(offset: bigint): CorruptRange | undefined {
    for (const range of this.corrupt) if (offset >= range.firstOffset && offset <= range.lastOffset) return range;
    return undefined;
  }

  /** Records bad bytes at the end of the valid log (recovery only): they are kept, skipped and never served. */
  trackCorrupt(range: CorruptRange): void {
    this.corrupt.push(range);
    this.size = range.position + range.size;
    if (range.lastOffset + 1n > this.nextOffset) this.nextOffset = range.lastOffset + 1n;
    this.bytesSinceIndexEntry = 0;
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  /**
   * Sets the in-memory view (next offset, max timestamp, roll time) from a log whose bytes are trusted (a
   * clean shutdown, or the part below the recovery point). Reads the first batch header and the batches
   * after the last index entry, never the whole file.
   */
  loadTail(): void {
    const first = this.firstBatch();
    if (first) this.firstBatchTimestamp = first.maxTimestamp;
    const lastTime = this.timeIndex.last();
    if (lastTime) this.noteTimestamp(lastTime.timestamp, lastTime.offset);
    const from = this.index.entries ? this.index.entry(this.index.entries - 1).position : 0;
    for (const batch of walkBatches(this.log, from, this.size)) {
      this.nextOffset = batch.lastOffset + 1n;
      this.noteTimestamp(batch.maxTimestamp, batch.lastOffset);
    }
  }

  private firstBatch(): BatchInfo | undefined {
    return this.batchesFrom(0).next().value ?? undefined;
  }

  private noteTimestamp(timestamp: number, offset: bigint): void {
    if (timestamp > this.maxTimestamp) {
      this.maxTimestamp = timestamp;
      this.offsetOfMaxTimestamp = offset;
    }
  }

  /**
   * Appends one whole, validated, already-stamped batch. Throws (and leaves the segment exactly as it was)
   * if the log write fails; index writes that fail are reported to `onIndexError` and skipped, since
   * indexes are hints.
   */
  append(batch: Uint8Array, lastOffset: bigint, maxTimestamp: number, onIndexError: (error: unknown) => void): void {
    const position = this.size;
    try {
      this.log.write(batch, 0, batch.length, position);
    } catch (error) {
      this.cutTo(position);
      throw error;
    }
    this.unflushedBytes += batch.length;
    this.track(position, batch.length, lastOffset, maxTimestamp, onIndexError);
  }

  /** Accounts for a batch already in the file at `position` (the end of the valid log): size, offsets, indexes. */
  track(position: number, size: number, lastOffset: bigint, maxTimestamp: number, onIndexError: (error: unknown) => void): void {
    if (position === 0) this.firstBatchTimestamp = maxTimestamp;
    this.size = position + size;
    this.nextOffset = lastOffset + 1n;
    this.noteTimestamp(maxTimestamp, lastOffset);
    // Kafka's rule: index this batch if more than index.interval.bytes were appended since the last entry.
    if (this.bytesSinceIndexEntry > this.indexInterval) {
      try {
        this.index.append(lastOffset, position);
        this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      } catch (error) {
        onIndexError(error);
      }
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += size;
  }

  /**
   * Forgets everything from `position` on, in memory and in the indexes, but leaves the log file alone:
   * recovery re-tracks the batches it finds valid there, then cuts the file after the last one.
   */
  forgetFrom(position: number, firstOffset: bigint): void {
    this.index.truncateToPosition(position);
    this.timeIndex.truncateToOffset(firstOffset);
    this.size = position;
    this.nextOffset = firstOffset;
    this.bytesSinceIndexEntry = 0;
    this.maxTimestamp = -1;
    if (position === 0) this.firstBatchTimestamp = -1;
    const last = this.timeIndex.last();
    if (last) this.noteTimestamp(last.timestamp, last.offset);
    // Batches between the last time-index entry and `position` may carry newer timestamps.
    const from = this.index.entries ? this.index.entry(this.index.entries - 1).position : 0;
    for (const batch of walkBatches(this.log, from, position)) this.noteTimestamp(batch.maxTimestamp, batch.lastOffset);
  }

  /** Set by the log from its config (Kafka `index.interval.bytes`). */
  indexInterval = 4096;

  /** Best effort to cut the file back to `size` after a failed write (a torn batch must never be read). */
  private cutTo(size: number): void {
    try {
      this.log.truncate(size);
    } catch {
      // The in-memory size still excludes the torn bytes, the next append overwrites them, and recovery
      // would cut them by CRC: nothing torn is ever visible.
    }
  }

  /** Reads `length` bytes at `position` of the log, never past its valid end, into a transferable buffer. */
  read(position: number, length: number): Uint8Array {
    const n = Math.max(0, Math.min(length, this.size - position));
    const bytes = unpooledBuffer(n);
    const got = this.log.read(bytes, 0, n, position);
    return got === n ? bytes : bytes.subarray(0, got);
  }

  /**
   * Whole batches from `position` (a batch boundary) up to `maxBytes`, but at least the first batch
   * (`firstSize` bytes): one read, boundaries found in memory.
   */
  readBatches(position: number, firstSize: number, maxBytes: number): Uint8Array {
    let want = Math.max(firstSize, maxBytes);
    // Never into a damaged range: the reader gets what precedes it, then CORRUPT_MESSAGE at its offset.
    for (const range of this.corrupt) if (range.position >= position + firstSize) want = Math.min(want, range.position - position);
    const bytes = this.read(position, want);
    const end = wholeBatchesEnd(bytes, firstSize);
    return end === bytes.length ? bytes : bytes.subarray(0, end);
  }

  /** The first batch whose last offset is >= `offset`, found via the index then a short header walk. */
  findBatch(offset: bigint): BatchInfo | undefined {
    const range = this.corruptRangeFor(offset);
    if (range) {
      throw new CorruptRecordError(
        range.reason,
        `offsets ${range.firstOffset}..${range.lastOffset} of ${this.files.log} failed their check at open (${range.reason}); ` +
          `the bytes are kept for inspection and not served`,
      );
    }
    const start = this.index.lookup(offset);
    for (const batch of this.batchesFrom(start.position)) {
      if (batch.lastOffset >= offset) return batch;
    }
    return undefined;
  }

  /** The batches from `position` on, by header, jumping over damaged ranges. */
  *batchesFrom(position = 0): Generator<BatchInfo> {
    for (const range of this.corrupt) {
      if (range.position + range.size <= position) continue;
      if (range.position > position) yield* walkBatches(this.log, position, range.position);
      position = Math.max(position, range.position + range.size);
    }
    yield* walkBatches(this.log, position, this.size);
  }

  /** Drops every batch at or after `position` (a batch boundary), in the log and its indexes. */
  truncateTo(position: number, nextOffset: bigint): void {
    this.log.truncate(position);
    this.size = position;
    this.index.truncateToPosition(position);
    this.timeIndex.truncateToOffset(nextOffset);
    this.nextOffset = nextOffset;
    this.bytesSinceIndexEntry = 0;
  }

  /** Adds the time-index entry for the newest record (done when the segment stops being active). */
  sealTimeIndex(): void {
    if (this.maxTimestamp >= 0) this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
  }

  /** fsyncs what changed since the last sync (a closed segment with nothing new costs no open). */
  sync(): void {
    if (this.unflushedBytes > 0) this.log.sync();
    this.index.sync();
    this.timeIndex.sync();
    this.unflushedBytes = 0;
  }

  /**
   * fsyncs the log file only. Indexes are hints: after a power cut, open() sanity-checks them and re-derives
   * what is missing or wrong from the log, so making them durable on every flush would buy nothing but two
   * more journal commits. They are fsynced on close.
   */
  async syncAsync(): Promise<void> {
    const flushed = this.unflushedBytes;
    await this.log.syncAsync();
    this.unflushedBytes = Math.max(0, this.unflushedBytes - flushed);
  }

  close(): void {
    this.active = false;
    this.log.close();
    this.index.close();
    this.timeIndex.close();
  }

  /** Closes and deletes the segment's files. */
  delete(fs: FileSystem): void {
    this.close();
    // The transaction index (storage/txn-index.ts) goes with its segment.
    const txnIndex = this.files.log.replace(/\.log$/, ".txnindex");
    for (const path of [this.files.log, this.files.index, this.files.timeIndex, txnIndex]) {
      if (fs.exists(path)) fs.unlink(path);
    }
  }
}
