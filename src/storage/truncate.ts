// Replica truncation (cluster mode): a follower whose log holds a tail the new leader never had cuts it
// off before fetching again (Kafka's truncation by leader epoch, KIP-101/279). Only called with offsets
// at or above the high watermark the follower knew, so nothing acknowledged to a client is ever cut.
//
// Crash safety: the recovery point is moved down and checkpointed before files shrink, so a crash midway
// rescans (and CRC-checks) whatever remains instead of trusting a recovery point past the new end.

import { InvalidArgumentError } from "../errors/index.js";
import type { PartitionLog } from "./partition-log.js";

/** Drops every batch from the one holding `offset` on. Returns the new log end offset. */
export function truncateLogTo(log: PartitionLog, offset: bigint): bigint {
  if (offset >= log.logEndOffset) return log.logEndOffset;
  if (offset < log.logStartOffset) throw new InvalidArgumentError(`cannot truncate to ${offset}: below the log start ${log.logStartOffset}`);
  log.lowerRecoveryPoint(offset);
  log.writeCheckpoint(false);
  const index = log.segmentIndexFor(offset);
  const doomed = log.segments.slice(index + 1);
  const segment = log.segments[index]!;
  log.segments = log.segments.slice(0, index + 1);
  for (const s of doomed) s.delete(log.fs);
  // A batch boundary at or below `offset` (truncation points are epoch starts, so normally exactly it).
  const batch = segment.findBatch(offset);
  if (batch) segment.truncateTo(batch.position, batch.baseOffset);
  segment.setActive(true);
  if (doomed.length) log.fs.syncDir(log.dir);
  log.logger.info("log truncated", { offset, logEndOffset: log.logEndOffset, deletedSegments: doomed.length });
  return log.logEndOffset;
}
