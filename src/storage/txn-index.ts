// The transaction index of a segment: `<base>.txnindex`, Kafka's TransactionIndex format. One entry per
// transaction aborted by a marker in that segment, in marker order, 34 bytes each, big-endian:
//
//   0        2              10             18            26                  34
//   +--------+--------------+--------------+-------------+-------------------+
//   | ver=0  | producerId   | firstOffset  | lastOffset  | lastStableOffset  |
//   +--------+--------------+--------------+-------------+-------------------+
//
// firstOffset is the transaction's first data offset in the partition, lastOffset the abort marker's
// offset, lastStableOffset the partition's LSO once the abort completed. A read_committed Fetch lists the
// entries overlapping the fetched range as aborted_transactions (producer id + first offset) and the client
// drops those producers' records up to their abort marker.
//
// The index is derived data: the owner rebuilds it from the log at open (src/shard/txn-state.ts), so a
// crash between a marker append and its index write loses nothing, and files are rewritten only when the
// rebuilt entries differ. Entries are appended without fsync for the same reason.

import { join } from "node:path";
import { StorageError } from "../errors/index.js";
import type { FileSystem } from "./fs.js";
import { segmentFileName } from "./segment.js";

export const TXN_INDEX_SUFFIX = ".txnindex";
export const TXN_INDEX_ENTRY_SIZE = 34;

export interface AbortedTxn {
  producerId: bigint;
  firstOffset: bigint;
  /** The abort marker's offset. */
  lastOffset: bigint;
  lastStableOffset: bigint;
}

export function txnIndexPath(dir: string, baseOffset: bigint): string {
  return join(dir, segmentFileName(baseOffset, TXN_INDEX_SUFFIX));
}

export function encodeTxnIndex(entries: readonly AbortedTxn[]): Uint8Array {
  const out = new Uint8Array(entries.length * TXN_INDEX_ENTRY_SIZE);
  const v = new DataView(out.buffer);
  entries.forEach((e, i) => {
    const p = i * TXN_INDEX_ENTRY_SIZE;
    v.setInt16(p, 0);
    v.setBigInt64(p + 2, e.producerId);
    v.setBigInt64(p + 10, e.firstOffset);
    v.setBigInt64(p + 18, e.lastOffset);
    v.setBigInt64(p + 26, e.lastStableOffset);
  });
  return out;
}

/** Decodes a .txnindex file's bytes. Throws StorageError on a torn file or an unknown entry version. */
export function decodeTxnIndex(bytes: Uint8Array): AbortedTxn[] {
  if (bytes.length % TXN_INDEX_ENTRY_SIZE !== 0) {
    throw new StorageError(`transaction index of ${bytes.length} bytes is not a whole number of ${TXN_INDEX_ENTRY_SIZE}-byte entries`, { retriable: false });
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: AbortedTxn[] = [];
  for (let p = 0; p < bytes.length; p += TXN_INDEX_ENTRY_SIZE) {
    const version = v.getInt16(p);
    if (version !== 0) throw new StorageError(`transaction index entry version ${version} is unknown`, { retriable: false });
    out.push({ producerId: v.getBigInt64(p + 2), firstOffset: v.getBigInt64(p + 10), lastOffset: v.getBigInt64(p + 18), lastStableOffset: v.getBigInt64(p + 26) });
  }
  return out;
}

/** The entries of `<dir>/<base>.txnindex`, [] when there is none or it cannot be read. */
export function readTxnIndex(fs: FileSystem, dir: string, baseOffset: bigint): AbortedTxn[] {
  const path = txnIndexPath(dir, baseOffset);
  try {
    return fs.exists(path) ? decodeTxnIndex(fs.readFile(path)) : [];
  } catch {
    return [];
  }
}

/** Appends one entry to the segment's index (created if missing). */
export function appendTxnIndex(fs: FileSystem, dir: string, baseOffset: bigint, entry: AbortedTxn): void {
  const file = fs.open(txnIndexPath(dir, baseOffset), true);
  try {
    const size = file.size();
    // A torn tail (crash mid-write) is cut back to whole entries before appending.
    const at = size - (size % TXN_INDEX_ENTRY_SIZE);
    const bytes = encodeTxnIndex([entry]);
    file.write(bytes, 0, bytes.length, at);
    if (at + bytes.length < size) file.truncate(at + bytes.length);
  } finally {
    file.close();
  }
}

/** Replaces the segment's index with exactly `entries` (deleting it when empty). */
export function writeTxnIndex(fs: FileSystem, dir: string, baseOffset: bigint, entries: readonly AbortedTxn[]): void {
  const path = txnIndexPath(dir, baseOffset);
  if (entries.length === 0) {
    if (fs.exists(path)) fs.unlink(path);
    return;
  }
  const bytes = encodeTxnIndex(entries);
  const file = fs.open(path, true);
  try {
    file.truncate(0);
    file.write(bytes, 0, bytes.length, 0);
  } finally {
    file.close();
  }
}
