// The consumer's held queue: what arrived from the broker and the application has not been handed yet, in
// arrival order, between the socket (Consumer.onFrame) and the reader (next(), `for await`, batches(),
// rows()). A chunk is held as one entry of its records (or, until a record reader has been chosen and for
// rows(), of its raw bytes: chunk-rows.ts) and one for its end: taking a chunk's end moves its partition's
// position and gives its bytes back as credit (consumer-credit.ts), so the broker may send more only as the
// application consumes. Errors wait in line with the records, thrown when reached.

import type { ChunkReader, ConsumedRows, HeldChunk } from "./chunk-rows.js";
import type { ConsumerCredit } from "./consumer-credit.js";
import type { ReadPositions } from "./consumer-positions.js";
import type { ConsumedRecord, Entry } from "./consumer-types.js";
import type { CorruptBatchError } from "./errors.js";

type RecordsEntry = Extract<Entry, { kind: "records" }>;

const NO_RECORDS: ConsumedRecord[] = [];

export class ChunkQueue {
  private readonly entries: Entry[] = [];
  private head = 0;
  /** Bytes of the chunks held: received, their end not taken or dropped yet. */
  private held = 0;
  /** The records entry being handed out from: it says itself how far it got (syncConsumed()). */
  private current: RecordsEntry | undefined;

  constructor(
    private readonly positions: ReadPositions,
    private readonly credit: ConsumerCredit,
    private readonly reader: ChunkReader,
    /** A corrupt batch was found in a held chunk: its partition takes no more chunks until a seek. */
    private readonly halt: (partition: number) => void,
  ) {}

  /** Records held here and not yet handed to the application. */
  get heldBytes(): number {
    return this.held;
  }

  /** A received chunk of `bytes`: its decoded records, then its end (the partition's next offset). */
  addChunk(partition: number, records: ConsumedRecord[], nextOffset: bigint, bytes: number): void {
    this.held += bytes;
    if (records.length > 0) this.entries.push({ kind: "records", partition, records, at: 0 });
    this.entries.push({ kind: "end", partition, nextOffset, bytes });
  }

  /** A received chunk held undecoded (chunk-rows.ts), then its end. */
  addHeld(chunk: HeldChunk, nextOffset: bigint): void {
    const bytes = chunk.frame.records.length;
    this.held += bytes;
    this.entries.push(chunk, { kind: "end", partition: chunk.partition, nextOffset, bytes });
  }

  push(entry: Entry): void {
    this.entries.push(entry);
  }

  /** A chunk dropped as it arrived (its partition is seeking or halted): its bytes go back as credit. */
  refuse(bytes: number): void {
    this.credit.returned(bytes, this.held);
  }

  /** The broker cannot send a batch of `neededBytes` within the credit left (STALLED). */
  stalled(neededBytes: number): void {
    this.credit.stalled(neededBytes, this.held);
  }

