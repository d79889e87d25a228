// ListTransactions (key 66), v0-1.
//
// Behavior: every transactional id, filtered by state names (unknown names are echoed in
// unknown_state_filters), producer ids and, v1+, a minimum running time (only Ongoing transactions open
// longer than duration_filter ms). No coordinator: COORDINATOR_NOT_AVAILABLE.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleListTransactions: Handler<typeof ApiKey.ListTransactions> = (ctx, request) => {
  if (!ctx.transactions) return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, unknownStateFilters: [], transactionStates: [] };
  return ctx.transactions.list(request.stateFilters, request.producerIdFilters, request.durationFilter ?? -1n);
};
