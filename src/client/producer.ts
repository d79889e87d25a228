// The producer: picks partitions as Kafka's default partitioner does (explicit partition, else murmur2 of
// the key through the WASM core, else a sticky partition per batch), checks each record against the
// broker's limits before batching it, and hands it to its partition's pipeline (producer/partition-sender.ts:
// batching, up to maxInFlight requests per partition, retries within the delivery timeout, idempotence).
//
// Backpressure: send() resolves when the record is acknowledged, and before it is even accepted it waits
// while the producer holds more than maxBufferedBytes (records batching, in flight or waiting to be
// retried): a fast caller is slowed to the broker's pace instead of growing a queue. With acks 0 a batch
// counts as delivered once the socket took it, and the socket is only given more while it holds less than
// socketBufferBytes, so memory stays bounded there too.

import { partitionForKey } from "../core/index.js";
import { InvalidRecordError, MessageTooLargeError, UnknownTopicOrPartitionError } from "../errors/index.js";
import { FrameType, type ServerFrame } from "../protocol/ws/index.js";
import type { Admin } from "./admin.js";
import type { Connection } from "./connection.js";
import { DrainGate } from "./transport.js";
import type { Clock } from "./producer/builder.js";
import { BATCH_HEADER_BYTES, byteLength, fail, recordSize, type Batch, type Group, type RecordMetadata, type Tally, type Waiting } from "./producer/batch.js";
import { ProducerClosedError, RequestTimeoutError, withTimeout, type Identity } from "./producer/errors.js";
import { PartitionSender, type RetryEvent, type SenderHost, type SenderSettings } from "./producer/partition-sender.js";
import { SpareBuffers } from "./producer/spare-buffers.js";
import { WaitQueue } from "./producer/wait-queue.js";

export type { RecordMetadata } from "./producer/batch.js";
export type { RetryEvent } from "./producer/partition-sender.js";
export { DeliveryTimeoutError, ProducerClosedError, RequestTimeoutError } from "./producer/errors.js";

export type { BatchCompression, ProducerOptions, ProducerRecord } from "./producer/options.js";
import type { ProducerOptions, ProducerRecord } from "./producer/options.js";

interface TopicLimits {
  partitions: number;
  /** Largest encoded batch the broker takes for this topic (max.message.bytes and the frame limit). */
  maxBatchSize: number;
}

/** Bytes of a PRODUCE frame around its batch (type, ids, acks, timeout, counts, partition, lengths). */
const FRAME_OVERHEAD = 64;

export class Producer {
  /** topic -> partition -> its pipeline */
  private readonly senders = new Map<string, PartitionSender[]>();
  private readonly topics = new Map<string, TopicLimits>();
  private readonly loadingTopics = new Map<string, Promise<TopicLimits>>();
  private readonly sticky = new Map<string, number>();
  private buffered = 0;
  /** Callers waiting for room, in arrival order (a head index: Array#shift is O(n) on long queues). */
  private readonly roomWaiters = new WaitQueue();
  private sharedIdentity: Promise<Identity> | undefined;
  private readonly idleWaiters = new Set<() => void>();
  private closed = false;
  /** Records accepted by send() that wait for room or for their topic's metadata (flush waits for them too). */
  private pendingAccepts = 0;
  private readonly settings: SenderSettings;
  private readonly host: SenderHost;
  /**
   * The creation time given to records without a timestamp: when their send call was made (Kafka stamps a
   * record in send(), also if it then waits for room). A field read where the record is encoded, not an
   * argument: a number past 2^31 passed between functions is boxed on the heap at every call.
   */
  private readonly clock: Clock = { now: 0 };
  private lastTopic: string | undefined;
  private lastSenders: PartitionSender[] | undefined;
  /** maxBufferedBytes, read once (congested is checked per record). */
  private readonly maxBuffered: number;

