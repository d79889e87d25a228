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
import { decodeChunk, type BatchDecoding } from "./chunk.js";
import { ChunkReader, heldChunk, type ConsumedRows } from "./chunk-rows.js";
import { ConsumerCredit } from "./consumer-credit.js";
import { ReadPositions } from "./consumer-positions.js";
import { ChunkQueue } from "./consumer-queue.js";
import { retryConnectionFailures } from "./retry.js";
import { ConnectionError, errorFromCode, GapError } from "./errors.js";
import type { Admin } from "./admin.js";

export type { StartFrom };

export type { ConsumedRecord, ConsumerOptions, Entry } from "./consumer-types.js";
import { fixReadKind, type ConsumedRecord, type ConsumerOptions, type Entry, type ReadKind } from "./consumer-types.js";

export class Consumer implements AsyncIterable<ConsumedRecord>, StreamHandler {
  protected subscriptionId = 0;
  private readonly readPositions = new ReadPositions();
  /** What arrived and was not handed out yet, with the credit it holds (consumer-queue.ts). */
  private readonly queue: ChunkQueue;
  /** The subscription is established (start() resolved). */
  protected subscribed = false;
  private readonly seeking = new Set<number>();
  private wakeReader: (() => void) | undefined;
  protected closed = false;
  /** stop() was called: nothing more is handed out, the subscription stays until close(). */
  protected stopped = false;
  protected started: Promise<void> | undefined;
  /** A subscribe loop is running (so a reconnect does not start a second one). */
  private establishing = false;
  /** Partitions stopped at a corrupt batch: their chunks are dropped until the application seeks. */
  private readonly halted = new Set<number>();
  protected readonly window: number;
  /**
   * Which reader this consumer has: record objects (next(), `for await`, batches()) or row views (rows()).
   * Fixed by the first read; until then chunks are held undecoded.
   */
  private reading: ReadKind | undefined;

  /** The consumer's decompressor and CRC check, as every batch is decoded with. */
  private readonly decoding: BatchDecoding;

