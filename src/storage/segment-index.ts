// A segment's two sparse indexes, kept whole in WASM memory (where the binary search runs, with no copy)
// and appended to their files entry by entry. Formats are Kafka's, big-endian:
//
//   <base>.index      (one entry per ~index.interval.bytes of log)
//   +--------------------------+--------------------------+
//   | relative offset  u32     | file position  u32       |   relOffset = batch lastOffset - segment base
//   +--------------------------+--------------------------+   position  = where that batch starts
//
//   <base>.timeindex  (appended alongside, only when the max timestamp grows)
//   +----------------------------------------+--------------------------+
//   | max timestamp so far  i64              | relative offset  u32     |
//   +----------------------------------------+--------------------------+
//
// An index is only ever a hint: every lookup is followed by a forward walk over batch headers, so a missing
// entry costs a little reading, never a wrong answer. That is why a failed index write is not a failed
// append, and why recovery may rebuild an index from the log at any time.

import { IndexBlock, offsetIndexLookup, timeIndexLookup } from "../core/index-search.js";
import { heapView } from "../core/instance.js";
import type { CachedFile } from "./file-cache.js";

export interface OffsetPosition {
  offset: bigint;
  position: number;
}

export interface TimestampOffset {
  timestamp: number;
  offset: bigint;
}

abstract class SegmentIndexFile {
  readonly block: IndexBlock;
  /** Written since the last sync (only then does sync() touch the file, which may have to reopen it). */
  private dirty = false;

  constructor(readonly file: CachedFile, readonly baseOffset: bigint, entrySize: number) {
    const size = file.size();
    // A torn final entry (crash mid-write) is dropped; the file is cut back to whole entries.
    const whole = size - (size % entrySize);
    this.block = new IndexBlock(entrySize, Math.max(whole, 4096));
    if (whole > 0) {
      const bytes = new Uint8Array(whole);
      file.read(bytes, 0, whole, 0);
      this.block.append(bytes);
    }
    if (whole !== size) {
      file.truncate(whole);
      this.dirty = true;
    }
  }

  get entries(): number {
    return this.block.entries;
  }

  protected writeEntry(entry: Uint8Array): void {
    const position = this.block.length;
    // Memory first is safe: a failed file write is undone in memory below; a reader never sees both disagree
    // in a way that matters because entries are hints.
    this.block.append(entry);
    this.dirty = true;
    try {
      this.file.write(entry, 0, entry.length, position);
    } catch (error) {
      this.block.truncateEntries(position / this.block.entrySize);
      throw error;
    }
  }

  /** Keeps the first `entries` entries, in memory and on disk. */
  truncateEntries(entries: number): void {
    this.block.truncateEntries(entries);
    this.file.truncate(this.block.length);
    this.dirty = true;
  }

  /** Replaces the whole index (after a rebuild from the log). */
  replaceWith(bytes: Uint8Array): void {
    this.block.truncateEntries(0);
    this.block.append(bytes);
    this.file.truncate(0);
    this.dirty = true;
    if (bytes.length) this.file.write(bytes, 0, bytes.length, 0);
  }

  sync(): void {
    if (!this.dirty) return;
    this.file.sync();
    this.dirty = false;
  }

  close(): void {
    this.block.close();
    this.file.close();
  }
}

export class OffsetIndex extends SegmentIndexFile {
  constructor(file: CachedFile, baseOffset: bigint) {
    super(file, baseOffset, 8);
  }

  entry(slot: number): OffsetPosition {
    const view = heapView();
    const at = this.block.pointer + slot * 8;
    return { offset: this.baseOffset + BigInt(view.getUint32(at)), position: view.getUint32(at + 4) };
  }

  lastOffset(): bigint | undefined {
    return this.entries ? this.entry(this.entries - 1).offset : undefined;
  }

  append(lastOffset: bigint, position: number): void {
    this.writeEntry(encodeOffsetEntry(lastOffset - this.baseOffset, position));
  }

  /** Where to start walking batches to find `offset`: the indexed batch at or before it, else the segment start. */
  lookup(offset: bigint): OffsetPosition {
    const relative = offset - this.baseOffset;
    if (relative < 0n) return { offset: this.baseOffset, position: 0 };
    const slot = offsetIndexLookup(this.block, relative > 0xffffffffn ? 0xffffffff : Number(relative));
    return slot < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(slot);
  }

  /** Drops entries pointing at or past `position` (the log was cut there). */
  truncateToPosition(position: number): void {
    let keep = this.entries;
    while (keep > 0 && this.entry(keep - 1).position >= position) keep--;
    if (keep !== this.entries) this.truncateEntries(keep);
  }

  /** True if entries are strictly increasing and point inside a log of `logSize` bytes. */
  isConsistentWith(logSize: number): boolean {
    let previous: OffsetPosition | undefined;
    for (let i = 0; i < this.entries; i++) {
      const e = this.entry(i);
      if (e.position >= logSize || e.offset < this.baseOffset) return false;
      if (previous && (e.offset <= previous.offset || e.position <= previous.position)) return false;
      previous = e;
    }
    return true;
  }
}

export class TimeIndex extends SegmentIndexFile {
  constructor(file: CachedFile, baseOffset: bigint) {
    super(file, baseOffset, 12);
  }

  entry(slot: number): TimestampOffset {
    const view = heapView();
    const at = this.block.pointer + slot * 12;
    return { timestamp: Number(view.getBigInt64(at)), offset: this.baseOffset + BigInt(view.getUint32(at + 8)) };
  }

  last(): TimestampOffset | undefined {
    return this.entries ? this.entry(this.entries - 1) : undefined;
  }

  /** Appends only if `timestamp` is above the last entry's (the index stays sorted by timestamp). */
  maybeAppend(timestamp: number, offset: bigint): void {
    const last = this.last();
    if (last && (timestamp <= last.timestamp || offset <= last.offset)) return;
    this.writeEntry(encodeTimeEntry(timestamp, offset - this.baseOffset));
  }

  /** The indexed offset below which every record is older than `timestamp`, or undefined (start of segment). */
  offsetBefore(timestamp: number): bigint | undefined {
    // Entries record the max timestamp seen so far: an entry with ts < target proves every record up to its
    // offset is older than the target.
    const slot = timeIndexLookup(this.block, BigInt(timestamp) - 1n);
    return slot < 0 ? undefined : this.entry(slot).offset;
  }

  /** Drops entries for offsets at or past `offset`. */
  truncateToOffset(offset: bigint): void {
    let keep = this.entries;
    while (keep > 0 && this.entry(keep - 1).offset >= offset) keep--;
    if (keep !== this.entries) this.truncateEntries(keep);
  }

  isConsistentWith(lastOffset: bigint): boolean {
    let previous: TimestampOffset | undefined;
    for (let i = 0; i < this.entries; i++) {
      const e = this.entry(i);
      if (e.offset > lastOffset || e.offset < this.baseOffset) return false;
      if (previous && (e.timestamp <= previous.timestamp || e.offset <= previous.offset)) return false;
      previous = e;
    }
    return true;
  }
}

export function encodeOffsetEntry(relativeOffset: bigint, position: number): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, Number(relativeOffset));
  view.setUint32(4, position);
  return bytes;
}

export function encodeTimeEntry(timestamp: number, relativeOffset: bigint): Uint8Array {
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(0, BigInt(timestamp));
  view.setUint32(8, Number(relativeOffset));
  return bytes;
}