  constructor(private readonly connection: Connection, private readonly admin: Admin, private readonly options: ProducerOptions = {}) {
    const acks = options.acks === "all" || options.acks === undefined ? -1 : options.acks;
    const idempotent = options.idempotent === true;
    const maxInFlight = options.maxInFlight ?? options.maxInFlightPerPartition ?? 5;
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
    // Kafka's rules: the broker only remembers 5 batches per producer, and deduplication needs answers.
    if (idempotent && maxInFlight > 5) throw new RangeError(`an idempotent producer allows at most 5 requests in flight per partition, got ${maxInFlight}`);
    if (idempotent && acks !== -1) throw new RangeError(`an idempotent producer needs acks "all", got ${String(options.acks)}`);
    this.maxBuffered = options.maxBufferedBytes ?? 16 * 1024 * 1024;
    this.settings = {
      acks,
      idempotent,
      maxInFlight,
      lingerMs: options.lingerMs ?? 5,
      batchBytes: options.batchBytes ?? 256 * 1024,
      deliveryTimeoutMs: options.deliveryTimeoutMs ?? 120_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      retries: options.retries ?? Number.POSITIVE_INFINITY,
      retryBackoffMs: options.retryBackoffMs ?? 100,
      retryBackoffMaxMs: options.retryBackoffMaxMs ?? 1000,
      socketBufferBytes: options.socketBufferBytes ?? 4 * 1024 * 1024,
      compression: options.compression,
    };
    if (options.compression && ![1, 2, 3, 4].includes(options.compression.codec)) throw new RangeError(`compression codec must be 1 (gzip), 2 (snappy), 3 (lz4) or 4 (zstd), got ${options.compression.codec}`);
    this.host = {
      connection,
      settings: this.settings,
      clock: this.clock,
      drain: new DrainGate(() => connection.bufferedAmount, this.settings.socketBufferBytes),
      // Never more idle than the records it may buffer: after a burst the producer keeps at most that.
      spares: new SpareBuffers(this.maxBuffered),
      identity: () => (this.sharedIdentity ??= this.requestIdentity().catch((error: Error) => ((this.sharedIdentity = undefined), Promise.reject(error)))),
      freshIdentity: () => this.requestIdentity(),
      sealed: (batch: Batch) => {
        if (this.sticky.get(batch.topic) === batch.partition) this.sticky.delete(batch.topic);
      },
      released: (bytes: number) => this.release(bytes),
      changed: () => this.notifyIdle(),
      retrying: (event: RetryEvent) => this.options.onRetry?.(event),
    };
  }

  /** Bytes batching, in flight or waiting to be retried. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** True while send() would wait for room. */
  get congested(): boolean {
    return this.buffered >= this.maxBuffered;
  }

  /** Resolves when send() would accept a record without waiting. */
  drained(): Promise<void> {
    if (!this.congested) return Promise.resolve();
    return new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /**
   * Sends one record; resolves with its offset once the broker acknowledged it (acks 0: once the socket
   * took it), or rejects with a typed error (`retriable` says whether sending it again could succeed). While
   * the producer is not congested and the topic is known, the record joins its batch before send()
   * returns, so a synchronous loop of sends fills batches and sees `congested` turn true.
   */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    return new Promise<RecordMetadata>((resolve, reject) => this.accept(record, { resolve, reject }, Date.now()));
  }

  /**
   * Sends many records with one promise for all of them (cheaper than one per record at high rates);
   * resolves with their metadata in order, or rejects with the first error.
   */
  sendMany(records: ProducerRecord[]): Promise<RecordMetadata[]> {
    return new Promise<RecordMetadata[]>((resolve, reject) => {
      if (records.length === 0) return resolve([]);
      const group: Group = { results: new Array(records.length), remaining: records.length, failed: false, resolve, reject };
      const now = Date.now(); // one creation time for the call's records (they were handed over together)
      records.forEach((record, index) => this.accept(record, { group, index }, now));
    });
  }

