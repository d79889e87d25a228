// Transaction state of one partition, inside its owner shard: which producers have a transaction open here
// (and from which offset), the aborted transactions (the .txnindex entries), the last stable offset, and
// the control batches (commit/abort markers) that end a transaction here.
//
// Behavior (Kafka's ProducerStateManager + TransactionIndex, for one node):
// - A transactional data batch from producer P opens P's transaction here at its base offset, unless one
//   is open already. The LSO is the first offset of the earliest open transaction, else the log end (the
//   high watermark of a single node).
// - writeMarker appends one control batch: attributes transactional|control, P's id and epoch, base
//   sequence -1, one record with key = version int16 0 + type int16 (0 abort, 1 commit) and value =
//   version int16 0 + coordinator epoch int32. It closes P's transaction; an abort with an open
//   transaction adds an index entry {P, first offset, marker offset, LSO after} to the .txnindex of the
//   segment holding the marker. With no open transaction of P here (a coordinator finishing an end again
//   after a restart, or a partition added to a transaction that never wrote to it) nothing is appended:
//   there is nothing to close, and re-sent markers leave no duplicates (Kafka appends them anyway).
// - A marker whose coordinator epoch (the leader epoch of the transactional id's __transaction_state
//   partition) is below the last one written here for the same producer comes from a deposed coordinator:
//   TRANSACTION_COORDINATOR_FENCED (52), nothing appended (Kafka's ProducerStateManager check). The epochs
//   are rebuilt from the markers in the log at open, and followers learn them from the replicated markers.
// - open(): if the partition ever held a transactional batch (`txn.seen`, written before the first one is
//   appended), the log is scanned (batch headers, plus the one record of each control batch) to rebuild
//   the open transactions and the aborted list, and every segment's .txnindex is rewritten where it
//   differs. Partitions that never saw a transaction skip the scan.

import { join } from "node:path";
import { Attributes, batchSpans, decodeRecordBatch, encodeRecordBatch, readBatchHeader, type BatchHeader } from "../core/index.js";
import { writeFileAtomic } from "../storage/fs.js";
import type { PartitionLog } from "../storage/partition-log.js";
import { storageError } from "../storage/storage-error.js";
import { appendTxnIndex, readTxnIndex, writeTxnIndex, type AbortedTxn } from "../storage/txn-index.js";
import { KafkaProtocolError } from "../errors/index.js";

export const TXN_SEEN_FILE = "txn.seen";
const SCAN_READ_BYTES = 1 << 20;

export const ControlType = { ABORT: 0, COMMIT: 1 } as const;

/** A control batch (marker) for producer `producerId` at `producerEpoch`, as Kafka's EndTransactionMarker writes it. */
export function encodeMarker(producerId: bigint, producerEpoch: number, commit: boolean, coordinatorEpoch: number, timestamp = Date.now()): Uint8Array {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setInt16(2, commit ? ControlType.COMMIT : ControlType.ABORT);
  const value = new Uint8Array(6);
  new DataView(value.buffer).setInt32(2, coordinatorEpoch);
  return encodeRecordBatch([{ key, value, timestamp }], {
    producerId,
    producerEpoch,
    baseSequence: -1,
    attributes: Attributes.TRANSACTIONAL | Attributes.CONTROL,
  });
}

/** The control type of a control batch (0 abort, 1 commit), or undefined if it holds no readable record. */
export function controlTypeOf(batch: Uint8Array): number | undefined {
  return markerFields(batch)?.type;
}

/** A marker's control type and coordinator epoch (-1 when its value is too short to carry one). */
function markerFields(batch: Uint8Array): { type: number; coordinatorEpoch: number } | undefined {
  try {
    const { key, value } = decodeRecordBatch(batch, { verify: false }).records[0] ?? {};
    if (!key || key.length < 4) return undefined;
    const type = new DataView(key.buffer, key.byteOffset, key.byteLength).getInt16(2);
    const coordinatorEpoch = value && value.length >= 6 ? new DataView(value.buffer, value.byteOffset, value.byteLength).getInt32(2) : -1;
    return { type, coordinatorEpoch };
  } catch {
    return undefined;
  }
}

