// The consumer's held queue: what arrived from the broker and the application has not been handed yet, in
// arrival order, between the socket (Consumer.onFrame) and the reader (next(), `for await`, batches()).
// A chunk is held as one entry of its records and one for its end: taking a chunk's end moves its
// partition's position and gives its bytes back as credit (consumer-credit.ts), so the broker may send
// more only as the application consumes. Errors wait in line with the records, thrown when reached.

import type { ConsumerCredit } from "./consumer-credit.js";
import type { ReadPositions } from "./consumer-positions.js";
import type { ConsumedRecord, Entry } from "./consumer-types.js";

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
      // Let go of what was handed out: a queue that keeps its entries keeps every record of them alive.
      this.head++;
      if (this.head === this.entries.length) {
        this.entries.length = 0;
        this.head = 0;
      } else if (this.head > 64 && this.head * 2 > this.entries.length) {
        this.entries.splice(0, this.head);
        this.head = 0;
      }
      if (entry.kind === "records") {
        if (entry === this.current) this.syncConsumed();
        entry.records = NO_RECORDS;
        continue;
      }
      if (entry.kind === "end") {
        this.syncConsumed();
        this.positions.advance(entry.partition, entry.nextOffset);
        this.held -= entry.bytes;
        this.credit.returned(entry.bytes, this.held);
        this.credit.lendIfCaughtUp(this.held);
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

  /** Drops what is held for some partitions (not handed out yet), returning its credit. */
  drop(partitions: Set<number>): void {
    this.syncConsumed();
    const kept: Entry[] = [];
    for (const entry of this.entries.slice(this.head)) {
      if (entry.kind === "records" && partitions.has(entry.partition)) continue;
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
}
