// The producer: batches records per partition by size and linger time, picks partitions as Kafka's
// default partitioner does (explicit partition, else murmur2 of the key through the WASM core, else a
// sticky partition per batch), encodes RecordBatch v2 in WASM, and sends with the chosen acks.
//
// Ordering: at most `maxInFlightPerPartition` batches per partition are in flight (default 1), so a retry
// can never overtake a later batch. With `idempotent: true` the broker assigns a producer id and drops
// retried duplicates, so retries are exactly-once per partition; without it a retry after a lost response
// may duplicate (as with Kafka's enable.idempotence=false).
//
// Backpressure: send() resolves when the record is acknowledged, and before it is even accepted it waits
// while the producer holds more than maxBufferedBytes (records batching or in flight): a fast caller is
// slowed to the socket's pace instead of growing a queue.

import { encodeRecordBatch, partitionForKey, type RecordInput } from "../core/index.js";
import { FrameType, type ServerFrame } from "../protocol/ws/index.js";
import type { Admin } from "./admin.js";
import type { Connection } from "./connection.js";
import { errorFromCode } from "./errors.js";
import type { RivuletError } from "../errors/index.js";

export interface ProducerOptions {
  /** 0, 1 or -1/"all" (default "all": durable per the topic's flush policy). */
  acks?: 0 | 1 | -1 | "all";
  /** How long a batch waits for more records. Default 5 ms. */
  lingerMs?: number;
  /** Send a batch once its records reach this many bytes. Default 256 KiB. */
  batchBytes?: number;
  /** send() waits while batching + in-flight bytes exceed this. Default 16 MiB. */
  maxBufferedBytes?: number;
  /** Ask the broker for a producer id and number batches, so retries are deduplicated. Default false. */
  idempotent?: boolean;
  /** Retries of a batch after a retriable error. Default 5. */
  retries?: number;
  /** Batches in flight per partition. Default 1 (strict order across retries). */
  maxInFlightPerPartition?: number;
}

export interface ProducerRecord {
  topic: string;
  partition?: number;
  key?: Uint8Array | string | null;
  value: Uint8Array | string | null;
  headers?: { key: string; value: Uint8Array | string | null }[];
  timestamp?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: bigint;
}

/** A sendMany() call: one promise for many records. */
interface Group {
  results: RecordMetadata[];
  remaining: number;
  failed: boolean;
  resolve(results: RecordMetadata[]): void;
  reject(error: Error): void;
}

/** Who waits for a record's acknowledgement: its own send() promise, or a slot of a sendMany() group. */
type Waiting = { resolve(meta: RecordMetadata): void; reject(error: Error): void } | { group: Group; index: number };

function fail(waiting: Waiting, error: Error): void {
  if ("group" in waiting) {
    if (!waiting.group.failed) {
      waiting.group.failed = true;
      waiting.group.reject(error);
    }
  } else waiting.reject(error);
}

function succeed(waiting: Waiting, meta: RecordMetadata): void {
  if ("group" in waiting) {
    const g = waiting.group;
    g.results[waiting.index] = meta;
    if (--g.remaining === 0 && !g.failed) g.resolve(g.results);
  } else waiting.resolve(meta);
}

interface Batch {
  topic: string;
  partition: number;
  records: RecordInput[];
  waiting: Waiting[];
  bytes: number;
  encoded?: Uint8Array;
  attempts: number;
}

interface PartitionState {
  open: Batch | undefined;
  timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined;
  ready: Batch[];
  inFlight: number;
  nextSequence: number;
}

const sizeOf = (v: Uint8Array | string | null | undefined) => (v == null ? 0 : typeof v === "string" ? v.length * 3 : v.length);

export class Producer {
  /** topic -> partition -> state */
  private readonly partitions = new Map<string, PartitionState[]>();
  private readonly counts = new Map<string, number>();
  private readonly loadingCounts = new Map<string, Promise<void>>();
  private readonly sticky = new Map<string, number>();
  private buffered = 0;
  /** Callers waiting for room, in arrival order (a head index: Array#shift is O(n) on long queues). */
  private readonly roomWaiters = new WaitQueue();
  private identity: Promise<{ producerId: bigint; producerEpoch: number }> | undefined;
  private readonly idle = new Set<() => void>();
  private closed = false;
  private readonly acks: -1 | 0 | 1;

  constructor(private readonly connection: Connection, private readonly admin: Admin, private readonly options: ProducerOptions = {}) {
    this.acks = options.acks === "all" || options.acks === undefined ? -1 : options.acks;
  }

