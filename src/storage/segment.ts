// One segment of a partition log: `<base>.log` (RecordBatch v2 bytes exactly as Kafka stores them, batch
// after batch) plus its two sparse indexes. A segment only ever grows at its end, by whole batches, from
// one thread; `size` is the end of the last whole batch, and nothing past it is ever served.

import { join } from "node:path";
import type { FileHandle, FileSystem } from "./fs.js";
import { unpooledBuffer, walkBatches, type BatchInfo } from "./batch-cursor.js";
import { OffsetIndex, TimeIndex } from "./segment-index.js";
import { wholeBatchesEnd } from "../core/index.js";

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

  private constructor(
    readonly baseOffset: bigint,
    dir: string,
    readonly log: FileHandle,
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

  /** Opens (or creates) the segment's files. `size` is the trusted length of its log; the caller checks it. */
  static open(fs: FileSystem, dir: string, baseOffset: bigint, now: number): Segment {
    const files = segmentFiles(dir, baseOffset);
    const log = fs.open(files.log, true);
    const index = new OffsetIndex(fs.open(files.index, true), baseOffset);
    const timeIndex = new TimeIndex(fs.open(files.timeIndex, true), baseOffset);
    return new Segment(baseOffset, dir, log, index, timeIndex, log.size(), now);
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
    return walkBatches(this.log, 0, this.size).next().value ?? undefined;
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
    const bytes = this.read(position, Math.max(firstSize, maxBytes));
    const end = wholeBatchesEnd(bytes, firstSize);
    return end === bytes.length ? bytes : bytes.subarray(0, end);
  }

  /** The first batch whose last offset is >= `offset`, found via the index then a short header walk. */
  findBatch(offset: bigint): BatchInfo | undefined {
    const start = this.index.lookup(offset);
    for (const batch of walkBatches(this.log, start.position, this.size)) {
      if (batch.lastOffset >= offset) return batch;
    }
    return undefined;
  }

  /** The batches from `position` on, by header. */
  batchesFrom(position = 0): Generator<BatchInfo> {
    return walkBatches(this.log, position, this.size);
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

  sync(): void {
    this.log.sync();
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
    this.log.close();
    this.index.close();
    this.timeIndex.close();
  }

  /** Closes and deletes the segment's files. */
  delete(fs: FileSystem): void {
    this.close();
    for (const path of [this.files.log, this.files.index, this.files.timeIndex]) {
      if (fs.exists(path)) fs.unlink(path);
    }
  }
}
