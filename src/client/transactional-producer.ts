// A transactional producer over the WebSocket protocol: Kafka's transactional producer semantics with the
// broker's transaction coordinator (the same one Kafka clients use, so a transactional id is fenced across
// both front ends).
//
//   const producer = client.producer({ transactionalId: "orders-enricher" });
//   await producer.beginTransaction();            // TXN_INIT on first use: fences older instances
//   await producer.send({ topic: "out", value: "x" });
//   await producer.sendOffsets({ group: "enricher", offsets: [{ topic: "in", partition: 0, offset: 42n }] });
//   await producer.commitTransaction();           // or abortTransaction()
//
// Behavior:
// - Sends inside a transaction are transactional, idempotent batches (acks all), one PRODUCE per send call
//   and partition, in call order (a send waits for the previous one: sequences stay gapless). A partition
//   joins the transaction (TXN_ADD) before its first batch; each PRODUCE names the transactional id, so the
//   partition's leader can verify the batch with the id's coordinator (another broker in cluster mode).
// - send() outside beginTransaction() is an InvalidTxnStateError; so are a second begin and an end with
//   none open. A send or end after another instance took over the id fails with the broker's fencing
//   error (PRODUCER_FENCED / INVALID_PRODUCER_EPOCH); this instance is then unusable.
// - commitTransaction() waits for every send of the transaction; if one failed, it aborts and rethrows.
// - An end that fails with a retriable error (the coordinator could not write its decision: a full disk)
//   leaves the transaction open, here as on the broker: call commitTransaction() or abortTransaction()
//   again. Were it taken as ended, the next transaction's commit would silently commit this one too.
// - Routing (TxnRoutes): one connection serves everything by default. The cluster client
//   (cluster-transactional.ts) sends the transaction frames to the id's coordinator and each partition's
//   batch to its leader, and sends a failed request again where its routes say (a retried batch keeps its
//   sequence, so a leader that already has it answers it as a duplicate, never storing it twice).

import { encodeRecordBatch, partitionForKey, Attributes, type RecordInput } from "../core/index.js";
import { KafkaProtocolError, UnknownTopicOrPartitionError } from "../errors/index.js";
import { FrameType, type ServerFrame } from "../protocol/ws/index.js";
import type { Admin } from "./admin.js";
import type { Connection } from "./connection.js";
import type { ProducerRecord } from "./producer.js";
import { errorFromCode } from "./errors.js";

export interface TransactionalProducerOptions {
  transactionalId: string;
  /** Kafka's transaction.timeout.ms: the broker aborts a transaction open longer. Default 60000. */
  transactionTimeoutMs?: number;
}

/** Where the producer's requests go, and whether a failed one is sent again (after a new lookup). */
export interface TxnRoutes {
  /** The transaction coordinator of the id (TXN_INIT, TXN_ADD, TXN_OFFSETS, TXN_END). */
  coordinator(): Promise<Connection>;
  /** The broker to send a partition's PRODUCE to. */
  leader(topic: string, partition: number): Promise<Connection>;
  partitionCount(topic: string): Promise<number>;
  /** After a failed request (attempt 0, 1, ...): true to send it again (having waited and refreshed), false to fail. */
  retry(error: unknown, attempt: number, to: "coordinator" | "leader"): Promise<boolean>;
}

export interface TransactionalRecordMetadata {
  topic: string;
  partition: number;
  offset: bigint;
}

export interface TransactionOffsets {
  group: string;
  /** The next offset to read, per partition (Kafka's committed offset). */
  offsets: { topic: string; partition: number; offset: bigint }[];
}

type State = "ready" | "open" | "ending" | "fenced";

export class TransactionalProducer {
  readonly transactionalId: string;
  private identity: { producerId: bigint; producerEpoch: number } | undefined;
  private state: State = "ready";
  /** Whether the open transaction reached the broker (a partition or offsets added): else it ends locally. */
  private touched = false;
  private readonly added = new Set<string>();
  private readonly sequences = new Map<string, number>();
  private readonly partitionCounts = new Map<string, number>();
  private chain: Promise<unknown> = Promise.resolve();
  private failed: Error | undefined;
  private roundRobin = 0;
  private readonly routes: TxnRoutes;

  constructor(connection: Connection | TxnRoutes, admin: Admin | undefined, private readonly options: TransactionalProducerOptions) {
    if (!options.transactionalId) throw new RangeError("transactionalId must be a non-empty string");
    this.transactionalId = options.transactionalId;
    this.routes = "coordinator" in connection ? connection : {
      coordinator: () => Promise.resolve(connection),
      leader: () => Promise.resolve(connection),
      partitionCount: async (topic) => (await admin!.describeTopic(topic)).partitions.length,
      retry: () => Promise.resolve(false),
    };
  }