export class PartitionTxns {
  /** Producer id → first offset of its open transaction here. */
  private readonly ongoing = new Map<bigint, bigint>();
  /** Aborted transactions, in marker order (so by lastOffset). */
  private aborted: AbortedTxn[] = [];
  /**
   * Producer id → the coordinator epoch of its latest marker here (Kafka's ProducerStateEntry
   * coordinatorEpoch): a marker from an older coordinator epoch is a deposed coordinator's, and is refused.
   */
  private readonly coordinatorEpochs = new Map<bigint, number>();
  private seen: boolean;

  private constructor(private readonly log: PartitionLog) {
    this.seen = log.fs.exists(join(log.dir, TXN_SEEN_FILE));
  }

  static open(log: PartitionLog): PartitionTxns {
    const txns = new PartitionTxns(log);
    if (txns.seen) txns.rebuild();
    return txns;
  }

  /** First offset of the earliest open transaction, else the log end. */
  lastStableOffset(end = this.log.logEndOffset): bigint {
    let lso = end;
    for (const first of this.ongoing.values()) if (first < lso) lso = first;
    return lso;
  }

  /** Open transactions here, producer id → first offset (DescribeProducers' currentTxnStartOffset). */
  openTransactions(): ReadonlyMap<bigint, bigint> {
    return this.ongoing;
  }

  /** The coordinator epoch of the producer's latest marker here, -1 when none (DescribeProducers). */
  coordinatorEpochOf(producerId: bigint): number {
    return this.coordinatorEpochs.get(producerId) ?? -1;
  }

  /** Call before appending a transactional data batch: makes sure a restart will scan for it. */
  beforeTransactionalAppend(): void {
    if (this.seen) return;
    try {
      writeFileAtomic(this.log.fs, join(this.log.dir, TXN_SEEN_FILE), new Uint8Array(0));
    } catch (error) {
      throw storageError("transaction marker file write", error);
    }
    this.seen = true;
  }

  /** Records an appended transactional data batch at `baseOffset`. */
  noteData(producerId: bigint, baseOffset: bigint): void {
    if (!this.ongoing.has(producerId)) this.ongoing.set(producerId, baseOffset);
  }

  /** Cluster mode, on a follower: a transactional batch (data or marker) copied from the leader at `baseOffset`. */
  replicated(batch: Uint8Array, baseOffset: bigint): void {
    this.beforeTransactionalAppend();
    const header = readBatchHeader(batch);
    this.replay({ ...header, baseOffset }, batch);
  }

  /** Appends a commit or abort marker for `producerId` and closes its transaction here; offset -1 if none was open. */
  writeMarker(producerId: bigint, producerEpoch: number, commit: boolean, coordinatorEpoch: number, leaderEpoch = 0): { offset: bigint } {
    const latest = this.coordinatorEpochs.get(producerId) ?? -1;
    if (coordinatorEpoch < latest) {
      throw new KafkaProtocolError("TRANSACTION_COORDINATOR_FENCED", `marker for producer ${producerId} from coordinator epoch ${coordinatorEpoch}; epoch ${latest} already wrote here`);
    }
    if (!this.ongoing.has(producerId)) return { offset: -1n };
    const appended = this.log.append(encodeMarker(producerId, producerEpoch, commit, coordinatorEpoch, this.log.clock()), leaderEpoch);
    this.coordinatorEpochs.set(producerId, coordinatorEpoch);
    const entry = this.complete(producerId, commit, appended.baseOffset);
    if (entry) {
      const segment = this.log.segments[this.log.segmentIndexFor(appended.baseOffset)] ?? this.log.activeSegment;
      try {
        appendTxnIndex(this.log.fs, this.log.dir, segment.baseOffset, entry);
      } catch (error) {
        // Derived data: the next open rebuilds it from the log.
        this.log.logger.warn("transaction index append failed", { error });
      }
    }
    return { offset: appended.baseOffset };
  }

