// Time- and size-based retention (cleanup.policy=delete): whole closed segments are deleted from the
// oldest end, whether or not anyone has read them. The active segment is never deleted.
//
// Crash safety: the new log start offset is checkpointed (durably) before any file is removed, so a crash
// midway leaves segments that the next open recognises as below the log start and deletes.
//
// In cluster mode only segments wholly below the high watermark go (`deletableEnd`, as Kafka's
// deletableSegments): records the in-sync replicas do not have yet are not expired from under them.

import type { PartitionLog } from "./partition-log.js";

export interface RetentionResult {
  deletedSegments: number;
  deletedBytes: number;
  logStartOffset: bigint;
}

export function enforceRetention(log: PartitionLog, deletableEnd?: bigint): RetentionResult {
  const result = { deletedSegments: 0, deletedBytes: 0, logStartOffset: log.logStartOffset };
  const { config } = log;
  if (!config.cleanupPolicy.includes("delete")) return result;
  const now = log.clock();
  let excess = config.retentionBytes >= 0 ? log.sizeInBytes - config.retentionBytes : 0;
  let count = 0;
  // Walk the closed segments from the oldest; stop at the first one both limits allow us to keep.
  while (count < log.segments.length - 1) {
    const segment = log.segments[count]!;
    if (deletableEnd !== undefined && log.segments[count + 1]!.baseOffset > deletableEnd) break;
    const newest = segment.maxTimestamp >= 0 ? segment.maxTimestamp : segment.createdAt;
    const expired = config.retentionMs >= 0 && now - newest > config.retentionMs;
    const oversize = excess > 0 && excess >= segment.size;
    if (!expired && !oversize) break;
    excess -= segment.size;
    count++;
  }
  if (count === 0) return result;

  const doomed = log.segments.slice(0, count);
  const newStart = log.segments[count]!.baseOffset;
  log.logStartOffset = newStart > log.logStartOffset ? newStart : log.logStartOffset;
  log.writeCheckpoint(false);
  log.segments = log.segments.slice(count);
  for (const segment of doomed) {
    result.deletedBytes += segment.size;
    segment.delete(log.fs);
  }
  log.fs.syncDir(log.dir);
  result.deletedSegments = count;
  result.logStartOffset = log.logStartOffset;
  log.logger.info("retention deleted segments", { ...result });
  return result;
}
