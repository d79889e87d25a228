// The consumer: a streaming subscription read with `for await`. Credit is granted as the application
// pulls, so a slow application slows its own stream at the broker (which pauses its cursor), never
// filling this process's memory: at most `windowBytes` of records are held here (plus one oversized batch).
//
// Positions are what the application has consumed, not what arrived: after a reconnect the consumer drops
// what it held and resubscribes from its positions, so nothing is skipped and nothing repeats, whatever
// `from` and `partitions` it was created with (`from` only places partitions it has no position for yet).
// A subscription that fails with a retriable error (the broker went away again, a deadline passed) is
// retried until the connection gives up; then the iterator throws why. Every batch is CRC-checked on
// receipt by the WASM core before any record is handed out; a corrupt batch stops its partition at that
// offset (records before it are delivered) until the application seeks.

import type { RivuletError } from "../errors/index.js";
import { FrameType, StartKind, startPosition, type ChunkFrame, type ServerFrame, type StartFrom, type StartPosition } from "../protocol/ws/index.js";
import type { Connection, StreamHandler } from "./connection.js";
import { decodeChunk } from "./chunk.js";
import { ConsumerCredit } from "./consumer-credit.js";
import { retryConnectionFailures } from "./retry.js";
import { ConnectionError, errorFromCode, GapError } from "./errors.js";
import type { Admin } from "./admin.js";

export type { StartFrom };

export type { ConsumedRecord, ConsumerOptions, Entry } from "./consumer-types.js";
import type { ConsumedRecord, ConsumerOptions, Entry } from "./consumer-types.js";

type RecordsEntry = Extract<Entry, { kind: "records" }>;

const NO_RECORDS: ConsumedRecord[] = [];

export class Consumer implements AsyncIterable<ConsumedRecord>, StreamHandler {
  protected subscriptionId = 0;
  protected readonly queue: Entry[] = [];
  protected head = 0;
  /** Positions set by chunk ends, assignments and seeks. */
  protected readonly positionMap = new Map<number, bigint>();
  /**
   * The offset of the last record handed out per partition since its position was last set. Brought up to
   * date by syncConsumed() (every reader of it calls that first), not per record: the entry being handed
   * out from is remembered in `current` and says itself how far it got.
   */
  protected readonly consumed = new Map<number, bigint>();
  private current: RecordsEntry | undefined;
  /** The subscription is established (start() resolved). */
  protected subscribed = false;
  private readonly seeking = new Set<number>();
  private wakeReader: (() => void) | undefined;
  protected heldBytes = 0;
  protected closed = false;
  /** stop() was called: nothing more is handed out, the subscription stays until close(). */
  protected stopped = false;
  protected started: Promise<void> | undefined;
  /** A subscribe loop is running (so a reconnect does not start a second one). */
  private establishing = false;
  /** Partitions stopped at a corrupt batch: their chunks are dropped until the application seeks. */
  private readonly halted = new Set<number>();
  protected readonly window: number;
  private readonly credit: ConsumerCredit;

  constructor(protected readonly connection: Connection, protected readonly admin: Admin, readonly options: ConsumerOptions) {
    this.window = options.windowBytes ?? 1024 * 1024;
    this.credit = new ConsumerCredit(this.window, (bytes) => this.connection.post({ type: FrameType.CREDIT, requestId: this.subscriptionId, bytes }));
    const given = options.positions instanceof Map ? options.positions : new Map(Object.entries(options.positions ?? {}).map(([p, o]) => [Number(p), BigInt(o)]));
    for (const [p, o] of given) this.positionMap.set(p, o);
  }

  /** Subscribes (done implicitly by the first read). */
  start(): Promise<void> {
    this.started ??= this.establish();
    return this.started;
  }

