// Searches over Kafka segment indexes held as their on-disk big-endian bytes (see assembly/index-search.ts
// for the layouts). The storage layer keeps each open index inside WASM memory (an IndexBlock), so a
// lookup is one call with no copy.

import { InvalidArgumentError } from "../errors/index.js";
import { allocOrThrow, core, heap, Region } from "./instance.js";

export const OFFSET_INDEX_ENTRY_SIZE = 8;
export const TIME_INDEX_ENTRY_SIZE = 12;

/**
 * A growable block of WASM memory holding one index file's bytes. Appends go to the end; the block doubles
 * when full. `close()` returns the memory to the core.
 */
export class IndexBlock {
  private ptr = 0;
  private capacity = 0;
  length = 0;

  constructor(readonly entrySize: number, initialBytes = 4096) {
    this.grow(initialBytes);
  }

  get entries(): number {
    return Math.floor(this.length / this.entrySize);
  }

  get pointer(): number {
    return this.ptr;
  }

  private grow(minCapacity: number): void {
    let next = Math.max(this.capacity * 2, 64);
    while (next < minCapacity) next *= 2;
    const ptr = allocOrThrow(next);
    if (this.ptr !== 0) {
      heap().copyWithin(ptr, this.ptr, this.ptr + this.length);
      core.free(this.ptr);
    }
    this.ptr = ptr;
    this.capacity = next;
  }

  /** Appends raw entry bytes (whole entries, big-endian as on disk). */
  append(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.capacity) this.grow(this.length + bytes.length);
    heap().set(bytes, this.ptr + this.length);
    this.length += bytes.length;
  }

  /** Drops entries past `entries`. */
  truncateEntries(entries: number): void {
    this.length = Math.min(this.length, entries * this.entrySize);
  }

  /** A copy of the current bytes (for writing the file). */
  bytes(): Uint8Array {
    return heap().slice(this.ptr, this.ptr + this.length);
  }

  close(): void {
    if (this.ptr !== 0) core.free(this.ptr);
    this.ptr = 0;
    this.capacity = 0;
    this.length = 0;
  }
}

/** Slot of the largest offset-index entry with relOffset <= target, or -1. */
export function offsetIndexLookup(block: IndexBlock, target: number): number {
  if (target < 0) return -1;
  return core.offset_index_lookup(block.pointer, block.entries, Math.min(target, 0xffffffff) >>> 0);
}

/** Slot of the largest time-index entry with timestamp <= target, or -1. */
export function timeIndexLookup(block: IndexBlock, target: bigint): number {
  return core.time_index_lookup(block.pointer, block.entries, target);
}

const scratch = new Region(4096);

/** One-shot lookups over index bytes not held in an IndexBlock (tests, tools). */
export function searchOffsetIndex(indexBytes: Uint8Array, target: number): number {
  if (indexBytes.length % OFFSET_INDEX_ENTRY_SIZE !== 0) {
    throw new InvalidArgumentError(`offset index length ${indexBytes.length} is not a multiple of 8`);
  }
  if (target < 0) return -1;
  const ptr = scratch.load(indexBytes);
  return core.offset_index_lookup(ptr, indexBytes.length / OFFSET_INDEX_ENTRY_SIZE, Math.min(target, 0xffffffff) >>> 0);
}

export function searchTimeIndex(indexBytes: Uint8Array, target: bigint): number {
  if (indexBytes.length % TIME_INDEX_ENTRY_SIZE !== 0) {
    throw new InvalidArgumentError(`time index length ${indexBytes.length} is not a multiple of 12`);
  }
  const ptr = scratch.load(indexBytes);
  return core.time_index_lookup(ptr, indexBytes.length / TIME_INDEX_ENTRY_SIZE, target);
}
