// One partition's pipeline: an open batch that records join, sealed batches waiting for a request slot,
// up to `maxInFlight` produce requests in flight, and the retry of failed batches.
//
// Sealing (issue 14): a batch is sealed when it is full, or when its linger is over AND a request slot is
// free. While every slot is busy, new records keep joining the open batch, so a slow round trip makes
// batches bigger instead of queueing many small ones.
//
// Retries (Kafka's semantics): any failed in-flight batch puts the partition into recovery. Nothing new is
// sent until every in-flight request has answered; then the failed batches go back in front of the queue in
// their original order and are sent again after a backoff (retryBackoffMs doubling to retryBackoffMaxMs),
// until deliveryTimeoutMs after the batch was created; then its records fail with DeliveryTimeoutError.
// Non-retriable errors fail the batch's records at once, except those that may be one record's fault
// (MESSAGE_TOO_LARGE, INVALID_RECORD, CORRUPT_MESSAGE): such a batch is split in two and each half retried,
// down to single records, so a bad record never takes its batch-mates with it. Which of these applies is
// decided in retry-decision.ts; this file carries it out.
//
// Idempotence: each batch gets its sequence numbers at its first dispatch and keeps them across retries,
// so the broker drops a retried batch it already appended (it remembers the last 5 per producer: hence at
// most 5 in flight) and answers with the original offsets. A batch after a failed one is refused with
// OUT_OF_ORDER_SEQUENCE_NUMBER, which is retriable here while an earlier batch is unresolved. When a batch
// leaves the window without being appended (refused outright, split), the sequences of the batches
// behind it are renumbered to close the gap (none of them can have been appended: the broker refuses
// gaps). When a batch's fate is unknown (it was sent, then retriable errors lasted past its delivery
// timeout) the partition takes a fresh producer id and starts again at sequence 0, as Kafka bumps the epoch.
//
// Without idempotence and maxInFlight > 1, a retried batch can land after a later one (as in Kafka with
// enable.idempotence=false and max.in.flight.requests.per.connection > 1), and a retry after a lost
// answer can duplicate.

import { FrameType, type ServerFrame } from "../../protocol/ws/index.js";
import type { Connection } from "../connection.js";
import { errorFromCode } from "../errors.js";
import type { DrainGate } from "../transport.js";
import { addWaiting, compressBatch, fail, forEachWaiting, newBatch, splitBatch, succeedAt, type Batch, type Waiting } from "./batch.js";
import type { Clock, HeaderInput } from "./builder.js";
import { DeliveryTimeoutError, type Identity } from "./errors.js";
import { ProduceRequests } from "./produce-request.js";
import { backoffDelay, judgeFailure } from "./retry-decision.js";
import { Sequences } from "./sequences.js";
import type { SpareBuffers } from "./spare-buffers.js";

export interface SenderSettings {
  acks: -1 | 0 | 1;
  lingerMs: number;
  batchBytes: number;
  maxInFlight: number;
  deliveryTimeoutMs: number;
  requestTimeoutMs: number;
  retries: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  idempotent: boolean;
  /** acks 0: wait while the socket holds more than this many unsent bytes. */
  socketBufferBytes: number;
  /** Batches are compressed with this codec when that makes them smaller. */
  compression?: { codec: number; compress(records: Uint8Array): Uint8Array };
}

export interface RetryEvent {
  topic: string;
  partition: number;
  /** The retriable error that failed the attempt. */
  error: Error;
  /** Records waiting to be retried in this partition. */
  records: number;
  /** Wait before the next attempt. */
  delayMs: number;
}

/** What a sender needs from its producer. */
export interface SenderHost {
  readonly connection: Connection;
  readonly settings: SenderSettings;
  /** The creation time of records without a timestamp. */
  readonly clock: Clock;
  /** acks 0: the socket's drain gate (shared by the partitions, so batches reach the socket in order). */
  readonly drain: DrainGate;
  /** Buffers of acknowledged batches, shared by the partitions (bounded in bytes). */
  readonly spares: SpareBuffers;
  /** The producer's id (requested once, shared by the partitions). */
  identity(): Promise<Identity>;
  /** A new producer id for this partition alone (its sequence state is unknown). */
  freshIdentity(): Promise<Identity>;
  /** A batch was sealed (the sticky partitioner moves on). */
  sealed(batch: Batch): void;
  /** A batch's records were settled (acknowledged or failed): release their buffered bytes. */
  released(bytes: number): void;
  /** Something finished: flush() re-checks. */
  changed(): void;
  retrying(event: RetryEvent): void;
}