  /** Bytes batching or in flight. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** True while send() would wait for room. */
  get congested(): boolean {
    return this.buffered >= (this.options.maxBufferedBytes ?? 16 * 1024 * 1024);
  }

  /** Resolves when send() would accept a record without waiting. */
  drained(): Promise<void> {
    if (!this.congested) return Promise.resolve();
    return new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /**
   * Sends one record; resolves with its offset once the broker acknowledged it (acks=0: once sent). While
   * the producer is not congested and the topic's partition count is known, the record joins its batch
   * before send() returns, so a synchronous loop of sends fills batches and sees `congested` turn true.
   */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    return new Promise<RecordMetadata>((resolve, reject) => this.accept(record, { resolve, reject }));
  }

  /**
   * Sends many records with one promise for all of them (cheaper than one per record at high rates);
   * resolves with their metadata in order, or rejects with the first error.
   */
  sendMany(records: ProducerRecord[]): Promise<RecordMetadata[]> {
    return new Promise<RecordMetadata[]>((resolve, reject) => {
      if (records.length === 0) return resolve([]);
      const group: Group = { results: new Array(records.length), remaining: records.length, failed: false, resolve, reject };
      records.forEach((record, index) => this.accept(record, { group, index }));
    });
  }

  private accept(record: ProducerRecord, waiting: Waiting): void {
    if (this.closed) return fail(waiting, new Error("producer is closed"));
    if (!this.congested && this.roomWaiters.length === 0) {
      const partition = this.partitionNow(record);
      if (partition !== undefined) return this.enqueue(record, partition, waiting);
    }
    // Slow path: wait for room, in arrival order, then (once) for the topic's partition count. A woken
    // waiter enqueues synchronously, so the wake loop in settle() sees the room it used.
    const proceed = () => {
      const partition = this.partitionNow(record);
      if (partition !== undefined) return this.enqueue(record, partition, waiting);
      this.loadPartitions(record.topic).then(
        () => this.enqueue(record, this.partitionNow(record)!, waiting),
        (error: Error) => fail(waiting, error),
      );
    };
    if (this.congested || this.roomWaiters.length) this.roomWaiters.push(proceed);
    else proceed();
  }

  private enqueue(record: ProducerRecord, partition: number, waiting: Waiting): void {
    const input: RecordInput = { key: record.key ?? null, value: record.value, headers: record.headers, timestamp: record.timestamp ?? Date.now() };
    let bytes = sizeOf(record.key) + sizeOf(record.value) + 24;
    if (record.headers) for (const h of record.headers) bytes += h.key.length + sizeOf(h.value) + 4;
    const state = this.stateOf(record.topic, partition);
    state.open ??= { topic: record.topic, partition, records: [], waiting: [], bytes: 0, attempts: 0 };
    state.open.records.push(input);
    state.open.waiting.push(waiting);
    state.open.bytes += bytes;
    this.buffered += bytes;
    if (state.open.bytes >= (this.options.batchBytes ?? 256 * 1024)) this.seal(state);
    else if (!state.timer) {
      const linger = this.options.lingerMs ?? 5;
      // setTimeout(0) waits at least a millisecond; a zero linger means "at the end of this turn".
      // Browsers have no setImmediate: there a zero linger is setTimeout(0).
      state.timer = linger > 0 || typeof setImmediate !== "function" ? setTimeout(() => this.seal(state), linger) : setImmediate(() => this.seal(state));
    }
  }

