// A partition log's durability: when its appended bytes are fdatasynced, how far they are known to be
// (the recovery point), and when that is written to the checkpoint file. One per PartitionLog, on the same
// thread, so nothing here locks either. acks=all waits on flush() (through the shard's group commit).
//
// Ordering that callers rely on (docs/storage.md, "The durability contract"):
// - flush() resolves only once an fdatasync that began at or after the log end it saw has returned, so
//   everything appended before the call is on disk; it throws if the log closed before that happened.
// - The recovery point only moves up to the log end a finished flush began at, and never past a
//   truncation made while that flush ran (recoveryEpoch).

import { StorageError } from "../errors/index.js";
import { FailureEpisodes } from "../failure-episodes.js";
import type { Logger } from "../log.js";
import { writeCheckpoint, writeCheckpointAsync } from "./checkpoint.js";
import type { FileSystem } from "./fs.js";
import type { LogConfig } from "./log-config.js";
import type { Segment } from "./segment.js";
import { storageError } from "./storage-error.js";

/**
 * fdatasyncs one partition may have in flight at once. Two let a batch that lands during a flush start
 * its own at once instead of waiting for that flush to end (docs/benchmarks.md, "Overlapping fdatasyncs");
 * four measured no better than two.
 */
const MAX_FLUSHES_IN_FLIGHT = 2;

/**
 * A failing disk fails every flush of the partition (the periodic one each flush.ms, every acks=all round):
 * logged once per partition and episode. Whoever awaited a flush gets its error besides.
 */
const fsyncFailures = FailureEpisodes.byObject<LogFlusher>({
  started: "fsync failed: data written since the last good one is not durable; acks=all producers get KAFKA_STORAGE_ERROR",
  continues: "fsync still failing",
  ended: "fsync succeeds again",
});
/** A stale checkpoint only means a longer rescan after a crash: logged once per partition and episode. */
const checkpointFailures = FailureEpisodes.byObject<LogFlusher>({
  started: "checkpoint write failed",
  continues: "checkpoint write still failing",
  ended: "checkpoint writes succeed again",
});

/** What the flusher reads of the log it makes durable (PartitionLog; read live, the segments change). */
export interface FlushedLog {
  readonly dir: string;
  readonly config: LogConfig;
  readonly fs: FileSystem;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly segments: readonly Segment[];
  readonly activeSegment: Segment;
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
  /** Closed or abandoned: no flush or checkpoint may start, and none in flight may be taken as current. */
  readonly isClosed: boolean;
}

export class LogFlusher {
  /** Every offset below this is fsynced. */
  recoveryPoint = 0n;
  /** The recovery point as last written to the checkpoint file. */
  checkpointedRecoveryPoint = -1n;
  private unflushedMessages = 0;
  private lastFlushTime: number;
  private lastCheckpointTime = 0;
  /** Bumped by every synchronous checkpoint write, so an asynchronous one in flight knows it is stale. */
  private checkpointWrites = 0;
  private checkpointInFlight: Promise<void> | undefined;
  /** fdatasyncs running now, each with the log end it covers (see flush()). */
  private readonly flushesInFlight: Array<{ upTo: bigint; done: Promise<void> }> = [];
  /** Bumped when the recovery point moves down (truncation), so a flush begun before cannot move it past the cut. */
  private recoveryEpoch = 0;
  /** A segment was created since the directory was last fsynced. */
  private dirDirty = false;

  /**
   * `checkpointIntervalMs`: minimum interval between checkpoint writes that only advance the recovery point
   * (PartitionLogOptions.checkpointIntervalMs).
   */
  constructor(
    private readonly log: FlushedLog,
    private readonly checkpointIntervalMs: number,
  ) {
    this.lastFlushTime = log.clock();
  }

  /**
   * Counts an append's records toward flush.messages; once they reach it, starts a background flush and
   * returns it (resolves once that fsync covers the append).
   */
  appended(recordCount: number): Promise<void> | undefined {
    this.unflushedMessages += recordCount;
    if (this.unflushedMessages >= this.log.config.flushMessages) {
      const flushed = this.flush();
      // Whoever awaits `flushed` sees the error, and runFlush logged it; nobody else has to.
      flushed.catch(() => undefined);
      return flushed;
    }
    return undefined;
  }

  /** A segment file was created: the directory entry must be fsynced with the next flush. */
  segmentCreated(): void {
    this.dirDirty = true;
  }

  /**
   * fsyncs everything appended so far. Concurrent callers share fsyncs: a flush in flight covers every
   * append made before it started. A caller it does not cover starts its own at once, up to
   * MAX_FLUSHES_IN_FLIGHT, instead of waiting for it to end first: an fdatasync started after a write
   * covers that write whatever else is running, and two overlapping ones finish sooner than two in a row
   * (docs/storage.md, "Group commit"). Past the limit, callers wait for a slot and then share the next.
   */
  async flush(): Promise<void> {
    const target = this.log.logEndOffset;
    while (this.recoveryPoint < target && !this.log.isClosed) {
      const covering = this.flushesInFlight.find((f) => f.upTo >= target);
      if (covering) await covering.done;
      else if (this.flushesInFlight.length < MAX_FLUSHES_IN_FLIGHT) await this.startFlush();
      else await Promise.race(this.flushesInFlight.map((f) => f.done));
    }
    // Closed without a final sync (abandon, topic deletion): whoever waits must not take it as durable.
    if (this.recoveryPoint < target) throw new StorageError(`partition log ${this.log.dir} closed before its data was fsynced`);
  }