export class PartitionSender {
  private open: Batch | undefined;
  private lingerTimer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined;
  private queue: Batch[] = [];
  private readonly inFlight = new Set<Batch>();
  private retry: Batch[] = [];
  private recovering = false;
  /** The retries of the current recovery wait for a backoff (a split alone does not). */
  private backoffNeeded = false;
  /** Idempotence: producer id, sequence numbers and the window of first sends. */
  private readonly sequences = new Sequences();
  private identityLoading = false;
  private nextOrder = 0;
  private failures = 0;
  private backoffUntil = 0;
  private backoffTimer: ReturnType<typeof setTimeout> | undefined;
  private pumpScheduled = false;
  /** Puts batches on the wire (and keeps room for the frame's head in front of each). */
  private readonly requests: ProduceRequests;

  constructor(
    private readonly host: SenderHost,
    readonly topic: string,
    readonly partition: number,
    /** Largest encoded batch the broker accepts here. */
    private readonly maxBatchSize: number,
  ) {
    this.requests = new ProduceRequests(host.connection, host.settings, host.drain, topic, partition);
  }

  /** Nothing batching, queued, in flight or waiting to be retried. */
  get idle(): boolean {
    return !this.open && this.queue.length === 0 && this.inFlight.size === 0 && this.retry.length === 0 && !this.recovering;
  }

  /**
   * Adds a record (its size already checked against maxBatchSize, its timestamp a safe integer or
   * undefined for the host's clock) to the open batch: it is encoded now, so the caller's arrays may be
   * reused at once.
   */
  add(key: Uint8Array | string | null | undefined, value: Uint8Array | string | null, headers: HeaderInput[] | undefined, timestamp: number | undefined, waiting: Waiting, bytes: number, size: number): void {
    if (this.open && this.open.size + size > this.maxBatchSize) this.sealFull();
    const batch = (this.open ??= newBatch(this.topic, this.partition, this.nextOrder++, this.host.spares.take(), this.requests.frameHead, this.maxBatchSize));
    batch.builder.append(key, value, headers, timestamp, this.host.clock);
    batch.count++;
    addWaiting(batch, waiting);
    batch.bytes += bytes;
    // The exact size so far (the bound `size` is ~30% above it for small records, and `bytes` counts
    // strings at 3 bytes per character): batchBytes and the broker's limit are compared with what is sent.
    batch.size = batch.builder.length - batch.builder.start;
    if (batch.size >= this.host.settings.batchBytes || batch.size >= this.maxBatchSize) this.sealFull();
    else if (this.lingerTimer === undefined && !batch.ripe) this.startLinger(batch);
  }

  /**
   * The open batch's linger starts. Its own method: a closure in add() that captured `batch` would make
   * every add() call allocate a context for it (~50 bytes per record), whether the closure is made or not.
   */
  private startLinger(batch: Batch): void {
    const linger = this.host.settings.lingerMs;
    const ripen = () => {
      this.lingerTimer = undefined;
      if (this.open === batch) {
        batch.ripe = true;
        this.pump();
      }
    };
    // setTimeout(0) waits at least a millisecond; a zero linger means "at the end of this turn", so a
    // synchronous loop of sends still shares one batch. Browsers have no setImmediate.
    this.lingerTimer = linger > 0 || typeof setImmediate !== "function" ? setTimeout(ripen, linger) : setImmediate(ripen);
  }

  /** Ends the linger of the open batch (flush): it goes out as soon as a slot is free. */
  flush(): void {
    if (this.open) this.open.ripe = true;
    this.pump();
  }

  private sealFull(): void {
    const batch = this.takeOpen();
    if (!batch) return;
    this.queue.push(batch);
    this.pump();
  }