  /**
   * The next held record, handled synchronously, or undefined when none is held. Chunk ends on the way
   * move positions and return credit; an error entry is thrown.
   */
  take(): ConsumedRecord | undefined {
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head]!;
      if (entry.kind === "records" && entry.at < entry.records.length) {
        if (entry !== this.current) {
          this.syncConsumed();
          this.current = entry;
        }
        // (Bounds checked first: reading past an array's end is a slow path in V8.)
        return entry.records[entry.at++]!;
      }
      if (entry.kind === "chunk") {
        this.decodeHeld(entry);
        continue;
      }
      this.release();
      if (entry.kind === "records") {
        if (entry === this.current) this.syncConsumed();
        entry.records = NO_RECORDS;
        continue;
      }
      if (entry.kind === "end") {
        this.syncConsumed();
        this.passEnd(entry.partition, entry.nextOffset, entry.bytes);
        continue;
      }
      throw entry.error;
    }
    return undefined;
  }

  /**
   * The next batch's rows (rows()), or undefined when nothing is held. Its records count as consumed at
   * once: the partition's position moves past its last row.
   */
  takeRows(): ConsumedRows | undefined {
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head]!;
      if (entry.kind === "chunk") {
        let rows: ConsumedRows | undefined;
        try {
          rows = this.reader.nextRows(entry);
        } catch (error) {
          this.corruptAt(entry, error as CorruptBatchError);
          throw error;
        }
        if (rows !== undefined) {
          this.positions.handedOut(entry.partition, rows.offset(rows.count - 1));
          return rows;
        }
        this.release();
        continue;
      }
      // A record reader decoded this chunk: the two kinds of reader do not share a consumer (Consumer.readAs()).
      if (entry.kind === "records") throw new Error("records decoded for a record reader are held by a row reader");
      this.release();
      if (entry.kind === "end") {
        this.passEnd(entry.partition, entry.nextOffset, entry.bytes);
        continue;
      }
      throw entry.error;
    }
    return undefined;
  }

  /** Records `current`'s progress in the positions (the consumed offsets lag it until this is called). */
  syncConsumed(): void {
    const entry = this.current;
    if (entry === undefined) return;
    this.current = undefined;
    if (entry.at > 0 && entry.records !== NO_RECORDS) this.positions.handedOut(entry.partition, entry.records[entry.at - 1]!.offset);
  }

  /** Drops everything held and the credit bookkeeping of the old stream (a new subscription follows). */
  dropAll(): void {
    this.syncConsumed();
    this.entries.length = 0;
    this.head = 0;
    this.held = 0;
    this.credit.reset();
  }

  /**
   * Drops what is held for some partitions (not handed out yet), returning its credit; entries before
   * index `from` (default: all held) stay.
   */
  drop(partitions: Set<number>, from = this.head): void {
    this.syncConsumed();
    const kept: Entry[] = this.entries.slice(this.head, from);
    for (const entry of this.entries.slice(from)) {
      if ((entry.kind === "records" || entry.kind === "chunk") && partitions.has(entry.partition)) continue;
      if (entry.kind === "end" && partitions.has(entry.partition)) {
        this.held -= entry.bytes;
        this.credit.returned(entry.bytes, this.held);
        continue;
      }
      if (entry.kind === "error" && entry.partition !== undefined && partitions.has(entry.partition)) continue;
      kept.push(entry);
    }
    this.entries.length = 0;
    this.entries.push(...kept);
    this.head = 0;
  }

  /** Lets go of the head entry: a queue that keeps its entries keeps every record of them alive. */
  private release(): void {
    this.head++;
    if (this.head === this.entries.length) {
      this.entries.length = 0;
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }

  private passEnd(partition: number, nextOffset: bigint, bytes: number): void {
    this.positions.advance(partition, nextOffset);
    this.held -= bytes;
    this.credit.returned(bytes, this.held);
    this.credit.lendIfCaughtUp(this.held);
  }

  /**
   * A record reader reached a held chunk (it arrived before the consumer knew its reader): decodes it whole,
   * in its place, as it would have been on arrival.
   */
  private decodeHeld(chunk: HeldChunk): void {
    const { records, corrupt } = this.reader.records(chunk.frame);
    const decoded: Entry[] = records.length > 0 ? [{ kind: "records", partition: chunk.partition, records, at: 0 }] : [];
    this.entries.splice(this.head, 1, ...decoded);
    if (corrupt) {
      const end = this.entries[this.head + decoded.length] as Extract<Entry, { kind: "end" }>;
      end.nextOffset = corrupt.offset;
      this.entries.splice(this.head + decoded.length + 1, 0, { kind: "error", error: corrupt, partition: chunk.partition });
      this.stopAtCorrupt(chunk.partition, this.head + decoded.length + 2);
    }
  }

  /**
   * The row reader met a corrupt batch in the head chunk: as when a chunk is decoded on arrival, the good
   * batches before it were handed out, the position moves to the corrupt batch, the chunk's credit returns,
   * and the partition stops there until a seek. The error is thrown by the caller.
   */
  private corruptAt(chunk: HeldChunk, corrupt: CorruptBatchError): void {
    this.release();
    const end = this.entries[this.head] as Extract<Entry, { kind: "end" }>;
    this.release();
    this.passEnd(chunk.partition, corrupt.offset, end.bytes);
    this.stopAtCorrupt(chunk.partition, this.head);
  }

  /** Halts a partition and drops what it holds from index `from` on (chunks that arrived after the corrupt one). */
  private stopAtCorrupt(partition: number, from: number): void {
    this.halt(partition);
    this.drop(new Set([partition]), from);
  }
}
