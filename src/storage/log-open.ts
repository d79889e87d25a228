// Opening a partition directory: finish or discard what a crash interrupted (compaction swaps, retention
// deletes, temp files), open the segments, trust what the checkpoint says is safe, and recover the rest.

import type { PartitionCheckpoint } from "./checkpoint.js";
import type { FileSystem } from "./fs.js";
import type { Logger } from "../log.js";
import type { LogConfig } from "./log-config.js";
import { recoverSegment } from "./recovery.js";
import { Segment, segmentFileName, segmentFiles } from "./segment.js";
import { join } from "node:path";

const LOG_NAME = /^(\d{20})\.log$/;

/** What opening needs of the log being opened (PartitionLog satisfies it; naming it keeps this file from importing partition-log.ts back). */
export interface OpeningLog {
  readonly dir: string;
  readonly fs: FileSystem;
  readonly config: Pick<LogConfig, "indexIntervalBytes">;
  readonly logger: Logger;
  readonly clock: () => number;
}

export interface OpenedSegments {
  segments: Segment[];
  logStartOffset: bigint;
  recoveryPoint: bigint;
}

export function openSegments(log: OpeningLog, checkpoint: PartitionCheckpoint | undefined): OpenedSegments {
  const { fs, dir } = log;
  const rebuild = finishInterruptedWork(log);
  let bases = fs
    .list(dir)
    .map((name) => LOG_NAME.exec(name)?.[1])
    .filter((base): base is string => base !== undefined)
    .map((base) => BigInt(base))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  let logStartOffset = checkpoint?.logStartOffset ?? bases[0] ?? 0n;
  // A retention pass advanced the log start and crashed before deleting: finish its work.
  while (bases.length > 1 && bases[1]! <= logStartOffset) {
    deleteSegmentFiles(log, bases.shift()!);
  }
  if (bases.length === 0) {
    const segment = Segment.open(fs, dir, logStartOffset, log.clock());
    segment.indexInterval = log.config.indexIntervalBytes;
    fs.syncDir(dir);
    return { segments: [segment], logStartOffset, recoveryPoint: logStartOffset };
  }
  if (logStartOffset < bases[0]!) logStartOffset = bases[0]!;

  const clean = checkpoint?.clean === true;
  const recoveryPoint = checkpoint?.recoveryPoint ?? 0n;
  const segments: Segment[] = [];
  const onIndexError = (error: unknown) => log.logger.warn("index write failed during recovery", { error });
  let minOffset = bases[0]!;
  let recovered = false;
  for (let i = 0; i < bases.length; i++) {
    const base = bases[i]!;
    const segment = Segment.open(fs, dir, base, log.clock());
    segment.indexInterval = log.config.indexIntervalBytes;
    segments.push(segment);
    const nextBase = bases[i + 1];
    const indexesSane = segment.index.isConsistentWith(segment.size) && segment.timeIndex.isConsistentWith(nextBase ?? 2n ** 63n);
    const belowRecoveryPoint = nextBase !== undefined && nextBase <= recoveryPoint;
    if ((clean || belowRecoveryPoint) && indexesSane && !rebuild.has(base)) {
      segment.loadTail();
    } else {
      // Rescan from the last indexed batch known to be fsynced (entries below the recovery point were
      // synced with the log), or from the start when the indexes cannot be trusted.
      const start =
        indexesSane && !rebuild.has(base) && recoveryPoint > base ? segment.index.lookup(recoveryPoint - 1n).position : 0;
      const result = recoverSegment(segment, start, minOffset, onIndexError);
      recovered = true;
      if (result.truncatedBytes > 0) {
        const dropped = bases.slice(i + 1);
        for (const later of dropped) deleteSegmentFiles(log, later);
        log.logger.warn("recovery truncated the log", {
          segment: segmentFileName(base, ".log"),
          validBytes: segment.size,
          truncatedBytes: result.truncatedBytes,
          reason: result.stopReason,
          logEndOffset: segment.nextOffset,
          laterSegmentsDeleted: dropped.length,
        });
        break;
      }
    }
    minOffset = segment.nextOffset;
  }
  if (recovered) {
    // What recovery kept may still be only in the page cache (a process crash, not a power cut): make it
    // durable before anyone relies on it.
    for (const segment of segments) segment.sync();
    fs.syncDir(dir);
  }
  const logEndOffset = segments[segments.length - 1]!.nextOffset;
  return { segments, logStartOffset, recoveryPoint: logEndOffset };
}

/**
 * Completes or discards work a crash interrupted. Returns the bases of segments whose log was replaced by
 * a compaction swap (their indexes must be rebuilt).
 */
function finishInterruptedWork(log: OpeningLog): Set<bigint> {
  const { fs, dir } = log;
  const rebuild = new Set<bigint>();
  for (const name of fs.list(dir)) {
    const path = join(dir, name);
    if (name.endsWith(".cleaned") || name.endsWith(".tmp") || name.endsWith(".deleted")) {
      fs.unlink(path);
    } else if (name.endsWith(".log.swap")) {
      // The compacted copy was complete and committed (renamed to .swap) before the crash: install it.
      const base = BigInt(name.slice(0, 20));
      const files = segmentFiles(dir, base);
      for (const index of [files.index, files.timeIndex]) if (fs.exists(index)) fs.unlink(index);
      fs.rename(path, files.log);
      rebuild.add(base);
    }
  }
  if (rebuild.size) fs.syncDir(dir);
  return rebuild;
}

function deleteSegmentFiles(log: OpeningLog, base: bigint): void {
  const files = segmentFiles(log.dir, base);
  for (const path of [files.log, files.index, files.timeIndex]) if (log.fs.exists(path)) log.fs.unlink(path);
  log.fs.syncDir(log.dir);
}