  constructor(protected readonly connection: Connection, protected readonly admin: Admin, readonly options: ConsumerOptions) {
    this.decoding = { decompress: options.decompress, verify: options.checkCrcs !== false };
    this.window = options.windowBytes ?? 1024 * 1024;
    const credit = new ConsumerCredit(this.window, (bytes) => this.connection.post({ type: FrameType.CREDIT, requestId: this.subscriptionId, bytes }));
    const reader = new ChunkReader(options.topic, this.decoding);
    this.queue = new ChunkQueue(this.readPositions, credit, reader, (partition) => this.halted.add(partition));
    const given = options.positions instanceof Map ? options.positions : new Map(Object.entries(options.positions ?? {}).map(([p, o]) => [Number(p), BigInt(o)]));
    for (const [p, o] of given) this.readPositions.set(p, o);
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
    this.queue.syncConsumed();
    return this.readPositions.all();
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
      this.queue.stalled(frame.neededBytes);
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
      this.wake();
      return;
    }
    this.push({ kind: "error", error });
  }

  private onChunk(frame: ChunkFrame): void {
    const bytes = frame.records.length;
    if (this.seeking.has(frame.partition) || this.halted.has(frame.partition)) return this.queue.refuse(bytes);
    if (this.reading !== "records") {
      // Decoded when taken: by rows() a batch at a time, by a record reader chosen later as a whole chunk.
      this.queue.addHeld(heldChunk(frame), frame.nextOffset);
      this.wake();
      return;
    }
    const { records, corrupt } = decodeChunk(this.options.topic, frame, this.decoding);
    if (corrupt) {
      // The good batches before it are delivered; the partition stops at the corrupt one until a seek.
      this.halted.add(frame.partition);
      this.queue.addChunk(frame.partition, records, corrupt.offset, bytes);
      this.push({ kind: "error", error: corrupt, partition: frame.partition });
      return;
    }
    this.queue.addChunk(frame.partition, records, frame.nextOffset, bytes);
    this.wake();
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
    this.wake();
  }

  /** Wakes a reader waiting in next() for something to be held (or for the end). */
  private wake(): void {
    const wake = this.wakeReader;
    this.wakeReader = undefined;
    wake?.();
  }

  // ---- reading --------------------------------------------------------------------------------------------

  /** Fixes the kind of reader on the first read; a consumer read both ways is refused (they would split its stream). */
  private readAs(reading: ReadKind): void {
    this.reading = fixReadKind(this.reading, reading, "next(), nextBatch(), batches() or `for await`");
  }

  /** The next record, waiting for one to arrive. Throws GapError / typed errors as they happen. */
  async next(): Promise<ConsumedRecord> {
    this.readAs("records");
    await this.start();
    for (;;) {
      if (this.closed || this.stopped) throw new Error("consumer is closed");
      const record = this.queue.take();
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
      const record = this.queue.take();
      if (!record) break;
      out.push(record);
    }
    return out;
  }

  /** Records, one at a time (`for await (const record of consumer)`); ends quietly when closed. */
  [Symbol.asyncIterator](): AsyncIterator<ConsumedRecord> {
    this.readAs("records");
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
            const record = this.queue.take();
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
    this.readAs("records");
    for (;;) {
      try {
        yield await this.nextBatch(max);
      } catch (error) {
        if (this.closed || this.stopped) return;
        throw error;
      }
    }
  }

  /**
   * The records as row views, one batch of one partition per step, with no object made per record:
   *
   *   for await (const rows of consumer.rows()) for (let i = 0; i < rows.count; i++) use(rows.offset(i), rows.value(i));
   *
   * A step's view is valid until the next step (its key/value views for as long as they are held:
   * ConsumedRows says exactly). Each step's records count as consumed when it is handed out: positions(),
   * a commit and a resubscription after a reconnect see them all. Errors, seeks and close() behave as with
   * batches(). A consumer is read either this way or as records, not both (the first read decides).
   */
  async *rows(): AsyncGenerator<ConsumedRows, void, undefined> {
    this.readAs("rows");
    for (;;) {
      let rows: ConsumedRows;
      try {
        rows = await this.nextRows();
      } catch (error) {
        if (this.closed || this.stopped) return;
        throw error;
      }
      yield rows;
    }
  }

  /** The next batch's rows, waiting for one to arrive (rows()). */
  private async nextRows(): Promise<ConsumedRows> {
    await this.start();
    for (;;) {
      if (this.closed || this.stopped) throw new Error("consumer is closed");
      const rows = this.queue.takeRows();
      if (rows) return rows;
      await new Promise<void>((resolve) => (this.wakeReader = resolve));
    }
  }

  // ---- positions ----------------------------------------------------------------------------------------

  /** The next offset to read in a partition (undefined if unknown). */
  protected positionOf(partition: number): bigint | undefined {
    this.queue.syncConsumed();
    return this.readPositions.of(partition);
  }

  protected setPosition(partition: number, offset: bigint): void {
    this.queue.syncConsumed();
    this.readPositions.set(partition, offset);
  }

  protected forgetPosition(partition: number): void {
    this.queue.syncConsumed();
    this.readPositions.forget(partition);
  }

  protected clearPositions(): void {
    this.queue.syncConsumed();
    this.readPositions.clear();
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
    this.queue.dropAll();
    this.seeking.clear();
  }

  /** Drops what is held for some partitions (not handed out yet), returning its credit. */
  protected dropHeld(partitions: Set<number>): void {
    this.queue.drop(partitions);
  }

  /**
   * Hands out nothing more: a reader waiting in next() or `for await` ends quietly. positions() then says
   * exactly what the application was handed (to commit or save before close()).
   */
  stop(): void {
    this.stopped = true;
    this.wake();
  }

  /** Records held here and not yet handed to the application. */
  get bufferedBytes(): number {
    return this.queue.heldBytes;
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