  /** A transaction frame to the coordinator, sent again while the routes say so (it moved, or its connection was lost). */
  private async txn(frame: Parameters<Connection["request"]>[0]): Promise<ServerFrame> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await (await this.routes.coordinator()).request(frame);
      } catch (error) {
        this.noteFenced(error);
        if (this.state === "fenced" || !(await this.routes.retry(error, attempt, "coordinator"))) throw error;
      }
    }
  }

  /** Registers the id with the coordinator (fencing older instances); beginTransaction() calls it once. */
  async init(): Promise<void> {
    const frame = (await this.txn({ type: FrameType.TXN_INIT, transactionalId: this.transactionalId, timeoutMs: this.options.transactionTimeoutMs ?? 60_000 })) as Extract<ServerFrame, { type: typeof FrameType.PRODUCER_ID }>;
    this.identity = { producerId: frame.producerId, producerEpoch: frame.producerEpoch };
    this.sequences.clear();
  }

  async beginTransaction(): Promise<void> {
    this.assertUsable();
    if (this.state !== "ready") throw new KafkaProtocolError("INVALID_TXN_STATE", `a transaction is already ${this.state}`);
    if (!this.identity) await this.init();
    this.state = "open";
    this.touched = false;
    this.added.clear();
    this.failed = undefined;
  }

  send(record: ProducerRecord): Promise<TransactionalRecordMetadata> {
    return this.sendMany([record]).then((all) => all[0]!);
  }

  /** Sends records in the open transaction; resolves once the broker has them all (not yet visible to read_committed readers). */
  sendMany(records: ProducerRecord[]): Promise<TransactionalRecordMetadata[]> {
    this.assertOpen();
    const run = this.chain.then(() => this.produce(records));
    this.chain = run.catch((error: Error) => void (this.failed ??= error));
    return run;
  }

  /** Commits `offsets` for `group` with the transaction (consume-transform-produce). */
  sendOffsets(offsets: TransactionOffsets): Promise<void> {
    this.assertOpen();
    const { producerId, producerEpoch } = this.identity!;
    const run = this.chain.then(async () => {
      this.touched = true;
      await this.txn({ type: FrameType.TXN_ADD, transactionalId: this.transactionalId, producerId, producerEpoch, partitions: [], group: offsets.group });
      await this.txn({ type: FrameType.TXN_OFFSETS, transactionalId: this.transactionalId, producerId, producerEpoch, group: offsets.group, offsets: offsets.offsets });
    });
    this.chain = run.catch((error: Error) => void (this.failed ??= error));
    return run;
  }

  /** Waits for the transaction's sends, then commits it; if a send failed, aborts and throws that error. */
  async commitTransaction(): Promise<void> {
    this.assertOpen();
    this.state = "ending";
    await this.chain;
    if (this.failed) {
      const error = this.failed;
      await this.end(false).catch(() => undefined);
      throw error;
    }
    await this.end(true);
  }

  async abortTransaction(): Promise<void> {
    this.assertOpen();
    this.state = "ending";
    await this.chain;
    await this.end(false);
  }

  private async end(commit: boolean): Promise<void> {
    const { producerId, producerEpoch } = this.identity!;
    if (!this.touched) {
      // Nothing reached the broker: as Kafka's clients, end locally (the coordinator has nothing open).
      this.state = "ready";
      return;
    }
    try {
      await this.txn({ type: FrameType.TXN_END, transactionalId: this.transactionalId, producerId, producerEpoch, commit });
      this.state = "ready";
    } catch (error) {
      this.noteFenced(error);
      if (this.state !== "fenced") this.state = (error as { retriable?: unknown }).retriable === true ? "open" : "ready";
      throw error;
    }
  }

  private async produce(records: ProducerRecord[]): Promise<TransactionalRecordMetadata[]> {
    const { producerId, producerEpoch } = this.identity!;
    // Group by partition, keeping each partition's records in call order.
    const byPartition = new Map<string, { topic: string; partition: number; records: RecordInput[]; indexes: number[] }>();
    for (const [i, record] of records.entries()) {
      const partition = await this.partitionOf(record);
      const key = `${record.topic}\u0000${partition}`;
      let group = byPartition.get(key);
      if (!group) byPartition.set(key, (group = { topic: record.topic, partition, records: [], indexes: [] }));
      group.records.push({ key: record.key ?? null, value: record.value, headers: record.headers, timestamp: record.timestamp ?? Date.now() });
      group.indexes.push(i);
    }
    const fresh = [...byPartition.keys()].filter((k) => !this.added.has(k));
    if (fresh.length) {
      this.touched = true;
      const partitions = fresh.map((k) => byPartition.get(k)!).map((g) => ({ topic: g.topic, partition: g.partition }));
      try {
        await this.txn({ type: FrameType.TXN_ADD, transactionalId: this.transactionalId, producerId, producerEpoch, partitions, group: "" });
      } catch (error) {
        this.noteFenced(error);
        throw error;
      }
      for (const k of fresh) this.added.add(k);
    }
    const out = new Array<TransactionalRecordMetadata>(records.length);
    const items = [...byPartition].map(([key, g]) => {
      const sequence = this.sequences.get(key) ?? 0;
      this.sequences.set(key, (sequence + g.records.length) % 0x80000000);
      const batch = encodeRecordBatch(g.records, { producerId, producerEpoch, baseSequence: sequence, attributes: Attributes.TRANSACTIONAL });
      return { topic: g.topic, partition: g.partition, batch };
    });
    const bases = await this.produceItems(items);
    [...byPartition.values()].forEach((g, i) => g.indexes.forEach((index, j) => (out[index] = { topic: g.topic, partition: g.partition, offset: bases[i]! + BigInt(j) })));
    return out;
  }

  /**
   * Each batch to its partition's leader (one PRODUCE per broker); the failed ones are sent again, the same
   * bytes, while the routes say so. Returns each item's base offset.
   */
  private async produceItems(items: { topic: string; partition: number; batch: Uint8Array }[]): Promise<bigint[]> {
    const bases = new Array<bigint>(items.length);
    let pending = items.map((_, i) => i);
    for (let attempt = 0; pending.length; attempt++) {
      const failures: { index: number; error: unknown }[] = [];
      const byBroker = new Map<Connection, number[]>();
      for (const index of pending) {
        try {
          const c = await this.routes.leader(items[index]!.topic, items[index]!.partition);
          byBroker.set(c, [...(byBroker.get(c) ?? []), index]);
        } catch (error) {
          failures.push({ index, error });
        }
      }
      await Promise.all([...byBroker].map(async ([c, indexes]) => {
        try {
          const result = await c.request({ type: FrameType.PRODUCE, acks: -1, timeoutMs: 30_000, items: indexes.map((i) => items[i]!), transactionalId: this.transactionalId });
          if (result.type !== FrameType.PRODUCE_RESULT) throw new KafkaProtocolError("UNKNOWN_SERVER_ERROR", "unexpected response to PRODUCE");
          indexes.forEach((index, j) => {
            const r = result.items[j];
            if (r && r.errorCode === 0) bases[index] = r.baseOffset;
            else failures.push({ index, error: errorFromCode(r?.errorCode ?? -1, "", `produce to ${items[index]!.topic}-${items[index]!.partition} failed: ${r?.errorMessage ?? "no result"}`) });
          });
        } catch (error) {
          for (const index of indexes) failures.push({ index, error });
        }
      }));
      for (const { error } of failures) this.noteFenced(error);
      // Asked together: each answer may wait (backoff) and refresh the metadata.
      const again = await Promise.all(failures.map(({ error }) => (this.state === "fenced" ? false : this.routes.retry(error, attempt, "leader"))));
      const fatal = failures.find((_, i) => !again[i]);
      if (fatal) throw fatal.error;
      pending = failures.map((f) => f.index);
    }
    return bases;
  }

  private async partitionOf(record: ProducerRecord): Promise<number> {
    let count = this.partitionCounts.get(record.topic);
    if (count === undefined) {
      count = await this.routes.partitionCount(record.topic);
      this.partitionCounts.set(record.topic, count);
    }
    if (record.partition !== undefined) {
      if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= count) {
        throw new UnknownTopicOrPartitionError(`topic ${record.topic} has no partition ${record.partition} (it has ${count})`);
      }
      return record.partition;
    }
    if (record.key != null) return partitionForKey(record.key, count);
    return this.roundRobin++ % count;
  }

  private noteFenced(error: unknown): void {
    const code = (error as { code?: string }).code;
    if (code === "PRODUCER_FENCED" || code === "INVALID_PRODUCER_EPOCH") this.state = "fenced";
  }

  private assertUsable(): void {
    if (this.state === "fenced") throw new KafkaProtocolError("PRODUCER_FENCED", `transactional id ${this.transactionalId} was taken over by another producer`);
  }

  private assertOpen(): void {
    this.assertUsable();
    if (this.state !== "open") throw new KafkaProtocolError("INVALID_TXN_STATE", "no transaction is open: call beginTransaction() first");
  }
}