  /**
   * Subscribes, retrying the connection's failures (the socket dropped mid-request, a deadline passed while
   * the broker was away) with capped backoff until it works, the consumer is closed, or the connection
   * gives up.
   */
  private async establish(): Promise<void> {
    this.establishing = true;
    try {
      await retryConnectionFailures(() => this.subscribe(), () => this.closed || this.connection.isClosed);
      this.subscribed = true;
    } finally {
      this.establishing = false;
    }
  }

  /** The next offset to read per partition: what the application has consumed so far. */
  positions(): Map<number, bigint> {
    this.syncConsumed();
    const out = new Map<number, bigint>();
    for (const partition of new Set([...this.positionMap.keys(), ...this.consumed.keys()])) out.set(partition, this.positionOf(partition)!);
    return out;
  }

  protected async subscribe(): Promise<void> {
    const partitions = this.options.partitions ?? (await this.admin.metadata([this.options.topic]))[0]!.partitions.map((p) => p.partition);
    const start = startPosition(this.options.from ?? "latest");
    const id = this.connection.allocateId();
    this.connection.streams.delete(this.subscriptionId);
    this.subscriptionId = id;
    this.connection.streams.set(id, this);
    const response = await this.connection.request(
      {
        type: FrameType.SUBSCRIBE,
        topic: this.options.topic,
        credit: this.window,
        maxChunkBytes: this.options.maxChunkBytes ?? 256 * 1024,
        ...(this.options.isolation === "read_committed" ? { isolation: 1 as const } : {}),
        start,
        partitions: partitions.map((partition) => {
          const position = this.positionOf(partition);
          return { partition, start: position === undefined ? start : { kind: StartKind.OFFSET, value: position } };
        }),
      },
      id,
    );
    if (response.type !== FrameType.SUBSCRIBED) throw new Error("unexpected response to SUBSCRIBE");
    for (const p of response.partitions) {
      if (p.errorCode !== 0) throw errorFromCode(p.errorCode, "", `${this.options.topic}-${p.partition}`);
      if (this.positionOf(p.partition) === undefined) this.setPosition(p.partition, p.startOffset);
    }
  }

  // ---- StreamHandler ------------------------------------------------------------------------------------

  onFrame(frame: ServerFrame): void {
    if (this.closed) return;
    if (frame.type === FrameType.CHUNK && frame.requestId === this.subscriptionId) this.onChunk(frame);
    else if (frame.type === FrameType.GAP) this.onGap(frame.partition, frame.fromOffset, frame.toOffset);
    else if (frame.type === FrameType.STALLED) {
      this.credit.stalled(frame.neededBytes, this.heldBytes);
    } else if (frame.type === FrameType.ERROR) this.push({ kind: "error", error: errorFromCode(frame.errorCode, frame.code, frame.message) });
  }

  onReconnect(): void {
    // What we held was sent against the old connection's credit: drop it and ask again from the positions.
    this.dropAllHeld();
    this.resubscribe();
  }

  /** Subscribes again unless a subscribe loop is already running (it retries on the new connection). */
  protected resubscribe(): void {
    if (this.closed || this.establishing) return;
    this.started = this.establish();
    this.started.catch((error) => this.push({ kind: "error", error }));
  }

  onClose(error: Error): void {
    if (this.closed) return;
    if (error instanceof ConnectionError && error.closeCode === 1000) {
      // The application closed the client: iteration ends quietly.
      this.closed = true;
      const wake = this.wakeReader;
      this.wakeReader = undefined;
      wake?.();
      return;
    }
    this.push({ kind: "error", error });
  }

  private onChunk(frame: ChunkFrame): void {
    const bytes = frame.records.length;
    if (this.seeking.has(frame.partition) || this.halted.has(frame.partition)) return this.grant(bytes);
    const { records, corrupt } = decodeChunk(this.options.topic, frame, this.options.decompress);
    this.heldBytes += bytes;
    if (records.length > 0) this.queue.push({ kind: "records", partition: frame.partition, records, at: 0 });
    if (corrupt) {
      // The good batches before it are delivered; the partition stops at the corrupt one until a seek.
      this.halted.add(frame.partition);
      this.queue.push({ kind: "end", partition: frame.partition, nextOffset: corrupt.offset, bytes });
      this.push({ kind: "error", error: corrupt, partition: frame.partition });
      return;
    }
    this.push({ kind: "end", partition: frame.partition, nextOffset: frame.nextOffset, bytes });
  }