  /**
   * Sends many records with one promise and no per-record metadata: resolves once every record is
   * acknowledged (acks 0: handed to the socket), or rejects with the first error. The cheapest path at high
   * rates (no promise, no closure and no metadata object per record); records keep send()'s order, limits,
   * partitioning and retries. Use send()/sendMany() when the offsets are needed.
   */
  sendAll(records: ProducerRecord[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (records.length === 0) return resolve();
      const tally: Tally = { tally: true, remaining: records.length, failed: false, resolve, reject };
      // One creation time for the call's records, as Kafka stamps a record when send() is called (also for
      // those that wait for room); read once, it also spares a boxed number per record.
      const now = Date.now();
      // While congested, the rest of the call waits as ONE room waiter (not one closure per record), and
      // goes back to the head of the queue when room runs out again, so later calls cannot overtake it.
      this.pendingAccepts++;
      let next = 0;
      let queued = false;
      let topic: string | undefined;
      let limits: TopicLimits | undefined;
      const run = () => {
        this.clock.now = now;
        while (next < records.length) {
          if (this.closed) {
            fail(tally, new ProducerClosedError());
            break;
          }
          if (this.congested) {
            if (queued) this.roomWaiters.putBack(run);
            else this.roomWaiters.push(run);
            queued = true;
            return;
          }
          const record = records[next]!;
          // A call's records mostly share one topic: its limits are looked up once per run of it.
          if (record.topic !== topic || !limits) {
            topic = record.topic;
            limits = this.topics.get(topic);
          }
          if (!limits) {
            // First use of the topic: the rest of the call waits once for its metadata (not a waiter per
            // record), behind whoever asked first, so order holds. If it cannot load, the call fails and
            // its remaining records are not sent.
            this.loadTopic(record.topic).then(run, (error: Error) => {
              fail(tally, error);
              next = records.length;
              run();
            });
            return;
          }
          next++;
          this.enqueue(record, limits, tally);
        }
        this.pendingAccepts--;
        this.notifyIdle();
      };
      if (this.roomWaiters.length) {
        queued = true;
        this.roomWaiters.push(run);
      } else run();
    });
  }

  /** `now`: the creation time of records without a timestamp (when the caller handed them over). */
  private accept(record: ProducerRecord, waiting: Waiting, now: number): void {
    if (this.closed) return fail(waiting, new ProducerClosedError());
    if (!this.congested && this.roomWaiters.length === 0) {
      const limits = this.topics.get(record.topic);
      if (limits) {
        this.clock.now = now;
        return this.enqueue(record, limits, waiting);
      }
    }
    this.acceptLater(record, waiting, now);
  }

  /**
   * Slow path: wait for room, in arrival order, then (once per topic) for its partition count and limits.
   * A woken waiter enqueues synchronously, so the wake loop in release() sees the room it used. (Its own
   * method: closures in accept() would allocate a context on every call, also on the fast path.)
   */
  private acceptLater(record: ProducerRecord, waiting: Waiting, now: number): void {
    this.pendingAccepts++;
    const done = () => {
      this.pendingAccepts--;
      this.notifyIdle();
    };
    const proceed = () => {
      const limits = this.topics.get(record.topic);
      if (limits) {
        this.clock.now = now;
        this.enqueue(record, limits, waiting);
        return done();
      }
      this.loadTopic(record.topic).then(
        (loaded) => (this.closed ? fail(waiting, new ProducerClosedError()) : ((this.clock.now = now), this.enqueue(record, loaded, waiting))),
        (error: Error) => fail(waiting, error),
      ).finally(done);
    };
    if (this.congested || this.roomWaiters.length) this.roomWaiters.push(proceed);
    else proceed();
  }

  /** Encodes a record into its partition's batch; records without a timestamp get `clock.now` (set by the caller). */
  private enqueue(record: ProducerRecord, limits: TopicLimits, waiting: Waiting): void {
    const { key, value, headers } = record;
    let size: number;
    let bytes: number;
    let partition: number;
    if (headers === undefined && record.partition === undefined && record.timestamp === undefined && key == null && value instanceof Uint8Array && BATCH_HEADER_BYTES + 36 + value.length <= limits.maxBatchSize) {
      // The common record at high rates (keyless bytes, no headers, no timestamp, well under the limit):
      // nothing to validate, sizes without the general functions, the sticky partition.
      size = 36 + value.length;
      bytes = value.length + 24;
      partition = this.stickyPartition(record.topic, limits.partitions);
    } else {
      size = recordSize(record);
      const invalid = this.validate(record, limits, size);
      if (invalid) return fail(waiting, invalid);
      partition = this.partitionOf(record, limits.partitions);
      bytes = byteLength(key) + byteLength(value) + 24;
      if (headers) for (const h of headers) bytes += h.key.length + byteLength(h.value) + 4;
    }
    this.buffered += bytes;
    // The record is encoded into its batch here (no copy of it is kept).
    this.senderOf(record.topic, partition, limits).add(key, value, headers, record.timestamp, waiting, bytes, size);
  }

  /** The reason a record cannot be sent, found before it joins a batch (so it cannot fail its batch-mates). */
  private validate(record: ProducerRecord, limits: TopicLimits, size: number): Error | undefined {
    if (record.partition !== undefined && (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= limits.partitions)) {
      return new UnknownTopicOrPartitionError(`topic ${record.topic} has no partition ${record.partition} (it has ${limits.partitions})`);
    }
    if (record.timestamp !== undefined && !Number.isSafeInteger(record.timestamp)) return new InvalidRecordError(`timestamp must be a safe integer, got ${record.timestamp}`);
    if (record.headers !== undefined && record.headers.some((h) => typeof h.key !== "string")) return new InvalidRecordError("header keys must be strings");
    // Strings are counted at 3 bytes per character first; their exact UTF-8 size only near the limit.
    if (BATCH_HEADER_BYTES + size > limits.maxBatchSize) {
      const size = BATCH_HEADER_BYTES + recordSize(record, true);
      if (size > limits.maxBatchSize) {
        return new MessageTooLargeError(`record of ${size - BATCH_HEADER_BYTES - 36} bytes is too large: a batch holding it needs up to ${size} bytes and the broker takes at most ${limits.maxBatchSize} for topic ${record.topic}`);
      }
    }
    return undefined;
  }

  /** Sends every batching record now and waits until all are acknowledged or failed. */
  async flush(): Promise<void> {
    const all = () => [...this.senders.values()].flat().filter((s) => s !== undefined);
    for (;;) {
      for (const sender of all()) sender.flush(); // also what joined since the last round
      if (this.pendingAccepts === 0 && all().every((s) => s.idle)) return;
      await new Promise<void>((resolve) => this.idleWaiters.add(resolve));
    }
  }

  /** Flushes, then refuses further sends. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private senderOf(topic: string, partition: number, limits: TopicLimits): PartitionSender {
    // The last topic's senders are kept at hand (one map lookup less per record of a run).
    let byPartition = topic === this.lastTopic ? this.lastSenders : this.senders.get(topic);
    if (!byPartition) this.senders.set(topic, (byPartition = []));
    this.lastTopic = topic;
    this.lastSenders = byPartition;
    return (byPartition[partition] ??= new PartitionSender(this.host, topic, partition, limits.maxBatchSize));
  }

  private partitionOf(record: ProducerRecord, partitions: number): number {
    if (record.partition !== undefined) return record.partition;
    if (record.key != null) return partitionForKey(record.key, partitions);
    return this.stickyPartition(record.topic, partitions);
  }

  /** Kafka's sticky partitioner: keyless records fill one partition's batch, then move on. */
  private stickyPartition(topic: string, partitions: number): number {
    if (partitions === 1) return 0;
    let current = this.sticky.get(topic);
    if (current === undefined || current >= partitions) this.sticky.set(topic, (current = Math.floor(Math.random() * partitions)));
    return current;
  }

  private loadTopic(topic: string): Promise<TopicLimits> {
    let loading = this.loadingTopics.get(topic);
    if (!loading) {
      const ms = this.settings.requestTimeoutMs;
      loading = withTimeout(this.admin.describeTopic(topic), ms, () => new RequestTimeoutError(ms)).then(
        (info) => {
          this.loadingTopics.delete(topic);
          const configured = Number(info.configs.find((c) => c.name === "max.message.bytes")?.value);
          const frameRoom = this.connection.server.maxFrameBytes - FRAME_OVERHEAD - topic.length * 3;
          const limits = { partitions: info.partitions.length, maxBatchSize: Math.min(Number.isFinite(configured) && configured > 0 ? configured : frameRoom, frameRoom) };
          this.topics.set(topic, limits);
          this.notifyIdle();
          return limits;
        },
        (error: Error) => {
          this.loadingTopics.delete(topic);
          this.notifyIdle();
          throw error;
        },
      );
      this.loadingTopics.set(topic, loading);
    }
    return loading;
  }

  private async requestIdentity(): Promise<Identity> {
    const ms = this.settings.requestTimeoutMs;
    const request = this.connection.request({ type: FrameType.INIT_PRODUCER_ID });
    const frame = (await withTimeout(request, ms, () => new RequestTimeoutError(ms))) as Extract<ServerFrame, { type: typeof FrameType.PRODUCER_ID }>;
    return { producerId: frame.producerId, producerEpoch: frame.producerEpoch };
  }

  private release(bytes: number): void {
    this.buffered -= bytes;
    // Wake waiters one at a time, in order: each enqueues at once, so the next sees the room that is left.
    while (!this.congested && this.roomWaiters.length) this.roomWaiters.shift()();
  }

  private notifyIdle(): void {
    if (this.idleWaiters.size === 0) return;
    const waiters = [...this.idleWaiters];
    this.idleWaiters.clear();
    for (const wake of waiters) wake();
  }
}
