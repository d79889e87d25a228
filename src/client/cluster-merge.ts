// Several partitions of one topic read from their leaders and handed out as one stream: a ClusterConsumer
// per partition (which follows its partition's leader across failovers), their records merged into one
// bounded buffer. The cluster's multi-partition consumer and its group consumer (cluster-group.ts) are
// built on it.
//
// Behavior:
// - Read with next() (records) or rows() (one batch of one partition per step, as Consumer.rows()); the
//   first read fixes which, for the readers too. A view stays valid until the next step: each partition's
//   reader holds at most one view and reads its next batch only once the application has taken its next
//   step past the one it lent.
// - Positions are what next() or rows() handed out (the offset after the last record per partition), or the start
//   a partition was opened at; never what is buffered. A reader stopped (partition revoked, consumer closed)
//   has its buffered records dropped: nothing of them was handed out.
// - The buffer holds at most `maxBufferedRecords` (default 1000) across partitions; a reader that finds it
//   full waits, so a slow application slows the reads (each ClusterConsumer's credit window does the rest).
// - A reader failing with an error its ClusterConsumer does not retry (it retries leadership changes and
//   lost connections itself) fails the whole consumer: next() throws it.
// - stop(): nothing more is handed out (the iterator ends); close() also stops the readers.

import { RivuletError } from "../errors/index.js";
import type { OffsetQuery } from "./admin.js";
import type { ConsumedRows } from "./chunk-rows.js";
import type { ClusterHandle, PartitionReader } from "./cluster-types.js";
import { fixReadKind, type ConsumedRecord, type ConsumerOptions, type ReadKind } from "./consumer-types.js";

export interface MergedOptions extends Pick<ConsumerOptions, "topic" | "windowBytes" | "maxChunkBytes" | "decompress" | "isolation" | "checkCrcs"> {
  /** Records buffered across all partitions before the readers wait. Default 1000. */
  maxBufferedRecords?: number;
}

interface Reader {
  partition: number;
  consumer: PartitionReader;
  stopped: boolean;
}

/** A record, or a row view with the function that lets its reader step on (which overwrites the view). */
type Held = { record: ConsumedRecord; reader: Reader } | { rows: ConsumedRows; reader: Reader; release: () => void };

export abstract class MergedPartitions implements AsyncIterable<ConsumedRecord> {
  protected readonly readers = new Map<number, Reader>();
  private held: Held[] = [];
  /** The row view rows() handed out last: its reader steps on at the application's next step. */
  private lent: Held | undefined;
  /** Records (next()) or row views (rows()): fixed by the first read. The readers wait for it. */
  private reading: ReadKind | undefined;
  private chooseReading!: () => void;
  private readonly readingChosen = new Promise<void>((resolve) => (this.chooseReading = resolve));
  /** Next offset per partition being read: after the last record next() handed out, or its start. */
  protected readonly handed = new Map<number, bigint>();
  private wakeReader: (() => void) | undefined;
  private roomWaiters: (() => void)[] = [];
  private failure: Error | undefined;
  protected closed = false;
  protected stopped = false;
  private started: Promise<void> | undefined;
  private readonly maxHeld: number;

  constructor(protected readonly cluster: ClusterHandle, readonly options: MergedOptions) {
    this.maxHeld = options.maxBufferedRecords ?? 1000;
  }

  /** What starting means for the subclass (open partitions, join a group). */
  protected abstract begin(): Promise<void>;

  /** Starts reading (done implicitly by the first next()). */
  start(): Promise<void> {
    this.started ??= this.begin();
    return this.started;
  }

  /** The next offset per partition being read (what a commit or a later resume would use). */
  positions(): Map<number, bigint> {
    return new Map(this.handed);
  }

  async next(): Promise<ConsumedRecord> {
    this.readAs("records");
    await this.start();
    for (;;) {
      if (this.closed || this.stopped) throw new Error("consumer is closed");
      if (this.failure) throw this.failure;
      const entry = this.held.shift();
      if (entry && "record" in entry) {
        if (entry.reader.stopped) continue;
        this.handed.set(entry.reader.partition, entry.record.offset + 1n);
        this.room();
        return entry.record;
      }
      await new Promise<void>((resolve) => (this.wakeReader = resolve));
    }
  }

  /**
   * The partitions as row views, one batch of one partition per step (Consumer.rows()): no object per
   * record. A step's view is valid until the next step; its partition's position moves past it when it
   * is handed out. Ends when the consumer is stopped or closed; throws what next() would.
   */
  async *rows(): AsyncGenerator<ConsumedRows, void, undefined> {
    this.readAs("rows");
    await this.start();
    try {
      for (;;) {
        this.releaseLent();
        if (this.closed || this.stopped) return;
        if (this.failure) throw this.failure;
        const entry = this.held.shift();
        if (entry && "rows" in entry) {
          if (entry.reader.stopped) {
            entry.release();
            continue;
          }
          const rows = entry.rows;
          if (rows.count > 0) this.handed.set(entry.reader.partition, rows.offset(rows.count - 1) + 1n);
          this.lent = entry;
          yield rows;
          continue;
        }
        await new Promise<void>((resolve) => (this.wakeReader = resolve));
      }
    } finally {
      this.releaseLent();
    }
  }