  private takeOpen(): Batch | undefined {
    const batch = this.open;
    if (!batch) return undefined;
    this.clearLinger();
    this.open = undefined;
    this.host.sealed(batch);
    return batch;
  }

  private clearLinger(): void {
    if (this.lingerTimer === undefined) return;
    clearTimeout(this.lingerTimer as ReturnType<typeof setTimeout>);
    if (typeof clearImmediate === "function") clearImmediate(this.lingerTimer as ReturnType<typeof setImmediate>);
    this.lingerTimer = undefined;
  }

  /** Sends what may be sent: queued batches, then the open one if its linger is over, while slots are free. */
  private pump(): void {
    if (this.recovering) return;
    this.expire();
    if (this.recovering) return this.recover();
    if (Date.now() < this.backoffUntil) return this.wakeAt(this.backoffUntil);
    const { maxInFlight, idempotent } = this.host.settings;
    if (idempotent && !this.sequences.identity) {
      if (this.queue.length || this.open?.ripe) this.loadIdentity();
      return;
    }
    const limit = idempotent ? this.sequences.limit(maxInFlight) : maxInFlight;
    while (!this.recovering && this.inFlight.size < limit && !(idempotent && this.sequences.windowFull(this.queue[0] ?? this.open, maxInFlight))) {
      let batch = this.queue.shift();
      if (!batch && this.open?.ripe) batch = this.takeOpen();
      if (!batch) break;
      this.dispatch(batch);
    }
    if (this.recovering) this.recover();
  }

