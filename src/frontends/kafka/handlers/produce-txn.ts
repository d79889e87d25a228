// Produce v12+ and transactions v2 (KIP-890 part 2): before a transactional batch is appended, its
// partition joins the producer's transaction (the coordinator's ProduceVerifier.checkProduce), as a Kafka 4
// broker asks the coordinator with AddPartitionsToTxn v5. Below v12 (KIP-890 part 1), in cluster mode, a
// leader that does not coordinate the id asks its coordinator (another broker) to verify the partition is
// in the transaction. A partition the coordinator refuses keeps its error and is not appended; the broker's write
// check (src/broker/read-committed.ts) still verifies the rest against ids coordinated here.
// Control batches are not data (the broker core refuses them); non-transactional batches skip this.
// An add the coordinator cannot write (full disk) is the retriable NOT_ENOUGH_REPLICAS for that partition,
// as Kafka translates coordinator errors for Produce; the connection stays open.
// The check itself is shared with the WebSocket door: src/transactions/produce-check.ts.

import type { ProduceItem } from "../../../broker/broker.js";
import type { TransactionCoordinator } from "../../../transactions/index.js";
import { checkTransactionalSlots } from "../../../transactions/produce-check.js";

export { transactionalProducer } from "../../../transactions/produce-check.js";

/** One partition of a Produce request on its way through the handler (produce.ts). */
export type Slot = { topic: number; partition: number; index: number; errorCode: number; item?: ProduceItem };

/**
 * Before the append, asks the producer's coordinator about each transactional slot: `add` (v12+) adds the
 * partition to the transaction, else (v1) verifies it is in it (cluster mode, when another broker
 * coordinates the id; a local id is verified by the write check). A refusal becomes the slot's error.
 */
export const addToTransactions: (transactions: TransactionCoordinator, slots: Slot[], transactionalId: string | null, add: boolean) => Promise<void> = checkTransactionalSlots;