  private readAs(reading: ReadKind): void {
    const first = this.reading === undefined;
    this.reading = fixReadKind(this.reading, reading);
    if (first) this.chooseReading();
  }

  private releaseLent(): void {
    const lent = this.lent;
    this.lent = undefined;
    if (lent && "release" in lent) lent.release();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ConsumedRecord> {
    for (;;) {
      let record: ConsumedRecord;
      try {
        record = await this.next();
      } catch (error) {
        if (this.closed || this.stopped) return;
        throw error;
      }
      yield record;
    }
  }

  /** Hands out nothing more (the iterator ends); the readers stay until close(). */
  stop(): void {
    this.stopped = true;
    this.wake();
  }

  /** Where `from` puts a partition now, asked of its leader. */
  protected async resolveStart(partition: number, from: OffsetQuery | { offset: bigint }): Promise<bigint> {
    if (typeof from === "object" && "offset" in from) return from.offset;
    const found = await this.cluster.admin.listOffsets(this.options.topic, partition, from);
    // No record at or after the time: the log end, as Kafka's offsetsForTimes + seekToEnd.
    return found.offset >= 0n ? found.offset : (await this.cluster.admin.listOffsets(this.options.topic, partition, "latest")).offset;
  }

  protected startReader(partition: number, position: bigint): void {
    if (this.readers.has(partition) || this.closed) return;
    const o = this.options;
    this.handed.set(partition, position);
    const consumer = this.cluster.partitionReader({
      topic: o.topic,
      partition,
      position,
      onGap: "skip",
      ...(o.windowBytes !== undefined ? { windowBytes: o.windowBytes } : {}),
      ...(o.maxChunkBytes !== undefined ? { maxChunkBytes: o.maxChunkBytes } : {}),
      ...(o.decompress ? { decompress: o.decompress } : {}),
      ...(o.isolation ? { isolation: o.isolation } : {}),
      ...(o.checkCrcs !== undefined ? { checkCrcs: o.checkCrcs } : {}),
    });
    const reader: Reader = { partition, consumer, stopped: false };
    this.readers.set(partition, reader);
    void this.pump(reader);
  }

  private async pump(reader: Reader): Promise<void> {
    try {
      await this.readingChosen;
      if (this.reading === "rows") return await this.pumpRows(reader);
      for (;;) {
        const record = await reader.consumer.next();
        if (reader.stopped) return;
        this.held.push({ record, reader });
        this.wakeReader?.();
        while (this.held.length >= this.maxHeld && !reader.stopped) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
        if (reader.stopped) return;
      }
    } catch (error) {
      if (!reader.stopped && !this.closed) this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** One view at a time: the reader's next step overwrites it, so it waits for the view's release. */
  private async pumpRows(reader: Reader): Promise<void> {
    for await (const rows of reader.consumer.rows()) {
      if (reader.stopped) return;
      await new Promise<void>((release) => {
        this.held.push({ rows, reader, release });
        this.wakeReader?.();
      });
      if (reader.stopped) return;
    }
  }

  private room(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) w();
  }

  /** Stops the partitions' readers and drops what they buffered (nothing of it was handed out). */
  protected async stopReaders(partitions: number[]): Promise<void> {
    const stopping: Reader[] = [];
    for (const p of partitions) {
      const reader = this.readers.get(p);
      if (!reader) continue;
      reader.stopped = true;
      this.readers.delete(p);
      stopping.push(reader);
    }
    const kept: Held[] = [];
    for (const h of this.held) {
      if (!h.reader.stopped) kept.push(h);
      else if ("release" in h) h.release(); // its pump sees the reader stopped and ends
    }
    this.held = kept;
    if (this.lent?.reader.stopped) this.releaseLent();
    this.room();
    await Promise.all(stopping.map((r) => r.consumer.close().catch(() => undefined)));
  }

  protected fail(error: Error): void {
    this.failure ??= error;
    this.wake();
  }

  protected wake(): void {
    const wake = this.wakeReader;
    this.wakeReader = undefined;
    wake?.();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake();
    await this.stopReaders([...this.readers.keys()]);
  }
}

/** Chosen partitions of a topic, each from its leader (cluster.consumer({ topic, partitions })). */
export class ClusterPartitionsConsumer extends MergedPartitions {
  constructor(cluster: ClusterHandle, readonly partitionOptions: MergedOptions & { partitions?: number[]; from?: OffsetQuery | { offset: bigint }; positions?: Map<number, bigint> }) {
    super(cluster, partitionOptions);
  }

  protected async begin(): Promise<void> {
    const o = this.partitionOptions;
    let partitions = o.partitions;
    if (!partitions?.length) {
      const count = this.cluster.partitionCount(o.topic) ?? (await this.cluster.refresh([o.topic]), this.cluster.partitionCount(o.topic));
      if (!count) throw new RivuletError("UNKNOWN_TOPIC_OR_PARTITION", `topic ${o.topic} is not in the cluster metadata`);
      partitions = Array.from({ length: count }, (_, p) => p);
    }
    const starts = await Promise.all(partitions.map(async (p) => [p, o.positions?.get(p) ?? (await this.resolveStart(p, o.from ?? "latest"))] as const));
    for (const [p, position] of starts) this.startReader(p, position);
  }
}