  /** pump() after the current turn (settling many answers in one turn pumps once). */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private wakeAt(at: number): void {
    if (this.backoffTimer) return;
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      this.pump();
    }, Math.max(0, at - Date.now()));
  }

  private loadIdentity(): void {
    if (this.identityLoading) return;
    this.identityLoading = true;
    (this.sequences.needsFresh ? this.host.freshIdentity() : this.host.identity()).then(
      (identity) => {
        this.identityLoading = false;
        this.sequences.adopt(identity);
        this.failures = 0;
        this.pump();
      },
      (error: Error) => {
        // No producer id yet (the broker is unreachable): the batches wait, within their delivery timeout.
        this.identityLoading = false;
        for (const batch of this.queue) batch.lastError = error;
        if (this.open) this.open.lastError = error;
        this.backOff(error, this.queue.reduce((n, b) => n + b.count, 0));
        this.pump();
      },
    );
  }

  private backOff(error: Error, records: number): void {
    const { retryBackoffMs, retryBackoffMaxMs } = this.host.settings;
    const delay = backoffDelay(this.failures, retryBackoffMs, retryBackoffMaxMs);
    this.failures++;
    this.backoffUntil = Date.now() + delay;
    this.host.retrying({ topic: this.topic, partition: this.partition, error, records, delayMs: Math.round(delay) });
  }

  private dispatch(batch: Batch): void {
    const { idempotent } = this.host.settings;
    if (!batch.encoded) {
      try {
        if (idempotent) {
          this.sequences.assign(batch);
          batch.encoded = batch.builder.finish(batch.identity, batch.seq % 0x80000000);
        } else {
          batch.encoded = batch.builder.finish(undefined, -1);
        }
        batch.encoded = compressBatch(batch.encoded, this.host.settings.compression);
      } catch (error) {
        // Records are validated on send(); an encoding failure is the batch's own, and final.
        this.settle(batch, error as Error);
        return this.removed(batch, true);
      }
    }
    this.inFlight.add(batch);
    if (idempotent) this.sequences.sent(batch);
    batch.attempts++;
    batch.sent = true;
    this.requests.send(batch).then(
      (frame) => this.answered(batch, frame),
      (error: Error) => this.failed(batch, error),
    );
  }

  private answered(batch: Batch, frame: ServerFrame | undefined): void {
    if (frame === undefined) return this.acknowledged(batch, -1n);
    const item = (frame as Extract<ServerFrame, { type: typeof FrameType.PRODUCE_RESULT }>).items[0];
    if (!item) return this.failed(batch, new Error("produce response without a result"));
    if (item.errorCode === 0) return this.acknowledged(batch, item.baseOffset);
    this.failed(batch, errorFromCode(item.errorCode, "", item.errorMessage));
  }

  private acknowledged(batch: Batch, baseOffset: bigint): void {
    this.inFlight.delete(batch);
    this.sequences.acknowledged(batch);
    this.failures = 0;
    const { topic, partition } = this;
    forEachWaiting(batch, (waiting, index, repeat) => succeedAt(waiting, topic, partition, baseOffset, index, repeat));
    this.host.released(batch.bytes);
    this.recycle(batch);
    this.afterAnswer();
  }

  private failed(batch: Batch, error: Error): void {
    this.inFlight.delete(batch);
    batch.lastError = error;
    const { idempotent, retries, deliveryTimeoutMs } = this.host.settings;
    const verdict = judgeFailure(batch, error, {
      idempotent,
      retries,
      deliveryTimeoutMs,
      now: Date.now(),
      earlierUnresolved: () => this.recovering || this.hasEarlier(batch),
    });
    if (verdict.needsFresh) this.sequences.needsFresh = true;
    if (verdict.notAppended) this.sequences.notAppended(batch);
    if (verdict.action === "split") {
      this.retry.push(...splitBatch(batch));
      this.recovering = true;
    } else if (verdict.action === "retry") {
      this.retry.push(batch);
      if (verdict.backoff) this.backoffNeeded = true;
      this.recovering = true;
    } else {
      this.settle(batch, verdict.error);
      this.removed(batch, verdict.definitive);
    }
    this.afterAnswer();
  }

  /** Any batch sealed before `batch` still in flight or waiting to be retried. */
  private hasEarlier(batch: Batch): boolean {
    for (const b of this.inFlight) if (b.order < batch.order) return true;
    return this.retry.some((b) => b.order < batch.order);
  }

  /** A batch left without an acknowledgement (see Sequences.removed); without idempotence nothing needs fixing. */
  private removed(batch: Batch, definitive: boolean): void {
    if (this.host.settings.idempotent && this.sequences.removed(batch, definitive)) this.recovering = true;
  }

  private afterAnswer(): void {
    if (this.recovering) this.recover();
    else this.schedulePump();
    this.host.changed();
  }

  /** Once nothing is in flight: failed batches back in front of the queue, sequences fixed, backoff. */
  private recover(): void {
    if (this.inFlight.size > 0) return;
    const pending = [...this.retry.sort((a, b) => a.order - b.order), ...this.queue];
    this.retry = [];
    this.queue = pending;
    if (this.host.settings.idempotent) this.sequences.renumber(pending);
    this.recovering = false;
    if (this.backoffNeeded) {
      this.backoffNeeded = false;
      const error = pending.find((b) => b.lastError)?.lastError ?? new Error("retry");
      this.backOff(error, pending.reduce((n, b) => n + b.count, 0));
    }
    this.host.changed();
    this.pump();
  }

  /** Fails batches (open or queued) older than the delivery timeout. */
  private expire(): void {
    const { deliveryTimeoutMs } = this.host.settings;
    const now = Date.now();
    if (this.open && now - this.open.createdAt >= deliveryTimeoutMs) this.queue.push(this.takeOpen()!);
    if (this.queue.length === 0 || now - this.queue[0]!.createdAt < deliveryTimeoutMs) return;
    const keep: Batch[] = [];
    for (const batch of this.queue) {
      if (now - batch.createdAt < deliveryTimeoutMs) {
        keep.push(batch);
        continue;
      }
      this.settle(batch, new DeliveryTimeoutError(this.topic, this.partition, batch.count, deliveryTimeoutMs, batch.lastError));
      this.removed(batch, !batch.sent);
    }
    this.queue = keep;
    this.host.changed();
  }

  private settle(batch: Batch, error: Error): void {
    forEachWaiting(batch, (w) => fail(w, error));
    this.host.released(batch.bytes);
  }

  /** An acknowledged batch's buffer goes to the next batches (the socket copied it: see Connection.send). */
  private recycle(batch: Batch): void {
    this.host.spares.give(batch.builder.buffer);
    batch.encoded = undefined;
  }
}
