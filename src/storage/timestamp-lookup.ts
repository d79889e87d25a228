// ListOffsets by timestamp: the first offset whose record timestamp is >= the target. Segments are
// skipped by their max timestamp, the time index narrows the start inside a segment, batch headers
// (max timestamp) narrow it to one batch, and only that batch is decoded.

import { Compression, compressionAt, decodeRecordBatch, viewOf, type DecodeOptions } from "../core/index.js";
import type { PartitionLog } from "./partition-log.js";

export interface TimestampOffset {
  offset: bigint;
  timestamp: number;
}

export function offsetForTimestamp(
  log: PartitionLog,
  timestamp: number,
  decompress?: DecodeOptions["decompress"],
): TimestampOffset | undefined {
  for (const segment of log.segments) {
    if (segment.maxTimestamp < timestamp) continue;
    const before = segment.timeIndex.offsetBefore(timestamp);
    const start = before === undefined ? 0 : segment.index.lookup(before).position;
    for (const batch of segment.batchesFrom(start)) {
      if (batch.maxTimestamp < timestamp || batch.lastOffset < log.logStartOffset) continue;
      const bytes = segment.read(batch.position, batch.size);
      const compression = compressionAt(viewOf(bytes), 0);
      if (compression !== Compression.NONE && !decompress) {
        // Without a codec we cannot look inside: the batch's first offset is the closest safe answer.
        return { offset: batch.baseOffset, timestamp: batch.maxTimestamp };
      }
      const decoded = decodeRecordBatch(bytes, { verify: false, decompress });
      for (const record of decoded.records) {
        if (record.timestamp >= timestamp && record.offset >= log.logStartOffset) {
          return { offset: record.offset, timestamp: record.timestamp };
        }
      }
    }
  }
  return undefined;
}
