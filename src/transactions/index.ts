// Transactions (issue 16): the coordinator and the records of __transaction_state. The shard side (open
// transactions, markers, last stable offset) is src/shard/txn-state.ts; the .txnindex format is
// src/storage/txn-index.ts.

export { TransactionCoordinator, TRANSACTION_STATE_TOPIC, type TransactionBroker, type TransactionCoordinatorOptions } from "./coordinator.js";
export { decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue, statusName, TxnStatus, type PendingOffset, type TxnStateRecord, type TxnStatusName } from "./state-records.js";

import type { Broker } from "../broker/broker.js";
import type { GroupCoordinator } from "../groups/coordinator.js";
import { TransactionCoordinator, type TransactionCoordinatorOptions } from "./coordinator.js";

const byBroker = new WeakMap<object, TransactionCoordinator>();

/** The transaction coordinator started for `broker`, if any (the WebSocket front end finds it here). */
export function transactionsFor(broker: object): TransactionCoordinator | undefined {
  return byBroker.get(broker);
}

/**
 * Starts the coordinator of a broker: replays __transaction_state (creating it if needed), finishes
 * interrupted ends. RIVULET_TXN_CRASH_AT=prepared|markers-written makes the process kill itself (SIGKILL)
 * at that step of the first transaction end: the crash tests' fault injection, never set otherwise.
 */
export async function startTransactionCoordinator(
  broker: Broker,
  groups: GroupCoordinator | undefined,
  options: TransactionCoordinatorOptions = {},
): Promise<TransactionCoordinator> {
  const crashAt = process.env.RIVULET_TXN_CRASH_AT;
  const onStep = options.onStep ?? (crashAt ? (step: string) => step === crashAt && process.kill(process.pid, "SIGKILL") : undefined);
  const coordinator = new TransactionCoordinator(broker, groups, { logger: broker.logger, ...options, onStep });
  await coordinator.start();
  byBroker.set(broker, coordinator);
  return coordinator;
}
