// The transaction coordinator's answers about transactional Produce (KIP-890), kept apart from the
// coordinator's own requests (coordinator.ts) because they are a different conversation: a partition
// leader asking, before it appends, whether a producer's batch belongs to an open transaction.
// produce-check.ts is the asking side shared by the two front ends (it groups a request's batches by
// producer and calls checkProduce once per producer); this file is the answering side, which the
// coordinator owns (TransactionCoordinator.produceVerifier) and feeds its state and rules (txn-registry.ts):
// - checkProduce: the leader's question, answered here for ids this broker coordinates, else asked of the
//   id's coordinator on another broker (cluster mode, src/cluster/txn-routing.ts), remembering what it
//   confirmed (verified.ts) so only a transaction's first batch per partition crosses brokers;
// - answerProduceCheck: that question arriving from a leader on another broker;
// - addForProduce: Produce v12+ (transactions v2) adding the partition to the transaction;
// - checkWrite: the broker core's write check at append time (v1), by producer id.
// Behavior: a transactional batch is accepted only from the current epoch of an Ongoing transaction that
// holds the partition: an older epoch gets INVALID_PRODUCER_EPOCH, anything else INVALID_TXN_STATE.
// Coordinator errors become NOT_ENOUGH_REPLICAS (retriable), as Kafka translates them for Produce.

import { KafkaErrors, toKafkaCode } from "../errors/index.js";
import type { TransactionBroker } from "./broker-slice.js";
import { verifyTransactionalWrite, type KeyedLock, type ProduceCheck, type ProduceTarget, type TxnMeta, type TxnRouting } from "./support.js";
import { VerifiedPartitions } from "./verified.js";

/** What produce verification needs of the coordinator (txn-registry.ts holds the state and the rules). */
export interface ProduceVerifierContext {
  broker: Pick<TransactionBroker, "topic">;
  txns: ReadonlyMap<string, TxnMeta>;
  byProducer: ReadonlyMap<bigint, string>;
  locks: KeyedLock;
  /** Why the coordinator cannot answer for the id now (loading, closed, not its partition), else undefined. */
  statusError(transactionalId?: string): number | undefined;
  /** Cluster mode (the coordinator owns only some ids): unknown producer ids may belong to another broker. */
  partitioned(): boolean;
  /** Cluster mode: how to reach the id's coordinator on another broker (installed late, hence a function). */
  routing(): TxnRouting | undefined;
  checkNotEnding(meta: TxnMeta): number | undefined;
  addToTransaction(meta: TxnMeta, topics: readonly { name: string; partitions: readonly number[] }[]): Promise<void>;
}

export class ProduceVerifier {
  /** Cluster mode, partition leader's side: partitions the remote coordinator confirmed (verified.ts). */
  private readonly verified = new VerifiedPartitions();

  constructor(private readonly c: ProduceVerifierContext) {}

  /**
   * The partition leader's check before appending transactional batches (KIP-890): `add` (Produce v12+,
   * transactions v2) adds each partition to the transaction; else (v1) only verifies that each is in it.
   * Ids this broker coordinates are handled here (v1: by the write check at append time); ids another
   * broker coordinates (cluster mode) are asked of it (answerProduceCheck there). A code per item: NONE, a
   * refusal (UNKNOWN_TOPIC_OR_PARTITION, INVALID_PRODUCER_EPOCH, INVALID_TXN_STATE), or NOT_ENOUGH_REPLICAS
   * when the coordinator is moving, down or ending the previous transaction: retriable, as Kafka
   * translates coordinator errors for Produce (older producers do not retry NOT_COORDINATOR there).
   */
  async checkProduce(transactionalId: string | null, producerId: bigint, producerEpoch: number, items: readonly ProduceTarget[], add: boolean): Promise<number[]> {
    const notReady = transactionalId === null ? undefined : this.c.statusError(transactionalId);
    if (notReady === undefined || transactionalId === null) {
      // v1, an id coordinated here: the write check verifies by producer id at the append, but in cluster
      // mode it passes producer ids it does not know, so the named id must hold this producer.
      if (!add && transactionalId !== null) return items.map((i) => codeOf(verifyTransactionalWrite(this.c.txns.get(transactionalId), i.topic, i.partition, producerId, producerEpoch)));
      if (!add) return items.map(() => KafkaErrors.NONE.code);
      const codes: number[] = [];
      for (const i of items) codes.push(await this.addForProduce(i.topic, i.partition, producerId, producerEpoch, transactionalId ?? undefined));
      return codes;
    }
    const routing = this.c.routing();
    if (notReady !== KafkaErrors.NOT_COORDINATOR.code || !routing?.checkProduce) return items.map(() => forProduce(notReady));
    if (this.verified.all(items, producerId, producerEpoch)) return items.map(() => KafkaErrors.NONE.code);
    const generation = this.verified.current;
    const codes = await routing.checkProduce({ transactionalId, producerId, producerEpoch, items, add });
    codes.forEach((code, i) => code === KafkaErrors.NONE.code && this.verified.record(generation, items[i]!.topic, items[i]!.partition, producerId, producerEpoch));
    return codes.map(forProduce);
  }

