// The cluster client's idempotent producer: one producer id for the whole cluster and one sequence per
// partition, so a batch retried on a NEW leader after a failover carries the same producer id, epoch and
// sequence as on the old one. The new leader rebuilt that producer's sequences from the replicated log
// (src/shard/partition.ts replicate), so it answers a batch the old leader had replicated as a duplicate
// (its original offset) instead of appending it twice, and appends one the old leader never replicated.
// A per-connection idempotent Producer cannot do this: each connection would ask for its own producer id.
//
// Behavior:
// - Identity: INIT_PRODUCER_ID on any broker (producer ids are cluster-unique: the broker id is folded in).
// - Per partition, ONE produce request in flight: records sent while one is in flight join the next batch
//   (up to 1 MiB of values). With a single request in flight the retry of the oldest unanswered batch can
//   never be overtaken, which keeps the broker's sequence rules (5-batch window) trivially satisfied.
// - Records are encoded into their partition's open batch (BatchBuilder, as the single-broker producer) when
//   they are sent: no record object is kept, and the header and CRC are written once, when the batch leaves.
// - A batch is encoded once and retried byte for byte: on NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE,
//   leader-epoch errors, NOT_ENOUGH_REPLICAS(_AFTER_APPEND), a lost connection or a request timeout, the
//   metadata is refreshed and the same bytes go to the (possibly new) leader, until deliveryTimeoutMs.
// - A batch that fails for good (its delivery timeout, OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH,
//   any non-retriable error) rejects its records, and the producer takes a fresh producer id: the fate of
//   that sequence range is unknown, and a new id restarts every partition at sequence 0 (Kafka's
//   epoch bump), so later batches are never refused because of it.

import { partitionForKey } from "../../core/partitioner.js";
import { FrameType, type ServerFrame } from "../../protocol/ws/index.js";
import { InvalidRecordError, RivuletError } from "../../errors/index.js";
import { errorFromCode } from "../errors.js";
import type { RivuletClient } from "../index.js";
import type { ProducerOptions, ProducerRecord, RecordMetadata } from "../producer.js";
import { BatchBuilder } from "./builder.js";
import { DeliveryTimeoutError, ProducerClosedError, RequestTimeoutError, withTimeout, type Identity } from "./errors.js";

/** What the producer needs of the cluster client (RivuletCluster satisfies it). */
export interface LeaderRouter {
  leaderFor(topic: string, partition: number): Promise<RivuletClient>;
  refresh(topics: string[]): Promise<unknown>;
  partitionCount(topic: string): number | undefined;
}

interface Waiter {
  resolve(meta: RecordMetadata): void;
  reject(error: Error): void;
}

/** Records encoded as they arrived, and who waits for each, in order. */
interface OpenBatch {
  builder: BatchBuilder;
  waiters: Waiter[];
  /** Value bytes (strings at 3 per character): the batch takes no more past MAX_BATCH_VALUE_BYTES. */
  valueBytes: number;
  /** When its first record arrived: the delivery timeout runs from here. */
  createdAt: number;
}

interface PartitionState {
  /** Batches not yet sent, oldest first; records join the last one until it is full. */
  queue: OpenBatch[];
  busy: boolean;
  identity: Identity | undefined;
  nextSeq: number;
}

const MAX_BATCH_VALUE_BYTES = 1 << 20;

export class CrossBrokerProducer {
  private readonly parts = new Map<string, PartitionState>();
  private identity: Promise<Identity> | undefined;
  private roundRobin = 0;
  private closed = false;
  private readonly deliveryTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private idle: Array<() => void> = [];
  /** Records accepted and not yet answered, and who waits for their number to drop (drained()). */
  private unanswered = 0;
  private readonly maxUnanswered: number;
  private roomWaiters: Array<() => void> = [];