  /**
   * Truncation: moves the recovery point down to `offset`, and no flush begun before may move it up again
   * (what it covered past `offset` is gone; what is appended there now is not covered by it).
   */
  lowerRecoveryPoint(offset: bigint): void {
    if (this.recoveryPoint > offset) this.recoveryPoint = offset;
    this.recoveryEpoch++;
  }

  private startFlush(): Promise<void> {
    const flush = { upTo: this.log.logEndOffset, done: this.runFlush() };
    this.flushesInFlight.push(flush);
    const settled = () => void this.flushesInFlight.splice(this.flushesInFlight.indexOf(flush), 1);
    flush.done.then(settled, settled);
    return flush.done;
  }

  private async runFlush(): Promise<void> {
    const log = this.log;
    const upTo = log.logEndOffset;
    const epoch = this.recoveryEpoch;
    const dirty = log.segments.filter((s) => s.unflushedBytes > 0 || s === log.activeSegment);
    this.unflushedMessages = 0;
    this.lastFlushTime = log.clock();
    try {
      await Promise.all(dirty.map((s) => s.syncAsync()));
      if (this.dirDirty) {
        this.dirDirty = false;
        log.fs.syncDir(log.dir);
      }
    } catch (error) {
      fsyncFailures.failed(this, log.logger, { error });
      throw storageError("fsync", error);
    }
    fsyncFailures.succeeded(this, log.logger);
    if (upTo > this.recoveryPoint && epoch === this.recoveryEpoch) this.recoveryPoint = upTo;
    this.maybeCheckpoint();
  }

  /**
   * Called periodically by the owner: fsyncs if data has waited flush.ms, and persists a recovery point
   * that advanced since the checkpoint was last written (at most once per checkpointIntervalMs, so a
   * crash rescans at most about that much more than it must).
   */
  maybeFlush(): Promise<void> | undefined {
    this.maybeCheckpoint();
    if (this.recoveryPoint >= this.log.logEndOffset) return undefined;
    if (this.log.clock() - this.lastFlushTime < this.log.config.flushMs) return undefined;
    return this.flush();
  }

  /**
   * Persists the recovery point if it moved and the last write is old enough; the write's fsync runs off
   * the owner thread. Returns the write in flight, if one was started.
   */
  maybeCheckpoint(): Promise<void> | undefined {
    const log = this.log;
    if (log.isClosed || this.checkpointInFlight || this.recoveryPoint === this.checkpointedRecoveryPoint) return undefined;
    if (log.clock() - this.lastCheckpointTime < this.checkpointIntervalMs) return undefined;
    const checkpoint = { logStartOffset: log.logStartOffset, recoveryPoint: this.recoveryPoint, clean: false };
    const writes = this.checkpointWrites;
    this.lastCheckpointTime = log.clock();
    this.checkpointInFlight = writeCheckpointAsync(log.fs, log.dir, checkpoint, () => writes === this.checkpointWrites && !log.isClosed)
      .then((written) => {
        if (written) this.checkpointedRecoveryPoint = checkpoint.recoveryPoint;
        checkpointFailures.succeeded(this, log.logger);
      })
      .catch((error: unknown) => checkpointFailures.failed(this, log.logger, { error }))
      .finally(() => (this.checkpointInFlight = undefined));
    return this.checkpointInFlight;
  }

  writeCheckpoint(clean: boolean): void {
    try {
      this.writeCheckpointOrThrow(clean);
      checkpointFailures.succeeded(this, this.log.logger);
    } catch (error) {
      // A stale checkpoint only means a longer rescan after a crash; say so and carry on.
      checkpointFailures.failed(this, this.log.logger, { error });
    }
  }

  /**
   * The same write, failing loudly: for a moved log start, where a stale checkpoint is not a longer rescan
   * but deleted records back after a crash (delete-records.ts).
   */
  writeCheckpointOrThrow(clean: boolean): void {
    const log = this.log;
    this.checkpointWrites++;
    writeCheckpoint(log.fs, log.dir, { logStartOffset: log.logStartOffset, recoveryPoint: this.recoveryPoint, clean });
    this.lastCheckpointTime = log.clock();
    this.checkpointedRecoveryPoint = this.recoveryPoint;
  }

  /** Waits for every flush and the checkpoint write in flight to end (first step of a graceful close). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.flushesInFlight.map((f) => f.done));
    // Read only now: the flushes just settled may have started one.
    await this.checkpointInFlight;
  }

  /** Last step of a graceful close: fsyncs every segment synchronously and records a clean shutdown. */
  syncAllForClose(): void {
    const log = this.log;
    for (const segment of log.segments) segment.sync();
    this.recoveryPoint = log.logEndOffset;
    this.writeCheckpoint(true);
  }
}
