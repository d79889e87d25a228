// Opening a partition directory: finish or discard what a crash interrupted (compaction swaps, retention
// deletes, temp files), open the segments, trust what the checkpoint says is safe, and recover the rest.

import type { CheckpointRead } from "./checkpoint.js";
import type { FileSystem } from "./fs.js";
import type { Logger } from "../log.js";
import { recoverSegment, tailIsValid } from "./recovery.js";
import { Segment, segmentFileName, segmentFiles } from "./segment.js";
import { join } from "node:path";

const LOG_NAME = /^(\d{20})\.log$/;

/** What opening needs of the log being opened (PartitionLog satisfies it; naming it keeps this file from importing partition-log.ts back). */
export interface OpeningLog {
  readonly dir: string;
  readonly fs: FileSystem;
  readonly logger: Logger;
  /** Opens one segment's files (through the log's descriptor cache, with its index interval). */
  newSegment(baseOffset: bigint): Segment;
  /** Counts damaged ranges fenced off below the recovery point. */
  corruptRanges: number;
}

export interface OpenedSegments {
  segments: Segment[];
  logStartOffset: bigint;
  recoveryPoint: bigint;
}

export function openSegments(log: OpeningLog, read: CheckpointRead): OpenedSegments {
  const { fs, dir } = log;
  const rebuild = finishInterruptedWork(log);
  const bases = fs
    .list(dir)
    .map((name) => LOG_NAME.exec(name)?.[1])
    .filter((base): base is string => base !== undefined)
    .map((base) => BigInt(base))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const checkpoint = read.kind === "ok" ? read.checkpoint : undefined;
  if (read.kind !== "ok" && bases.length > 0) {
    // Without a checkpoint nothing says what was fsynced: rescan everything, and treat every batch as if it
    // had been (damage is reported and fenced off, never cut, and no segment is deleted).
    log.logger.warn(read.kind === "missing" ? "partition checkpoint missing; rescanning the whole log" : "partition checkpoint unusable; rescanning the whole log", {
      file: join(dir, "partition.checkpoint"),
      ...(read.kind === "invalid" ? { reason: read.reason } : {}),
      segments: bases.length,
    });
  }
  let logStartOffset = checkpoint?.logStartOffset ?? bases[0] ?? 0n;
  const lastBase = bases[bases.length - 1];
  // A retention pass advanced the log start and crashed before deleting: finish its work. Only when the
  // log start is provably inside the log (at most the last segment's base); one past that is checked
  // against the real log end below, and never deletes anything if it is wrong.
  if (lastBase !== undefined && logStartOffset <= lastBase) {
    while (bases.length > 1 && bases[1]! <= logStartOffset) deleteSegmentFiles(log, bases.shift()!);
  }
  if (bases.length === 0) {
    const segment = log.newSegment(logStartOffset);
    fs.syncDir(dir);
    return { segments: [segment], logStartOffset, recoveryPoint: logStartOffset };
  }
  if (logStartOffset < bases[0]!) logStartOffset = bases[0]!;

  const clean = checkpoint?.clean === true;
  // Unknown when there is no usable checkpoint: every batch then counts as fsynced.
  const recoveryPoint = checkpoint?.recoveryPoint;
  const segments: Segment[] = [];
  const onIndexError = (error: unknown) => log.logger.warn("index write failed during recovery", { error });
  let minOffset = bases[0]!;
  let recovered = false;
  for (let i = 0; i < bases.length; i++) {
    const base = bases[i]!;
    const segment = log.newSegment(base);
    segments.push(segment);
    const nextBase = bases[i + 1];
    const isLast = nextBase === undefined;
    const indexesSane =
      !rebuild.has(base) && segment.index.isConsistentWith(segment.size) && segment.timeIndex.isConsistentWith(nextBase ?? 2n ** 63n);
    const lastEntry = indexesSane && segment.index.entries ? segment.index.entry(segment.index.entries - 1) : undefined;
    const trusted = recoveryPoint !== undefined && (clean || (nextBase !== undefined && nextBase <= recoveryPoint));
    // Trusted segments (a clean stop, or wholly below the recovery point) are read only at their tail: the
    // batches after the last index entry must be whole and pass their CRC, and the file must end exactly
    // where the last one does. Whatever the clean flag says.
    if (trusted && indexesSane && tailIsValid(segment, lastEntry?.position ?? 0, lastEntry ? segment.baseOffset : minOffset)) {
      segment.loadTail();
    } else {
      // Rescan from the last indexed batch known to be fsynced (entries below the recovery point were
      // synced with the log; a trusted segment's entries all were), or from the start when the indexes
      // cannot be trusted.
      const from = trusted ? lastEntry : recoveryPoint !== undefined && recoveryPoint > base && indexesSane ? segment.index.lookup(recoveryPoint - 1n) : undefined;
      const start = from?.position ?? 0;
      const scanFrom = segment.size;
      const result = recoverSegment(segment, start, minOffset, onIndexError, { recoveryPoint, isLast, nextBase });
      recovered = true;
      // What was rescanned may be only in the page cache (a process crash): sync it before relying on it.
      segment.unflushedBytes = Math.max(segment.size, 1);
      for (const range of result.corrupt) {
        log.corruptRanges++;
        log.logger.error("corrupt data below the recovery point: kept on disk, refused to readers", {
          segment: segmentFileName(base, ".log"),
          position: range.position,
          bytes: range.size,
          firstOffset: range.firstOffset,
          lastOffset: range.lastOffset,
          reason: range.reason,
          recoveryPoint: recoveryPoint ?? "unknown",
        });
      }
      if (result.truncatedBytes > 0) {
        const dropped = bases.slice(i + 1);
        for (const later of dropped) deleteSegmentFiles(log, later);
        log.logger.warn("recovery truncated the log", {
          segment: segmentFileName(base, ".log"),
          validBytes: segment.size,
          truncatedBytes: result.truncatedBytes,
          reason: result.stopReason,
          logEndOffset: segment.nextOffset,
          cleanShutdown: clean,
          fileBytes: scanFrom,
          laterSegmentsDeleted: dropped.length,
        });
        break;
      }
    }
    minOffset = segment.nextOffset;
    // A closed segment's indexes now live in memory: give their descriptors back right away.
    if (!isLast) segment.setActive(false);
  }
  const logEndOffset = segments[segments.length - 1]!.nextOffset;
  if (logStartOffset > logEndOffset) {
    // Never act on it (that could hide or delete data): say so, and serve what is there.
    log.logger.warn("checkpoint log start offset is past the log end; ignoring it", {
      file: join(dir, "partition.checkpoint"),
      logStartOffset,
      logEndOffset,
      using: segments[0]!.baseOffset,
    });
    logStartOffset = segments[0]!.baseOffset;
  } else {
    // The deferred retention leftovers (log start past the last segment's base but within the log).
    while (segments.length > 1 && segments[1]!.baseOffset <= logStartOffset) {
      const doomed = segments.shift()!;
      doomed.close();
      deleteSegmentFiles(log, doomed.baseOffset);
    }
  }
  if (recoveryPoint !== undefined && recoveryPoint > logEndOffset && !recovered) {
    log.logger.warn("checkpoint recovery point is past the log end", { recoveryPoint, logEndOffset });
  }
  if (recovered) {
    for (const segment of segments) segment.sync();
    fs.syncDir(dir);
  }
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
