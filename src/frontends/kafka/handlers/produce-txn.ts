// Produce v12+ and transactions v2 (KIP-890 part 2): before a transactional batch is appended, its
// partition joins the producer's transaction (TransactionCoordinator.checkProduce), as a Kafka 4 broker
// asks the coordinator with AddPartitionsToTxn v5. Below v12 (KIP-890 part 1), in cluster mode, a leader
// that does not coordinate the id asks its coordinator (another broker) to verify the partition is in the
// transaction. A partition the coordinator refuses keeps its error and is not appended; the broker's write
// check (src/broker/read-committed.ts) still verifies the rest against ids coordinated here.
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

/**
 * Before the append, asks the producer's coordinator about each transactional slot (checkProduce): `add`
 * (v12+) adds the partition to the transaction, else (v1) verifies it is in it (cluster mode, when another
 * broker coordinates the id; a local id is verified by the write check). One question per producer in the
 * request; a refusal becomes the slot's error and the slot is not appended.
 */
export async function addToTransactions(transactions: TransactionCoordinator, slots: Slot[], transactionalId: string | null, add: boolean): Promise<void> {
  const byProducer = new Map<string, { producerId: bigint; producerEpoch: number; slots: (Slot & { item: ProduceItem })[] }>();
  for (const slot of slots) {
    const producer = slot.item ? transactionalProducer(slot.item.batch) : undefined;
    if (!slot.item || !producer) continue;
    const key = `${producer.producerId}:${producer.producerEpoch}`;
    const group = byProducer.get(key) ?? { ...producer, slots: [] };
    group.slots.push(slot as Slot & { item: ProduceItem });
    byProducer.set(key, group);
  }
  for (const { producerId, producerEpoch, slots: group } of byProducer.values()) {
    const items = group.map((s) => ({ topic: s.item.topic, partition: s.item.partition }));
    const codes = await transactions.checkProduce(transactionalId, producerId, producerEpoch, items, add).catch((error: unknown) => {
      const converted = txnLogErrorCode(error);
      const code = converted === KafkaErrors.NOT_COORDINATOR.code || converted === KafkaErrors.COORDINATOR_NOT_AVAILABLE.code ? KafkaErrors.NOT_ENOUGH_REPLICAS.code : converted;
      return items.map(() => code);
    });
    group.forEach((slot, i) => {
      const code = codes[i] ?? KafkaErrors.UNKNOWN_SERVER_ERROR.code;
      if (code === KafkaErrors.NONE.code) return;
      slot.errorCode = code;
      delete (slot as Slot).item;
    });
  }
}