  constructor(
    private readonly router: LeaderRouter,
    private readonly shouldReroute: (error: unknown) => boolean,
    private readonly options: ProducerOptions & { maxInFlightRecords?: number } = {},
  ) {
    if (options.acks !== undefined && options.acks !== "all" && options.acks !== -1) throw new RangeError(`an idempotent producer needs acks "all", got ${String(options.acks)}`);
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? 120_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.maxUnanswered = options.maxInFlightRecords ?? 10_000;
  }

  /** More than `maxInFlightRecords` records (default 10,000) not answered yet: wait on drained() before more. */
  get congested(): boolean {
    return this.unanswered >= this.maxUnanswered;
  }

  drained(): Promise<void> {
    if (!this.congested) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  async send(record: ProducerRecord): Promise<RecordMetadata> {
    if (this.closed) throw new ProducerClosedError();
    this.unanswered++;
    try {
      if (record.timestamp !== undefined && !Number.isSafeInteger(record.timestamp)) throw new InvalidRecordError(`timestamp must be a safe integer, got ${record.timestamp}`);
      if (record.headers !== undefined && record.headers.some((h) => typeof h.key !== "string")) throw new InvalidRecordError("header keys must be strings");
      const partition = await this.partitionOf(record);
      return await new Promise<RecordMetadata>((resolve, reject) => {
        const state = this.stateOf(record.topic, partition);
        const batch = openBatch(state.queue);
        batch.builder.append(record.key, record.value, record.headers, record.timestamp ?? Date.now());
        batch.waiters.push({ resolve, reject });
        const v = record.value;
        batch.valueBytes += typeof v === "string" ? v.length * 3 : (v?.length ?? 0);
        void this.drain(record.topic, partition, state);
      });
    } finally {
      this.unanswered--;
      if (!this.congested && this.roomWaiters.length) for (const wake of this.roomWaiters.splice(0)) wake();
    }
  }

  /** Waits until every accepted record is acknowledged or failed. */
  async flush(): Promise<void> {
    while ([...this.parts.values()].some((s) => s.busy || s.queue.length)) await new Promise<void>((r) => this.idle.push(r));
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private stateOf(topic: string, partition: number): PartitionState {
    const key = `${topic}\u0000${partition}`;
    let state = this.parts.get(key);
    if (!state) this.parts.set(key, (state = { queue: [], busy: false, identity: undefined, nextSeq: 0 }));
    return state;
  }

  private async partitionOf(record: ProducerRecord): Promise<number> {
    if (record.partition !== undefined) return record.partition;
    let count = this.router.partitionCount(record.topic);
    if (!count) {
      await this.router.refresh([record.topic]);
      count = this.router.partitionCount(record.topic);
    }
    if (!count) throw new RivuletError("UNKNOWN_TOPIC_OR_PARTITION", `topic ${record.topic} is not in the cluster metadata`);
    if (record.key != null) return partitionForKey(record.key, count);
    return this.roundRobin++ % count;
  }

  /** One batch at a time per partition, the queued records of the moment in each. */
  private async drain(topic: string, partition: number, state: PartitionState): Promise<void> {
    if (state.busy) return;
    state.busy = true;
    try {
      while (state.queue.length) {
        const batch = state.queue.shift()!;
        const waiters = batch.waiters;
        try {
          const identity = await this.currentIdentity();
          if (state.identity !== identity) {
            // A fresh producer id starts every partition over at sequence 0.
            state.identity = identity;
            state.nextSeq = 0;
          }
          const baseSequence = state.nextSeq;
          const bytes = batch.builder.finish(identity, baseSequence);
          state.nextSeq = incrementSequence(baseSequence, waiters.length);
          const base = await this.deliver(topic, partition, bytes, waiters.length, batch.createdAt + this.deliveryTimeoutMs);
          for (let i = 0; i < waiters.length; i++) waiters[i]!.resolve({ topic, partition, offset: base + BigInt(i) });
        } catch (error) {
          // The sequence range's fate is unknown (or refused): continue under a fresh producer id.
          this.identity = undefined;
          for (const w of waiters) w.reject(error as Error);
        }
      }
    } finally {
      state.busy = false;
      const waiters = this.idle;
      this.idle = [];
      for (const wake of waiters) wake();
    }
  }

  private currentIdentity(): Promise<Identity> {
    this.identity ??= this.requestIdentity().catch((error: Error) => {
      this.identity = undefined;
      throw error;
    });
    return this.identity;
  }

  private async requestIdentity(): Promise<Identity> {
    const topic = [...this.parts.keys()][0]?.split("\u0000")[0];
    const deadline = Date.now() + this.deliveryTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        // Any broker will do; the leader of a partition we write to is one we need anyway.
        const client = await this.router.leaderFor(topic ?? "", 0).catch(() => this.anyClient());
        const frame = (await withTimeout(client.connection.request({ type: FrameType.INIT_PRODUCER_ID }), this.requestTimeoutMs, () => new RequestTimeoutError(this.requestTimeoutMs))) as Extract<ServerFrame, { type: typeof FrameType.PRODUCER_ID }>;
        return { producerId: frame.producerId, producerEpoch: frame.producerEpoch };
      } catch (error) {
        if (!this.shouldReroute(error) || Date.now() >= deadline) throw error;
        await backOff(attempt);
        await this.router.refresh([]).catch(() => undefined);
      }
    }
  }

