// ListTransactions (key 66), v0-2.
//
// Behavior: every transactional id, filtered by state names (unknown names are echoed in
// unknown_state_filters), producer ids and, v1+, a minimum running time (only Ongoing transactions open
// longer than duration_filter ms). No coordinator: COORDINATOR_NOT_AVAILABLE.
// v2 (KIP-1152): a non-empty transactional_id_pattern keeps only the ids it matches whole (Java's
// Matcher.matches()); null or "" filters nothing. A pattern that does not compile is
// INVALID_REGULAR_EXPRESSION (128) with no transactions, as Kafka answers its PatternSyntaxException.
// The pattern is compiled by the coordinator's RE2-syntax matcher (the one topic-regex subscriptions use),
// which runs in time linear in the id's length: a JavaScript RegExp backtracks, so one hostile pattern such
// as `(a+)+b` could stall the broker's event loop. Java-only syntax (backreferences, lookaround, possessive
// quantifiers) is refused with 128, where Kafka would accept it.

import { KafkaErrors } from "../../../errors/index.js";
import { compileTopicRegex, type TopicRegex } from "../../../groups/consumer/regex-match.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

const NO_TRANSACTIONS = { unknownStateFilters: [], transactionStates: [] };

export const handleListTransactions: Handler<typeof ApiKey.ListTransactions> = (ctx, request) => {
  if (!ctx.transactions) return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, ...NO_TRANSACTIONS };
  let pattern: TopicRegex | undefined;
  const source = request.transactionalIdPattern;
  if (source) {
    try {
      pattern = compileTopicRegex(source);
    } catch {
      return { errorCode: KafkaErrors.INVALID_REGULAR_EXPRESSION.code, ...NO_TRANSACTIONS };
    }
  }
  const listed = ctx.transactions.list(request.stateFilters, request.producerIdFilters, request.durationFilter ?? -1n);
  if (!pattern || listed.errorCode !== KafkaErrors.NONE.code) return listed;
  const re = pattern;
  return { ...listed, transactionStates: listed.transactionStates.filter((s) => re.matches(s.transactionalId)) };
};
