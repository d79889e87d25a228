// Emptying a partition's log in place (cluster mode): a broker that no longer replicates a partition drops
// its data (Kafka's StopReplica with delete=true), and a follower whose log lies wholly outside its
// leader's restarts at the leader's log start (Kafka's truncateFullyAndStartAt). The directory, and the
// topic, stay: only the segments, their indexes and the producer snapshot go.
//
// Crash safety: the new log start is checkpointed durably first, then segments are deleted oldest first
// (what remains is always a contiguous tail), then the fresh segment is created. At any point the next open
// finds either the old log (intact, or a contiguous tail of it whose start the checkpoint no longer claims)
// or an empty one: log-open.ts deletes segments wholly below a provable log start and otherwise ignores a
// start past the log end. The caller re-runs the reset until it completes (it is idempotent). On a full
// disk the first checkpoint write can fail (logged, not thrown): the reset goes on, since freeing the space
// is often why it runs, and a crash part-way then leaves a contiguous tail of the old log under the old
// checkpoint, which the re-run removes (test/cluster/replica-clean-full-disk.test.ts runs it on a full disk).

import { join } from "node:path";
import { InvalidArgumentError } from "../errors/index.js";
import type { PartitionLog } from "./partition-log.js";

/** The producer snapshot (shard/producer-snapshot.ts) would otherwise survive: storage must not import shard. */
const PRODUCER_SNAPSHOT = "producer.snapshot";

/**
 * Deletes every segment and starts the log empty at `startOffset`. Allowed when `startOffset` is at or past
 * the log end, or the log holds no record (start = end): offsets never go back below stored data. Returns
 * the bytes freed.
 */
export function resetLog(log: PartitionLog, startOffset: bigint): number {
  if (startOffset < 0n) throw new InvalidArgumentError(`cannot reset a log to ${startOffset}`);
  const empty = log.logStartOffset === log.logEndOffset;
  if (startOffset < log.logEndOffset && !empty) {
    throw new InvalidArgumentError(`cannot reset to ${startOffset}: the log holds [${log.logStartOffset}, ${log.logEndOffset})`);
  }
  const freed = log.sizeInBytes;
  log.logStartOffset = startOffset;
  log.lowerRecoveryPoint(startOffset);
  log.writeCheckpoint(false);
  const snapshot = join(log.dir, PRODUCER_SNAPSHOT);
  if (log.fs.exists(snapshot)) log.fs.unlink(snapshot);
  const doomed = log.segments;
  for (const segment of doomed) segment.delete(log.fs);
  log.fs.syncDir(log.dir);
  const fresh = log.newSegment(startOffset);
  log.segments = [fresh];
  fresh.setActive(true);
  log.fs.syncDir(log.dir);
  log.recoveryPoint = startOffset;
  log.writeCheckpoint(false);
  log.logger.info("log emptied", { logStartOffset: startOffset, deletedSegments: doomed.length, bytesFreed: freed });
  return freed;
}
