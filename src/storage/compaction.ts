// Log compaction (cleanup.policy=compact): closed segments are rewritten keeping, for each key, only the
// record with the highest offset; offsets are preserved (a kept record keeps its offset, batches keep their
// base offset and lastOffsetDelta), so consumers see gaps, never renumbering. Tombstones (null value) are
// kept until their timestamp is older than delete.retention.ms, then dropped. The active segment is neither
// rewritten nor used to supersede (as Kafka's cleaner stops at the first uncleanable offset); in cluster mode
// neither is a segment that reaches the high watermark (`cleanableEnd`): records not yet on the in-sync
// replicas may still be cut by a truncation, and must not have removed the committed records they supersede.
//
// Crash safety, per segment:
//   1. write <base>.log.cleaned, fsync            crash here: .cleaned is deleted on open, old log intact
//   2. rename to <base>.log.swap, fsync the dir   commit point
//   3. rename .swap over <base>.log, fsync dir    crash between 2 and 3: open finishes the rename
//   4. rebuild the indexes from the new log       (open also rebuilds them for any swap it completed)
//
// Compressed batches are compacted like the others, as Kafka's cleaner does: decompressed (their keys count
// in pass 1), and when a record goes the survivors are re-encoded and compressed back with the batch's own
// codec (src/core/codecs.ts), so a compacted gzip/snappy/lz4/zstd topic stays compressed on disk. Keeping
// them whole instead would let a key that only ever arrives compressed (every librdkafka producer with
// compression.type set) grow forever. A batch that does not decompress is kept as it is.

import { compress, decompress } from "../core/codecs.js";
import {
  BATCH_HEADER_SIZE,
  Compression,
  compressionAt,
  decodeRecordBatch,
  encodeRecordBatch,
  viewOf,
  type DecodedBatch,
  type RecordInput,
  withCompressedRecords,
} from "../core/index.js";
import type { PartitionLog } from "./partition-log.js";
import { recoverSegment } from "./recovery.js";
import { Segment } from "./segment.js";

export interface CompactionResult {
  segmentsRewritten: number;
  recordsRemoved: number;
  bytesBefore: number;
  bytesAfter: number;
}

const keyOf = (key: Uint8Array): string => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");

/**
 * Transactions, as the shard knows them (src/shard/txn-state.ts). With it, compaction works as Kafka's
 * cleaner: records of aborted transactions neither supersede nor survive; records at or past the last
 * stable offset (open transactions) are kept and supersede nothing. Markers (control batches) are always
 * kept, with or without it.
 */
export interface CompactionTransactions {
  isAborted(producerId: bigint, offset: bigint): boolean;
  lastStableOffset(): bigint;
}

/**
 * Compacts the closed segments wholly below `cleanableEnd` (default: all of them); yields to the event loop
 * between segments so the owner keeps serving.
 */
export async function compactLog(log: PartitionLog, yieldNow: () => Promise<void> = defaultYield, txns?: CompactionTransactions, cleanableEnd?: bigint): Promise<CompactionResult> {
  const result: CompactionResult = { segmentsRewritten: 0, recordsRemoved: 0, bytesBefore: 0, bytesAfter: 0 };
  if (!log.config.cleanupPolicy.includes("compact")) return result;
  let count = log.segments.length - 1;
  // A segment is wholly below the bound when the next one starts at or below it.
  if (cleanableEnd !== undefined) while (count > 0 && log.segments[count]!.baseOffset > cleanableEnd) count--;
  const closed = log.segments.slice(0, count);
  if (closed.length === 0) return result;

  // Pass 1: the latest offset of every key in the closed segments.
  const latest = new Map<string, bigint>();
  for (const segment of closed) {
    forEachDecodedBatch(log, segment, (batch) => {
      // Transaction markers are not keyed data (every commit marker has the same key bytes).
      if (batch.isControl) return;
      if (txns && batch.isTransactional && (batch.baseOffset >= txns.lastStableOffset() || txns.isAborted(batch.producerId, batch.baseOffset))) return;
      for (const record of batch.records) if (record.key) latest.set(keyOf(record.key), record.offset);
    });
    await yieldNow();
  }

  // Pass 2: rewrite each closed segment that loses something.
  const tombstoneHorizon = log.clock() - log.config.deleteRetentionMs;
  for (const segment of closed) {
    if (!log.segments.includes(segment)) continue; // retention removed it meanwhile
    // Damaged bytes below the recovery point are kept for inspection: never rewrite them away.
    if (segment.corrupt.length) continue;
    const kept: Uint8Array[] = [];
    let removed = 0;
    for (const info of segment.batchesFrom(0)) {
      const bytes = segment.read(info.position, info.size);
      const batch = tryDecode(log, bytes);
      // Markers are always kept (read_committed readers need them to find where transactions end).
      if (!batch || batch.isControl) {
        kept.push(bytes);
        continue;
      }
      if (txns && batch.isTransactional) {
        if (batch.baseOffset >= txns.lastStableOffset()) {
          kept.push(bytes);
          continue;
        }
        if (txns.isAborted(batch.producerId, batch.baseOffset)) {
          removed += batch.records.length;
          continue;
        }
      }
      const survivors = batch.records.filter(
        (r) => !r.key || (latest.get(keyOf(r.key)) === r.offset && (r.value !== null || r.timestamp >= tombstoneHorizon)),
      );
      removed += batch.records.length - survivors.length;
      if (survivors.length === batch.records.length) kept.push(bytes);
      else if (survivors.length > 0) kept.push(await reencode(batch, survivors, compressionAt(viewOf(bytes), 0)));
    }
    if (removed > 0) {
      result.bytesBefore += segment.size;
      const replacement = swapIn(log, segment, kept);
      result.bytesAfter += replacement.size;
      result.segmentsRewritten++;
      result.recordsRemoved += removed;
    }
    await yieldNow();
  }
  if (result.segmentsRewritten) log.logger.info("compaction rewrote segments", { ...result });
  return result;
}