  private onGap(partition: number, fromOffset: bigint, toOffset: bigint): void {
    if (this.options.onGap === "skip") {
      void this.seek(partition, toOffset).catch((error) => this.push({ kind: "error", error }));
      return;
    }
    this.push({ kind: "error", error: new GapError(this.options.topic, partition, fromOffset, toOffset), partition });
  }

  protected push(entry: Entry): void {
    this.queue.push(entry);
    const wake = this.wakeReader;
    this.wakeReader = undefined;
    wake?.();
  }

  // ---- credit ---------------------------------------------------------------------------------------------

  protected grant(bytes: number): void {
    this.credit.returned(bytes, this.heldBytes);
  }

  // ---- reading --------------------------------------------------------------------------------------------

  /**
   * The next held record, handled synchronously, or undefined when none is held. Chunk ends on the way
   * move positions and return credit; an error entry is thrown.
   */
  private takeNow(): ConsumedRecord | undefined {
    while (this.head < this.queue.length) {
      const entry = this.queue[this.head]!;
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
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      } else if (this.head > 64 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      if (entry.kind === "records") {
        if (entry === this.current) this.syncConsumed();
        entry.records = NO_RECORDS;
        continue;
      }
      if (entry.kind === "end") {
        const current = this.positionOf(entry.partition);
        if (current === undefined || entry.nextOffset > current) this.setPosition(entry.partition, entry.nextOffset);
        this.heldBytes -= entry.bytes;
        this.grant(entry.bytes);
        this.credit.lendIfCaughtUp(this.heldBytes);
        continue;
      }
      throw entry.error;
    }
    return undefined;
  }

  /** The next record, waiting for one to arrive. Throws GapError / typed errors as they happen. */
  async next(): Promise<ConsumedRecord> {
    await this.start();
    for (;;) {
      if (this.closed || this.stopped) throw new Error("consumer is closed");
      const record = this.takeNow();
      if (record) return record;
      await new Promise<void>((resolve) => (this.wakeReader = resolve));
    }
  }

  /**
   * Every record held right now (at least one, waiting for it if none), at most `max`: the cheap way to
   * consume at high rates.
   */
  async nextBatch(max = 10_000): Promise<ConsumedRecord[]> {
    const out = [await this.next()];
    while (out.length < max) {
      const record = this.takeNow();
      if (!record) break;
      out.push(record);
    }
    return out;
  }

  /** Records, one at a time (`for await (const record of consumer)`); ends quietly when closed. */
  [Symbol.asyncIterator](): AsyncIterator<ConsumedRecord> {
    const done = { value: undefined, done: true } as const;
    const settle = (promise: Promise<ConsumedRecord>): Promise<IteratorResult<ConsumedRecord>> =>
      promise.then(
        (value) => ({ value, done: false }),
        (error) => {
          if (this.closed || this.stopped) return done;
          throw error;
        },
      );
    return {
      next: () => {
        // Fast path, no async machinery: a record is already held.
        if (this.subscribed && !this.closed && !this.stopped) {
          try {
            const record = this.takeNow();
            if (record) return Promise.resolve({ value: record, done: false });
          } catch (error) {
            return Promise.reject(error);
          }
        }
        return settle(this.next());
      },
      return: () => Promise.resolve(done),
    };
  }

  /** Batches of records as they arrive (`for await (const batch of consumer.batches())`). */
  async *batches(max = 10_000): AsyncGenerator<ConsumedRecord[]> {
    for (;;) {
      try {
        yield await this.nextBatch(max);
      } catch (error) {
        if (this.closed || this.stopped) return;
        throw error;
      }
    }
  }

  // ---- positions ----------------------------------------------------------------------------------------

