// The transaction coordinator's state and the rules every request shares: the transactions by id and by
// producer id, one lock per transactional id, the durable state log (__transaction_state) and the checks
// of an id's producer, epoch and phase. TransactionCoordinator (coordinator.ts) builds the Kafka requests on it.

import { KafkaErrors } from "../errors/index.js";
import type { Logger } from "../log.js";
import type { BrokerOffsetLog } from "../groups/broker-offset-log.js";
import type { TransactionBroker } from "./broker-slice.js";
import { TxnLogWriteFailures } from "./log-errors.js";
import type { TxnOwnership } from "./ownership.js";
import { encodeTxnKey, encodeTxnValue, type TxnStateRecord } from "./state-records.js";
import { kafkaPartitionFor, KeyedLock, partitionsAdded, type TxnMeta } from "./support.js";

export class TxnRegistry {
  protected readonly txns = new Map<string, TxnMeta>();
  protected readonly byProducer = new Map<bigint, string>();
  /** Operations on one transactional id run one at a time, in arrival order. */
  protected readonly locks = new KeyedLock();
  protected status: "loading" | "active" | "closed" = "loading";
  /** Cluster mode: the __transaction_state partitions this broker leads (the ids it answers for). */
  protected ownership: TxnOwnership | undefined;
  private readonly writeFailures: TxnLogWriteFailures;

  constructor(
    protected readonly broker: TransactionBroker,
    protected readonly log: BrokerOffsetLog,
    protected readonly logger: Logger,
    protected readonly clock: () => number,
  ) {
    this.writeFailures = new TxnLogWriteFailures(logger);
  }

  protected statusError(transactionalId?: string): number | undefined {
    if (this.status === "loading") return KafkaErrors.COORDINATOR_LOAD_IN_PROGRESS.code;
    if (this.status === "closed") return KafkaErrors.COORDINATOR_NOT_AVAILABLE.code;
    // Cluster mode: NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS for ids of partitions not (yet) ours.
    const owned = transactionalId === undefined ? undefined : this.ownership?.error(transactionalId);
    return owned ? owned : undefined;
  }

  protected checkProducer(meta: TxnMeta | undefined, producerId: bigint, producerEpoch: number): number | undefined {
    if (!meta || meta.producerId !== producerId) return KafkaErrors.INVALID_PRODUCER_ID_MAPPING.code;
    if (meta.producerEpoch !== producerEpoch) return KafkaErrors.PRODUCER_FENCED.code;
    return undefined;
  }

  /** The group's offsets partition, named as Kafka names it; the commit writes there. */
  protected offsetsPartition(groupId: string): number {
    const partitions = this.broker.topic("__consumer_offsets")?.partitions ?? 0;
    return partitions > 0 ? kafkaPartitionFor(groupId, partitions) : 0;
  }

  protected checkNotEnding(meta: TxnMeta): number | undefined {
    return meta.status === "PrepareCommit" || meta.status === "PrepareAbort" ? KafkaErrors.CONCURRENT_TRANSACTIONS.code : undefined;
  }

  protected async addToTransaction(meta: TxnMeta, topics: readonly { name: string; partitions: readonly number[] }[]): Promise<void> {
    const changes = partitionsAdded(meta, topics, this.clock());
    if (changes) await this.transition(meta, changes);
  }

  /** Writes the changed state, then applies it in memory (a failed write changes nothing). */
  protected async transition(meta: TxnMeta, changes: Partial<TxnStateRecord>): Promise<void> {
    const next: TxnMeta = { ...meta, ...changes, lastUpdateMs: this.clock() };
    await this.persist(next);
    if (changes.producerId !== undefined && changes.producerId !== meta.producerId) {
      this.byProducer.delete(meta.producerId);
      this.byProducer.set(changes.producerId, meta.transactionalId);
    }
    Object.assign(meta, changes, { lastUpdateMs: next.lastUpdateMs });
  }

  /** Every state change's write. A failure is logged here: the callers turn it into a retriable code. */
  protected async persist(meta: TxnMeta): Promise<void> {
    try {
      await this.log.append(meta.transactionalId, [{ key: encodeTxnKey(meta.transactionalId), value: encodeTxnValue(meta) }]);
    } catch (error) {
      this.writeFailures.failed(meta.transactionalId, error);
      throw error;
    }
    this.writeFailures.succeeded(meta.transactionalId);
  }
}