function forEachDecodedBatch(log: PartitionLog, segment: Segment, visit: (batch: DecodedBatch) => void): void {
  for (const info of segment.batchesFrom(0)) {
    const batch = tryDecode(log, segment.read(info.position, info.size));
    if (batch) visit(batch);
  }
}

/** The decoded batch, or undefined (logged) when a compressed one does not decompress. */
function tryDecode(log: PartitionLog, bytes: Uint8Array): DecodedBatch | undefined {
  if (compressionAt(viewOf(bytes), 0) === Compression.NONE) return decodeRecordBatch(bytes, { verify: false });
  try {
    return decodeRecordBatch(bytes, { verify: false, decompress });
  } catch (error) {
    log.logger.warn("compaction keeps a compressed batch it cannot decode", { error });
    return undefined;
  }
}

async function reencode(batch: DecodedBatch, survivors: DecodedBatch["records"], compression: number): Promise<Uint8Array> {
  const records: RecordInput[] = survivors.map((r) => ({
    key: r.key,
    value: r.value,
    headers: r.headers,
    timestamp: r.timestamp,
    offsetDelta: Number(r.offset - batch.baseOffset),
  }));
  const plain = encodeRecordBatch(records, {
    baseOffset: batch.baseOffset,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    attributes: batch.attributes & ~0x07,
    lastOffsetDelta: batch.lastOffsetDelta,
  });
  return compression === Compression.NONE ? plain : recompress(plain, compression);
}

/**
 * The same batch with its records section [61, end) compressed: the compression bits set in the attributes,
 * batchLength and the CRC (over [21, end)) rewritten; the other header fields are unchanged.
 */
async function recompress(plain: Uint8Array, compression: number): Promise<Uint8Array> {
  return withCompressedRecords(plain, compression, await compress(compression, plain.subarray(BATCH_HEADER_SIZE)));
}

/** Steps 1-4 above for one segment; returns the new Segment, already in `log.segments`. */
function swapIn(log: PartitionLog, old: Segment, batches: Uint8Array[]): Segment {
  const { fs } = log;
  const cleaned = `${old.files.log}.cleaned`;
  const swap = `${old.files.log}.swap`;
  const file = fs.open(cleaned, true);
  try {
    file.truncate(0);
    let position = 0;
    for (const bytes of batches) {
      file.write(bytes, 0, bytes.length, position);
      position += bytes.length;
    }
    file.sync();
  } finally {
    file.close();
  }
  fs.rename(cleaned, swap);
  fs.syncDir(log.dir);

  // Old indexes go first: were they to outlive the swap, they would describe the wrong bytes. Open handles
  // keep the old files readable until the rename lands.
  for (const index of [old.files.index, old.files.timeIndex]) if (fs.exists(index)) fs.unlink(index);
  fs.rename(swap, old.files.log);
  fs.syncDir(log.dir);
  old.close();

  const replacement = log.newSegment(old.baseOffset);
  recoverSegment(replacement, 0, old.baseOffset, (error) => log.logger.warn("index write failed", { error }));
  replacement.sealTimeIndex();
  replacement.unflushedBytes = replacement.size;
  replacement.sync();
  replacement.setActive(false);
  // Keep the segment's offset range: the next segment's base is where it ends, whatever it still holds.
  if (replacement.nextOffset < old.nextOffset) replacement.nextOffset = old.nextOffset;
  log.segments[log.segments.indexOf(old)] = replacement;
  return replacement;
}

const defaultYield = () => new Promise<void>((resolve) => setImmediate(resolve));