  /** Aborted transactions overlapping [from, upTo): what a read_committed fetch must announce. */
  abortedIn(from: bigint, upTo: bigint): { producerId: bigint; firstOffset: bigint }[] {
    const out: { producerId: bigint; firstOffset: bigint }[] = [];
    for (const e of this.aborted) {
      if (e.lastOffset >= from && e.firstOffset < upTo) out.push({ producerId: e.producerId, firstOffset: e.firstOffset });
    }
    return out;
  }

  /** True when `offset` lies in a transaction of `producerId` that was aborted (compaction drops it). */
  isAborted(producerId: bigint, offset: bigint): boolean {
    return this.aborted.some((e) => e.producerId === producerId && e.firstOffset <= offset && offset < e.lastOffset);
  }

  /** Forgets index entries wholly below the log start (their segments are gone). */
  dropBelow(logStartOffset: bigint): void {
    if (this.aborted.length && this.aborted[0]!.lastOffset < logStartOffset) this.aborted = this.aborted.filter((e) => e.lastOffset >= logStartOffset);
  }

  private complete(producerId: bigint, commit: boolean, markerOffset: bigint): AbortedTxn | undefined {
    const first = this.ongoing.get(producerId);
    if (first === undefined) return undefined;
    this.ongoing.delete(producerId);
    if (commit) return undefined;
    const entry = { producerId, firstOffset: first, lastOffset: markerOffset, lastStableOffset: this.lastStableOffset(markerOffset + 1n) };
    this.aborted.push(entry);
    return entry;
  }

  private rebuild(): void {
    const log = this.log;
    let offset = log.logStartOffset;
    const end = log.logEndOffset;
    while (offset < end) {
      const damaged = log.corruptRangeFor(offset);
      if (damaged) {
        offset = damaged.lastOffset + 1n > offset ? damaged.lastOffset + 1n : offset + 1n;
        continue;
      }
      const { records } = log.read(offset, SCAN_READ_BYTES);
      let next = offset;
      for (const { start, size } of batchSpans(records)) {
        const bytes = records.subarray(start, start + size);
        const header = readBatchHeader(bytes);
        const lastOffset = header.baseOffset + BigInt(header.lastOffsetDelta);
        if (lastOffset >= offset) this.replay(header, bytes);
        if (lastOffset + 1n > next) next = lastOffset + 1n;
      }
      if (next <= offset) break;
      offset = next;
    }
    // The .txnindex files, rewritten where they differ from what the log says.
    for (const segment of log.segments) {
      const expected = this.aborted.filter((e) => e.lastOffset >= segment.baseOffset && e.lastOffset < segment.nextOffset);
      const found = readTxnIndex(log.fs, log.dir, segment.baseOffset);
      const same = found.length === expected.length && found.every((e, i) => sameEntry(e, expected[i]!));
      if (!same) {
        try {
          writeTxnIndex(log.fs, log.dir, segment.baseOffset, expected);
        } catch (error) {
          log.logger.warn("transaction index rewrite failed", { error });
        }
      }
    }
  }

  private replay(header: BatchHeader, bytes: Uint8Array): void {
    if (!header.isTransactional || header.producerId < 0n) return;
    if (!header.isControl) {
      this.noteData(header.producerId, header.baseOffset);
      return;
    }
    const marker = markerFields(bytes);
    if (marker?.type !== ControlType.ABORT && marker?.type !== ControlType.COMMIT) return;
    this.complete(header.producerId, marker.type === ControlType.COMMIT, header.baseOffset);
    if (marker.coordinatorEpoch > (this.coordinatorEpochs.get(header.producerId) ?? -1)) this.coordinatorEpochs.set(header.producerId, marker.coordinatorEpoch);
  }
}

function sameEntry(a: AbortedTxn, b: AbortedTxn): boolean {
  return a.producerId === b.producerId && a.firstOffset === b.firstOffset && a.lastOffset === b.lastOffset && a.lastStableOffset === b.lastStableOffset;
}
