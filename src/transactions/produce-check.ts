// The partition leader's check of transactional batches before they are appended, shared by the two front
// ends (KIP-890; the Kafka door's Produce in src/frontends/kafka/handlers/produce.ts, the WebSocket door's
// PRODUCE in src/frontends/ws/handlers/produce.ts). Each transactional data batch is grouped by its
// producer (id, epoch) and the producer's coordinator is asked once per group (its ProduceVerifier answers:
// produce-verifier.ts): `add` (Kafka Produce v12+, transactions v2) adds the partitions to the
// transaction; else (v1, and always the WebSocket door) verifies they are in it, asking the id's
// coordinator on another broker in cluster mode (src/cluster/txn-routing.ts). A refused partition keeps
// the refusal as its error and is not appended. Non-transactional and control batches are not checked here
// (the broker core refuses control batches from clients).

import { Attributes } from "../core/index.js";
import { KafkaErrors } from "../errors/index.js";
import type { TransactionCoordinator } from "./coordinator.js";
import { txnLogErrorCode } from "./log-errors.js";

/** One partition's batch on its way to the append; the check removes `item` and sets `errorCode` on refusal. */
export interface ProduceSlot {
  errorCode: number;
  item?: { topic: string; partition: number; batch: Uint8Array };
}

/** The producer id and epoch of a transactional data batch (RecordBatch v2 header), else undefined. */
export function transactionalProducer(batch: Uint8Array): { producerId: bigint; producerEpoch: number } | undefined {
  if (batch.length < 61) return undefined; // the broker core rejects it as corrupt
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const attributes = view.getInt16(21);
  if ((attributes & Attributes.TRANSACTIONAL) === 0 || (attributes & Attributes.CONTROL) !== 0) return undefined;
  return { producerId: view.getBigInt64(43), producerEpoch: view.getInt16(51) };
}

/**
 * Whether a batch is a transactional data batch, read from the attributes' low byte (offset 22 of the
 * big-endian int16 at 21) without allocating: the produce hot path asks this of every batch.
 */
export function isTransactionalBatch(batch: Uint8Array): boolean {
  if (batch.length < 61) return false;
  const low = batch[22]!;
  return (low & Attributes.TRANSACTIONAL) !== 0 && (low & Attributes.CONTROL) === 0;
}

/**
 * Asks the producers' coordinator about each transactional slot before the append (see the top of the
 * file). A coordinator that cannot answer (moving, down, its log not writable) is NOT_ENOUGH_REPLICAS for
 * the slot, retriable, as Kafka translates coordinator errors for Produce.
 */
export async function checkTransactionalSlots(transactions: TransactionCoordinator, slots: ProduceSlot[], transactionalId: string | null, add: boolean): Promise<void> {
  type Checked = ProduceSlot & { item: NonNullable<ProduceSlot["item"]> };
  const byProducer = new Map<string, { producerId: bigint; producerEpoch: number; slots: Checked[] }>();
  for (const slot of slots) {
    const producer = slot.item ? transactionalProducer(slot.item.batch) : undefined;
    if (!slot.item || !producer) continue;
    const key = `${producer.producerId}:${producer.producerEpoch}`;
    const group = byProducer.get(key) ?? { ...producer, slots: [] };
    group.slots.push(slot as Checked);
    byProducer.set(key, group);
  }
  for (const { producerId, producerEpoch, slots: group } of byProducer.values()) {
    const items = group.map((s) => ({ topic: s.item.topic, partition: s.item.partition }));
    const codes = await transactions.produceVerifier.checkProduce(transactionalId, producerId, producerEpoch, items, add).catch((error: unknown) => {
      const converted = txnLogErrorCode(error);
      const code = converted === KafkaErrors.NOT_COORDINATOR.code || converted === KafkaErrors.COORDINATOR_NOT_AVAILABLE.code ? KafkaErrors.NOT_ENOUGH_REPLICAS.code : converted;
      return items.map(() => code);
    });
    group.forEach((slot, i) => {
      const code = codes[i] ?? KafkaErrors.UNKNOWN_SERVER_ERROR.code;
      if (code === KafkaErrors.NONE.code) return;
      slot.errorCode = code;
      delete (slot as ProduceSlot).item;
    });
  }
}