  /** Records `current`'s progress in `consumed` (the record's own bigint: positionOf adds the 1 when asked). */
  private syncConsumed(): void {
    const entry = this.current;
    if (entry === undefined) return;
    this.current = undefined;
    if (entry.at > 0 && entry.records !== NO_RECORDS) this.consumed.set(entry.partition, entry.records[entry.at - 1]!.offset);
  }

  /** The next offset to read in a partition (undefined if unknown). */
  protected positionOf(partition: number): bigint | undefined {
    this.syncConsumed();
    const consumed = this.consumed.get(partition);
    const position = this.positionMap.get(partition);
    if (consumed !== undefined && (position === undefined || consumed >= position)) return consumed + 1n;
    return position;
  }

  protected setPosition(partition: number, offset: bigint): void {
    this.syncConsumed();
    this.positionMap.set(partition, offset);
    this.consumed.delete(partition);
  }

  protected forgetPosition(partition: number): void {
    this.syncConsumed();
    this.positionMap.delete(partition);
    this.consumed.delete(partition);
  }

  protected clearPositions(): void {
    this.syncConsumed();
    this.positionMap.clear();
    this.consumed.clear();
  }

  /** Moves a partition's position; records already held for it are dropped. */
  async seek(partition: number, to: bigint | "earliest" | "latest"): Promise<void> {
    await this.start();
    // Resolved here so the new position is known the moment the server confirms the seek.
    const offset = typeof to === "bigint" ? to : (await this.admin.listOffsets(this.options.topic, partition, to)).offset;
    this.seeking.add(partition);
    this.halted.delete(partition);
    this.dropHeld(new Set([partition]));
    try {
      const start: StartPosition = { kind: StartKind.OFFSET, value: offset };
      // Chunks before the response were read at the old position, chunks after it at the new one: stop
      // dropping in frame order (an await would resume only after frames that came in the same read).
      await this.connection.request({ type: FrameType.SEEK, subscriptionId: this.subscriptionId, partition, start }, undefined, (response) => {
        this.seeking.delete(partition);
        if (response.type !== FrameType.ERROR) this.setPosition(partition, offset);
      });
    } finally {
      this.seeking.delete(partition);
    }
  }

  /** Drops everything held and the credit bookkeeping of the old stream (a new subscription follows). */
  protected dropAllHeld(): void {
    this.syncConsumed();
    this.queue.length = 0;
    this.head = 0;
    this.heldBytes = 0;
    this.credit.reset();
    this.seeking.clear();
  }

  /** Drops what is held for some partitions (not handed out yet), returning its credit. */
  protected dropHeld(partitions: Set<number>): void {
    this.syncConsumed();
    const kept: Entry[] = [];
    for (const entry of this.queue.slice(this.head)) {
      if (entry.kind === "records" && partitions.has(entry.partition)) continue;
      if (entry.kind === "end" && partitions.has(entry.partition)) {
        this.heldBytes -= entry.bytes;
        this.grant(entry.bytes);
        continue;
      }
      if (entry.kind === "error" && entry.partition !== undefined && partitions.has(entry.partition)) continue;
      kept.push(entry);
    }
    this.queue.length = 0;
    this.queue.push(...kept);
    this.head = 0;
  }

  /**
   * Hands out nothing more: a reader waiting in next() or `for await` ends quietly. positions() then says
   * exactly what the application was handed (to commit or save before close()).
   */
  stop(): void {
    this.stopped = true;
    const wake = this.wakeReader;
    this.wakeReader = undefined;
    wake?.();
  }

  /** Records held here and not yet handed to the application. */
  get bufferedBytes(): number {
    return this.heldBytes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connection.streams.delete(this.subscriptionId);
    this.wakeReader?.();
    if (this.connection.isOpen) {
      await this.connection.request({ type: FrameType.UNSUBSCRIBE, subscriptionId: this.subscriptionId }).catch((e: RivuletError) => e);
    }
  }
}
