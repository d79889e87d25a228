// ListTransactions (key 66), v0-2.
//
// Behavior: every transactional id, filtered by state names (unknown names are echoed in
// unknown_state_filters), producer ids and, v1+, a minimum running time (only Ongoing transactions open
// longer than duration_filter ms). No coordinator: COORDINATOR_NOT_AVAILABLE.
// v2 (KIP-1152): a non-empty transactional_id_pattern keeps only the ids it matches whole (Java's
// Matcher.matches(), so the pattern is anchored at both ends here); null or "" filters nothing. A pattern
// that does not compile is INVALID_REGULAR_EXPRESSION (128) with no transactions, as Kafka answers its
// PatternSyntaxException. The pattern is compiled as a JavaScript RegExp (with the "u" flag), whose syntax
// differs from java.util.regex in corners: possessive quantifiers, \p{javaX} classes and inline (?i) flags
// do not compile here (128), where Kafka would accept them.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

/** Kafka's INVALID_REGULAR_EXPRESSION (KIP-848/KIP-1152), not in the shared table. */
export const INVALID_REGULAR_EXPRESSION = 128;

export const handleListTransactions: Handler<typeof ApiKey.ListTransactions> = (ctx, request) => {
  if (!ctx.transactions) return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, unknownStateFilters: [], transactionStates: [] };
  let pattern: RegExp | undefined;
  const source = request.transactionalIdPattern;
  if (source) {
    try {
      // Compiled alone first, so an unbalanced ")" cannot pair with the anchoring group's parentheses.
      new RegExp(source, "u");
      pattern = new RegExp(`^(?:${source})$`, "u");
    } catch {
      return { errorCode: INVALID_REGULAR_EXPRESSION, unknownStateFilters: [], transactionStates: [] };
    }
  }
  const listed = ctx.transactions.list(request.stateFilters, request.producerIdFilters, request.durationFilter ?? -1n);
  if (!pattern || listed.errorCode !== KafkaErrors.NONE.code) return listed;
  const re = pattern;
  return { ...listed, transactionStates: listed.transactionStates.filter((s) => re.test(s.transactionalId)) };
};
