// How a partition's producer state survives a restart: a snapshot file (written on clean close and
// periodically) plus a replay of the log tail after the offset it covers. Without a usable snapshot the
// whole log is replayed; producer state is always derivable from the log, so the snapshot only saves time.
//
// File `<partition dir>/producer.snapshot`, replaced atomically (writeFileAtomic), version 1, big-endian:
//
//   0      4       6        10                 18
//   +------+-------+--------+------------------+--------------------------------------------+
//   |"RVPS"| ver=1 | crc32c | offset i64       | table bytes (ProducerStateTable.serialize)  |
//   +------+-------+--------+------------------+--------------------------------------------+
//   crc32c covers bytes [10, end). `offset` is the log end offset the table covers: every batch below it
//   is in the table, none at or above it.
//
// A snapshot whose offset lies past the log end describes batches a crash cut off the log (it was written
// while they were still unflushed). Trusting it would answer the producer's retry of a lost batch as a
// "duplicate" of offsets that no longer hold it, so loadProducerState discards and deletes it and replays
// the whole log instead (Kafka likewise deletes snapshots above the log end on load).

import { join } from "node:path";
import { batchSpans, crc32c, readBatchHeader } from "../core/index.js";
import { writeFileAtomic, type FileSystem } from "../storage/fs.js";
import type { PartitionLog } from "../storage/partition-log.js";
import { storageError } from "../storage/storage-error.js";
import { ProducerStateTable, type ProducerStateOptions } from "./producer-state.js";

export const PRODUCER_SNAPSHOT_FILE = "producer.snapshot";

const FILE_MAGIC = Uint8Array.of(0x52, 0x56, 0x50, 0x53); // "RVPS"
const FILE_VERSION = 1;
const FILE_HEADER = 18;
/** Bytes per log read while replaying: whole batches, at least one even if larger. */
const REPLAY_READ_BYTES = 1 << 20;

export interface ProducerSnapshot {
  table: ProducerStateTable;
  /** The log end offset the table covers. */
  offset: bigint;
}

/** Writes `<dir>/producer.snapshot` atomically. Throws StorageError; a failed snapshot only lengthens the next replay. */
export function writeProducerSnapshot(fs: FileSystem, dir: string, table: ProducerStateTable, logEndOffset: bigint): void {
  const body = table.serialize();
  const bytes = new Uint8Array(FILE_HEADER + body.length);
  const v = new DataView(bytes.buffer);
  bytes.set(FILE_MAGIC, 0);
  v.setUint16(4, FILE_VERSION);
  v.setBigInt64(10, logEndOffset);
  bytes.set(body, FILE_HEADER);
  v.setUint32(6, crc32c(bytes.subarray(10)));
  try {
    writeFileAtomic(fs, join(dir, PRODUCER_SNAPSHOT_FILE), bytes);
  } catch (error) {
    throw storageError("producer snapshot write", error);
  }
}

/** Reads `<dir>/producer.snapshot`; undefined if it is missing, unreadable or corrupt (never throws). */
export function readProducerSnapshot(fs: FileSystem, dir: string, options: ProducerStateOptions = {}): ProducerSnapshot | undefined {
  const path = join(dir, PRODUCER_SNAPSHOT_FILE);
  try {
    if (!fs.exists(path)) return undefined;
    const bytes = fs.readFile(path);
    if (bytes.length < FILE_HEADER || FILE_MAGIC.some((m, i) => bytes[i] !== m)) return undefined;
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (v.getUint16(4) !== FILE_VERSION || v.getUint32(6) !== crc32c(bytes.subarray(10))) return undefined;
    const offset = v.getBigInt64(10);
    if (offset < 0n) return undefined;
    return { table: ProducerStateTable.deserialize(bytes.subarray(FILE_HEADER), options), offset };
  } catch {
    // The log still holds everything the snapshot summarised: the caller replays it instead.
    return undefined;
  }
}

/**
 * Replays the log from `fromOffset` (clamped to the log start) to its end into `table`, recording every
 * idempotent data batch. `table` must hold exactly the batches below `fromOffset`. Batches ending before
 * `fromOffset` are skipped (a read may begin with the batch holding the offset); control batches carry no
 * sequence and are skipped too. If `fromOffset` lies past the log end, the table describes batches the log
 * no longer has (see the top of this file): it is cleared and the whole log replayed.
 */
export function rebuildProducerState(log: PartitionLog, table: ProducerStateTable, fromOffset: bigint): void {
  if (fromOffset > log.logEndOffset) {
    table.clear();
    fromOffset = log.logStartOffset;
  }
  const start = fromOffset < log.logStartOffset ? log.logStartOffset : fromOffset;
  const end = log.logEndOffset;
  let offset = start;
  while (offset < end) {
    // Damage fenced off at open holds no batch the table could use: step over it, never fail the open.
    const damaged = log.corruptRangeFor(offset);
    if (damaged) {
      offset = damaged.lastOffset + 1n > offset ? damaged.lastOffset + 1n : offset + 1n;
      continue;
    }
    const { records } = log.read(offset, REPLAY_READ_BYTES);
    let next = offset;
    for (const { start: at, size } of batchSpans(records)) {
      const header = readBatchHeader(records.subarray(at, at + size));
      const lastOffset = header.baseOffset + BigInt(header.lastOffsetDelta);
      if (lastOffset >= start && header.producerId >= 0n && header.baseSequence >= 0 && !header.isControl) {
        table.record(header, header.baseOffset, lastOffset, header.maxTimestamp);
      }
      if (lastOffset + 1n > next) next = lastOffset + 1n;
    }
    // An empty read (nothing stored at or after `offset`) or no progress ends the replay rather than spinning.
    if (next <= offset) break;
    offset = next;
  }
}

/**
 * Producer state for a freshly opened partition log: the snapshot if usable, plus a replay of the log
 * after it; with no usable snapshot, a replay of the whole log. Call right after PartitionLog.open, before
 * any append. `snapshotOffset` is the offset the replay started from the snapshot at, if one was used.
 */
export function loadProducerState(log: PartitionLog, options: ProducerStateOptions = {}): { table: ProducerStateTable; snapshotOffset: bigint | undefined } {
  const snapshot = readProducerSnapshot(log.fs, log.dir, options);
  if (snapshot !== undefined && snapshot.offset <= log.logEndOffset) {
    rebuildProducerState(log, snapshot.table, snapshot.offset);
    return { table: snapshot.table, snapshotOffset: snapshot.offset };
  }
  if (snapshot !== undefined) deleteStaleSnapshot(log.fs, log.dir);
  const table = new ProducerStateTable(options);
  rebuildProducerState(log, table, log.logStartOffset);
  return { table, snapshotOffset: undefined };
}

// Left in place, a snapshot past the log end would look valid again once appends carry the log past its
// offset, with different batches below it. The delete must be durable before any such append.
function deleteStaleSnapshot(fs: FileSystem, dir: string): void {
  try {
    fs.unlink(join(dir, PRODUCER_SNAPSHOT_FILE));
    fs.syncDir(dir);
  } catch (error) {
    throw storageError("stale producer snapshot delete", error);
  }
}
