// Produce v12+ and transactions v2 (KIP-890 part 2): before a transactional batch is appended, its
// partition joins the producer's transaction (TransactionCoordinator.addForProduce), as a Kafka 4 broker
// asks the coordinator with AddPartitionsToTxn v5. A partition the coordinator refuses keeps its error and
// is not appended; the broker's write check (src/broker/read-committed.ts) still verifies the rest.
// Control batches are not data (the broker core refuses them); non-transactional batches skip this.
// An add the coordinator cannot write (full disk) is the retriable NOT_ENOUGH_REPLICAS for that partition,
// as Kafka translates coordinator errors for Produce; the connection stays open.

import { Attributes } from "../../../core/index.js";
import { KafkaErrors } from "../../../errors/index.js";
import { txnLogErrorCode } from "./txn-errors.js";
import type { TransactionCoordinator } from "../../../transactions/index.js";
import type { ProduceItem } from "../../../broker/broker.js";

/** One partition of a Produce request on its way through the handler (produce.ts). */
export type Slot = { topic: number; partition: number; index: number; errorCode: number; item?: ProduceItem };

/** The producer id and epoch of a transactional data batch (RecordBatch v2 header), else undefined. */
export function transactionalProducer(batch: Uint8Array): { producerId: bigint; producerEpoch: number } | undefined {
  if (batch.length < 61) return undefined; // the broker core rejects it as corrupt
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const attributes = view.getInt16(21);
  if ((attributes & Attributes.TRANSACTIONAL) === 0 || (attributes & Attributes.CONTROL) !== 0) return undefined;
  return { producerId: view.getBigInt64(43), producerEpoch: view.getInt16(51) };
}

/** Adds each transactional slot's partition to its transaction, one after another; failures become the slot's error. */
export async function addToTransactions(transactions: TransactionCoordinator, slots: Slot[]): Promise<void> {
  for (const slot of slots) {
    const producer = slot.item ? transactionalProducer(slot.item.batch) : undefined;
    if (!slot.item || !producer) continue;
    const code = await transactions.addForProduce(slot.item.topic, slot.item.partition, producer.producerId, producer.producerEpoch).catch((error: unknown) => {
      const converted = txnLogErrorCode(error);
      return converted === KafkaErrors.NOT_COORDINATOR.code || converted === KafkaErrors.COORDINATOR_NOT_AVAILABLE.code ? KafkaErrors.NOT_ENOUGH_REPLICAS.code : converted;
    });
    if (code !== KafkaErrors.NONE.code) {
      slot.errorCode = code;
      delete slot.item;
    }
  }
}
