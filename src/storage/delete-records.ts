// DeleteRecords (Kafka's AdminClient.deleteRecords / kafka-delete-records): moves a partition's log start
// offset forward, so records below it are no longer readable, and deletes the closed segments that lie
// wholly below it. The segment holding the new start stays (its earlier batches are unreachable, and go
// when retention or a later call removes the segment), as in Kafka.
//
// Crash safety as in retention.ts: the new log start is checkpointed durably before any file goes, so a
// crash midway leaves only segments the next open recognises as below the start and deletes.

import { OffsetOutOfRangeError } from "../errors/index.js";
import { FailureEpisodes } from "../failure-episodes.js";
import type { PartitionLog } from "./partition-log.js";

/**
 * Logs whose last log start checkpoint write failed. The client only sees KAFKA_STORAGE_ERROR (no message
 * field in DeleteRecords), so the operator needs the cause in the log, once per episode.
 */
const checkpointFailures = FailureEpisodes.byObject<PartitionLog>({
  started: "log start not moved: its checkpoint could not be written; DeleteRecords fails until it can",
  continues: "log start not moved again: checkpoint write failed",
  ended: "log start checkpoint writes succeed again",
});

/**
 * Advances the log start to `offset` (-1 = the high watermark). An offset below the current start is a
 * no-op (Kafka answers with the current low watermark); above the high watermark: OffsetOutOfRangeError.
 * Returns the log start offset afterwards (Kafka's low_watermark).
 */
export function deleteRecordsBefore(log: PartitionLog, offset: bigint): bigint {
  const target = offset === -1n ? log.highWatermark : offset;
  if (target < 0n || target > log.highWatermark) {
    throw new OffsetOutOfRangeError(`cannot delete records before ${offset}: the partition holds [${log.logStartOffset}, ${log.highWatermark}]`, log.logStartOffset, log.logEndOffset);
  }
  if (target <= log.logStartOffset) return log.logStartOffset;
  // Durable before it counts: on a failed write (a full disk) the log start stays where it was, and the
  // caller gets the error. Moved in memory only, a follower would confirm it to its leader's DeleteRecords
  // (log-start-sync.ts) and a restart would serve the deleted records again.
  const previous = log.logStartOffset;
  log.logStartOffset = target;
  try {
    log.writeCheckpointOrThrow();
  } catch (error) {
    log.logStartOffset = previous;
    checkpointFailures.failed(log, log.logger, { logStartOffset: previous, requested: target, error });
    throw error;
  }
  checkpointFailures.succeeded(log, log.logger, { logStartOffset: target });
  let count = 0;
  // A closed segment can go when the next one starts at or below the new log start.
  while (count < log.segments.length - 1 && log.segments[count + 1]!.baseOffset <= target) count++;
  if (count > 0) {
    const doomed = log.segments.slice(0, count);
    log.segments = log.segments.slice(count);
    for (const segment of doomed) segment.delete(log.fs);
    log.fs.syncDir(log.dir);
  }
  log.logger.info("records deleted", { logStartOffset: target, deletedSegments: count });
  return target;
}
