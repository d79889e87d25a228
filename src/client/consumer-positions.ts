// Where a consumer is in each partition: the next offset to read, which is what the application has
// consumed, not what arrived (consumer.ts). Set by chunk ends as the application passes them, by assignments
// and by seeks; moved between those by the records handed out.

export class ReadPositions {
  /** Positions set by chunk ends, assignments and seeks. */
  private readonly positionMap = new Map<number, bigint>();
  /**
   * The offset of the last record handed out per partition since its position was last set. Brought up to
   * date by ChunkQueue.syncConsumed() (every reader of it calls that first: the Consumer's position
   * methods), not per record: the entry being handed out from is remembered in the queue's `current` and
   * says itself how far it got.
   */
  private readonly consumed = new Map<number, bigint>();

  /** The next offset to read in a partition (undefined if unknown). */
  of(partition: number): bigint | undefined {
    const consumed = this.consumed.get(partition);
    const position = this.positionMap.get(partition);
    if (consumed !== undefined && (position === undefined || consumed >= position)) return consumed + 1n;
    return position;
  }

  /** Every partition's next offset. */
  all(): Map<number, bigint> {
    const out = new Map<number, bigint>();
    for (const partition of new Set([...this.positionMap.keys(), ...this.consumed.keys()])) out.set(partition, this.of(partition)!);
    return out;
  }

  set(partition: number, offset: bigint): void {
    this.positionMap.set(partition, offset);
    this.consumed.delete(partition);
  }

  /** Moves a partition's position to a chunk's end, unless it is already there or past it. */
  advance(partition: number, nextOffset: bigint): void {
    const current = this.of(partition);
    if (current === undefined || nextOffset > current) this.set(partition, nextOffset);
  }

  /** The record at `offset` was the last one handed out (the record's own bigint: of() adds the 1 when asked). */
  handedOut(partition: number, offset: bigint): void {
    this.consumed.set(partition, offset);
  }

  forget(partition: number): void {
    this.positionMap.delete(partition);
    this.consumed.delete(partition);
  }

  clear(): void {
    this.positionMap.clear();
    this.consumed.clear();
  }
}