  /**
   * Cluster mode: a marker of `producerId` is about to be written to a partition this broker leads, or its
   * role for the partition changed (producerId undefined); the next transactional Produce there asks the
   * coordinator again (verified.ts).
   */
  forgetVerified(topic: string, partition: number, producerId?: bigint): void {
    this.verified.forget(topic, partition, producerId);
  }

  /** The coordinator's side of checkProduce for a leader on another broker: a code per item. */
  async answerProduceCheck(request: ProduceCheck): Promise<number[]> {
    const { transactionalId, producerId, producerEpoch, items, add } = request;
    const notReady = this.c.statusError(transactionalId);
    if (notReady) return items.map(() => notReady);
    if (add) {
      const codes: number[] = [];
      for (const i of items) codes.push(await this.addForProduce(i.topic, i.partition, producerId, producerEpoch, transactionalId));
      return codes;
    }
    // Behind the id's lock: an end or add in progress is finished before the answer.
    return this.c.locks.run(transactionalId, async () =>
      items.map((i) => {
        const error = verifyTransactionalWrite(this.c.txns.get(transactionalId), i.topic, i.partition, producerId, producerEpoch);
        return error ? toKafkaCode(error) : KafkaErrors.NONE.code;
      }),
    );
  }

  /**
   * Produce v12+ (transactions v2): a transactional batch adds its partition to the producer's transaction,
   * starting one if none is open, as Kafka's broker does with AddPartitionsToTxn v5 before appending.
   * NONE when added (or already in it), else the Kafka code for the partition: UNKNOWN_TOPIC_OR_PARTITION
   * (nothing is added for a partition that does not exist), INVALID_PRODUCER_EPOCH (an
   * older epoch: a zombie), INVALID_TXN_STATE (no transactional id holds this producer id, or a newer epoch),
   * NOT_ENOUGH_REPLICAS while the previous end is written (retriable, as Kafka translates
   * CONCURRENT_TRANSACTIONS for Produce). `transactionalId`: the id the Produce request named; without
   * one, the id holding the producer id.
   */
  async addForProduce(topic: string, partition: number, producerId: bigint, producerEpoch: number, transactionalId?: string): Promise<number> {
    const count = this.c.broker.topic(topic)?.partitions ?? 0;
    if (!(Number.isInteger(partition) && partition >= 0 && partition < count)) return KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code;
    const id = transactionalId ?? this.c.byProducer.get(producerId);
    if (id === undefined) return this.c.partitioned() ? KafkaErrors.NONE.code : KafkaErrors.INVALID_TXN_STATE.code;
    const notReady = this.c.statusError(id);
    if (notReady) return KafkaErrors.NOT_ENOUGH_REPLICAS.code;
    return this.c.locks.run(id, async () => {
      const meta = this.c.txns.get(id);
      if (!meta || meta.producerId !== producerId) return KafkaErrors.INVALID_TXN_STATE.code;
      if (producerEpoch < meta.producerEpoch) return KafkaErrors.INVALID_PRODUCER_EPOCH.code;
      if (producerEpoch !== meta.producerEpoch) return KafkaErrors.INVALID_TXN_STATE.code;
      if (this.c.checkNotEnding(meta)) return KafkaErrors.NOT_ENOUGH_REPLICAS.code;
      await this.c.addToTransaction(meta, [{ name: topic, partitions: [partition] }]);
      return KafkaErrors.NONE.code;
    });
  }

  /** The broker core's write check at append time (installed by the coordinator's start()). */
  checkWrite(topic: string, partition: number, producerId: bigint, producerEpoch: number): Error | undefined {
    const id = this.c.byProducer.get(producerId);
    // Cluster mode: the producer's coordinator may be another broker; only its own ids are verified here.
    if (id === undefined && this.c.partitioned()) return undefined;
    return verifyTransactionalWrite(id === undefined ? undefined : this.c.txns.get(id), topic, partition, producerId, producerEpoch);
  }
}

const codeOf = (error: Error | undefined) => (error ? toKafkaCode(error) : KafkaErrors.NONE.code);

/** Coordinator errors in a Produce answer become NOT_ENOUGH_REPLICAS (retriable), as Kafka's ReplicaManager does. */
function forProduce(code: number): number {
  switch (code) {
    case KafkaErrors.NOT_COORDINATOR.code:
    case KafkaErrors.COORDINATOR_NOT_AVAILABLE.code:
    case KafkaErrors.COORDINATOR_LOAD_IN_PROGRESS.code:
    case KafkaErrors.CONCURRENT_TRANSACTIONS.code:
    case KafkaErrors.NETWORK_EXCEPTION.code:
      return KafkaErrors.NOT_ENOUGH_REPLICAS.code;
    default:
      return code;
  }
}