  private async anyClient(): Promise<RivuletClient> {
    for (const key of this.parts.keys()) {
      const [topic, p] = key.split("\u0000");
      try {
        return await this.router.leaderFor(topic!, Number(p));
      } catch {
        // try the next partition's leader
      }
    }
    throw new RivuletError("LEADER_NOT_AVAILABLE", "no leader to ask for a producer id", { retriable: true });
  }

  /** Sends the same bytes to the partition's leader until acknowledged; the base offset of the batch. */
  private async deliver(topic: string, partition: number, bytes: Uint8Array, records: number, deadline: number): Promise<bigint> {
    let last: unknown;
    for (let attempt = 0; ; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) throw new DeliveryTimeoutError(topic, partition, 1, this.deliveryTimeoutMs, last as Error | undefined);
      try {
        const client = await this.router.leaderFor(topic, partition);
        const timeoutMs = Math.max(1, Math.min(this.requestTimeoutMs, left));
        const request = client.connection.request({ type: FrameType.PRODUCE, acks: -1, timeoutMs, items: [{ topic, partition, batch: bytes }] });
        const frame = (await withTimeout(request, timeoutMs, () => new RequestTimeoutError(timeoutMs))) as Extract<ServerFrame, { type: typeof FrameType.PRODUCE_RESULT }>;
        const item = frame.items[0];
        if (!item) throw new RivuletError("UNKNOWN_SERVER_ERROR", "produce response without a result");
        if (item.errorCode === 0) return item.baseOffset;
        throw errorFromCode(item.errorCode, "", item.errorMessage);
      } catch (error) {
        last = error;
        if (!this.shouldReroute(error)) throw error;
        this.options.onRetry?.({ topic, partition, error: error as Error, records, delayMs: backOffMs(attempt) });
        await backOff(attempt);
        await this.router.refresh([topic]).catch(() => undefined);
      }
    }
  }
}

/** The batch the next record joins: the newest unsent one, or a new one once that holds 1 MiB of values. */
function openBatch(queue: OpenBatch[]): OpenBatch {
  const last = queue[queue.length - 1];
  if (last && last.valueBytes < MAX_BATCH_VALUE_BYTES) return last;
  const batch: OpenBatch = { builder: new BatchBuilder(), waiters: [], valueBytes: 0, createdAt: Date.now() };
  queue.push(batch);
  return batch;
}

/** `sequence + n`, wrapping past 2^31-1 to 0 as the broker does (Kafka's DefaultRecordBatch.incrementSequence). */
function incrementSequence(sequence: number, n: number): number {
  return sequence > 0x7fffffff - n ? n - (0x7fffffff - sequence) - 1 : sequence + n;
}

function backOffMs(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 5), 1000);
}

function backOff(attempt: number): Promise<void> {
  return new Promise((r) => setTimeout(r, backOffMs(attempt)));
}