  /** Sends every batching record now and waits until all are acknowledged. */
  async flush(): Promise<void> {
    const states = () => [...this.partitions.values()].flat().filter((s) => s !== undefined);
    for (const state of states()) this.seal(state);
    while (states().some((s) => s.inFlight > 0 || s.ready.length > 0 || s.open)) {
      await new Promise<void>((resolve) => this.idle.add(resolve));
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private stateOf(topic: string, partition: number): PartitionState {
    let byPartition = this.partitions.get(topic);
    if (!byPartition) this.partitions.set(topic, (byPartition = []));
    let state = byPartition[partition];
    if (!state) byPartition[partition] = state = { open: undefined, timer: undefined, ready: [], inFlight: 0, nextSequence: 0 };
    return state;
  }

  /** The partition for a record, or undefined while the topic's partition count is unknown. */
  private partitionNow(record: ProducerRecord): number | undefined {
    if (record.partition !== undefined) return record.partition;
    const partitions = this.counts.get(record.topic);
    if (partitions === undefined) return undefined;
    if (record.key != null) return partitionForKey(record.key, partitions);
    // Kafka's sticky partitioner: keyless records fill one partition's batch, then move on.
    let current = this.sticky.get(record.topic);
    if (current === undefined || current >= partitions) this.sticky.set(record.topic, (current = Math.floor(Math.random() * partitions)));
    return current;
  }

  private loadPartitions(topic: string): Promise<void> {
    let loading = this.loadingCounts.get(topic);
    if (!loading) {
      loading = this.admin.partitionCount(topic).then(
        (count) => void this.counts.set(topic, count),
        (error) => {
          this.loadingCounts.delete(topic);
          throw error;
        },
      );
      this.loadingCounts.set(topic, loading);
    }
    return loading;
  }

  /** Closes the open batch of a partition and queues it for sending. */
  private seal(state: PartitionState): void {
    if (state.timer) {
      clearTimeout(state.timer as ReturnType<typeof setTimeout>);
      if (typeof clearImmediate === "function") clearImmediate(state.timer as ReturnType<typeof setImmediate>);
    }
    state.timer = undefined;
    const batch = state.open;
    if (!batch) return;
    state.open = undefined;
    state.ready.push(batch);
    const sticky = this.sticky.get(batch.topic);
    if (sticky === batch.partition) this.sticky.delete(batch.topic);
    void this.pump(state);
  }

  private async pump(state: PartitionState): Promise<void> {
    const limit = this.options.maxInFlightPerPartition ?? 1;
    while (state.ready.length && state.inFlight < limit) {
      const batch = state.ready.shift()!;
      state.inFlight++;
      void this.sendBatch(state, batch).finally(() => {
        state.inFlight--;
        void this.pump(state);
        this.notifyIdle();
      });
    }
  }

  private async encode(state: PartitionState, batch: Batch): Promise<Uint8Array> {
    if (batch.encoded) return batch.encoded; // a retry resends the same bytes (same sequence numbers)
    if (this.options.idempotent) {
      this.identity ??= this.connection.request({ type: FrameType.INIT_PRODUCER_ID }).then((f) => {
        const frame = f as Extract<ServerFrame, { type: typeof FrameType.PRODUCER_ID }>;
        return { producerId: frame.producerId, producerEpoch: frame.producerEpoch };
      });
      const { producerId, producerEpoch } = await this.identity;
      const baseSequence = state.nextSequence;
      state.nextSequence = (state.nextSequence + batch.records.length) % 0x80000000;
      batch.encoded = encodeRecordBatch(batch.records, { producerId, producerEpoch, baseSequence });
    } else {
      batch.encoded = encodeRecordBatch(batch.records);
    }
    return batch.encoded;
  }

  private async sendBatch(state: PartitionState, batch: Batch): Promise<void> {
    const retries = this.options.retries ?? 5;
    for (;;) {
      try {
        const bytes = await this.encode(state, batch);
        const frame = { type: FrameType.PRODUCE, acks: this.acks, timeoutMs: 30_000, items: [{ topic: batch.topic, partition: batch.partition, batch: bytes }] };
        if (this.acks === 0) {
          await this.connection.connect();
          this.connection.post({ ...frame, type: FrameType.PRODUCE, requestId: this.connection.allocateId() });
          return this.settle(batch, undefined, -1n);
        }
        const response = await this.connection.request({ ...frame, type: FrameType.PRODUCE });
        const item = (response as Extract<ServerFrame, { type: typeof FrameType.PRODUCE_RESULT }>).items[0]!;
        if (item.errorCode === 0) return this.settle(batch, undefined, item.baseOffset);
        throw errorFromCode(item.errorCode, "", item.errorMessage);
      } catch (error) {
        const retriable = (error as RivuletError).retriable === true;
        if (!retriable || batch.attempts >= retries) return this.settle(batch, error as Error, -1n);
        batch.attempts++;
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** (batch.attempts - 1)));
      }
    }
  }

  private settle(batch: Batch, error: Error | undefined, baseOffset: bigint): void {
    this.buffered -= batch.bytes;
    const { topic, partition } = batch;
    batch.waiting.forEach((w, i) =>
      error ? fail(w, error) : succeed(w, { topic, partition, offset: baseOffset < 0n ? -1n : baseOffset + BigInt(i) }),
    );
    // Wake waiters one at a time, in order: each enqueues at once, so the next sees the room that is left.
    while (!this.congested && this.roomWaiters.length) this.roomWaiters.shift()();
  }

  private notifyIdle(): void {
    const waiters = [...this.idle];
    this.idle.clear();
    for (const wake of waiters) wake();
  }
}

/** A FIFO of callbacks with O(1) shift, compacted as it drains. */
class WaitQueue {
  private items: Array<() => void> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: () => void): void {
    this.items.push(item);
  }

  shift(): () => void {
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined as never;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
