// What a failed produce attempt means for its batch (partition-sender.ts acts on it): split it, retry it,
// or fail its records; and, with idempotence, whether the broker can have appended it. A pure function of
// the error, the batch's age and attempts, and whether an earlier batch of the partition is unresolved, so
// the rules (Kafka's) read in one place:
//
// - MESSAGE_TOO_LARGE, INVALID_RECORD, CORRUPT_MESSAGE may be one record's fault: a batch of several is
//   split in two and both halves retried, down to single records.
// - A retriable error is retried while attempts <= retries and the batch is younger than the delivery
//   timeout; past the timeout its records fail with DeliveryTimeoutError (the cause is the last error).
// - OUT_OF_ORDER_SEQUENCE_NUMBER (idempotence) is retriable: while an earlier batch is unresolved it only
//   means "that one first" (no backoff); with nothing earlier the broker's state differs from ours, and
//   the partition must start again with a fresh producer id.
// - Anything else fails the batch's records at once.

import type { RivuletError } from "../../errors/index.js";
import type { Batch } from "./batch.js";
import { DeliveryTimeoutError } from "./errors.js";

/** Errors that may be the fault of one record in the batch: split and retry the halves. */
const SPLITTABLE = new Set(["MESSAGE_TOO_LARGE", "INVALID_RECORD", "CORRUPT_MESSAGE"]);

export interface FailureContext {
  idempotent: boolean;
  retries: number;
  deliveryTimeoutMs: number;
  now: number;
  /** The partition is already recovering, or a batch sealed before this one is in flight or to be retried. */
  earlierUnresolved: () => boolean;
}

export type FailureVerdict =
  | { action: "split"; notAppended: boolean; needsFresh: boolean }
  /** `backoff`: wait before the retry (false when the batch was only refused behind an earlier one). */
  | { action: "retry"; notAppended: boolean; needsFresh: boolean; backoff: boolean }
  /** `definitive`: the broker refused it outright (not appended); otherwise it may have been appended. */
  | { action: "fail"; notAppended: boolean; needsFresh: boolean; error: Error; definitive: boolean };

export function judgeFailure(batch: Batch, error: Error, context: FailureContext): FailureVerdict {
  const { idempotent, retries, deliveryTimeoutMs, now } = context;
  const code = (error as RivuletError).code;
  let retriable = (error as RivuletError).retriable === true;
  /** Refused only because an earlier batch is missing: no backoff, it fits once that one is in. */
  let behindEarlier = false;
  let needsFresh = false;
  if (idempotent && code === "OUT_OF_ORDER_SEQUENCE_NUMBER") {
    retriable = true;
    behindEarlier = context.earlierUnresolved();
    needsFresh = !behindEarlier;
  }
  // Refused outright: not appended (a retry of it is new to the broker).
  const notAppended = idempotent && (behindEarlier || !retriable || code === "OUT_OF_ORDER_SEQUENCE_NUMBER");
  if (SPLITTABLE.has(code) && batch.count > 1) return { action: "split", notAppended, needsFresh };
  const age = now - batch.createdAt;
  if (retriable && batch.attempts <= retries && age < deliveryTimeoutMs) {
    return { action: "retry", notAppended, needsFresh, backoff: !behindEarlier };
  }
  const expired = retriable && age >= deliveryTimeoutMs;
  return {
    action: "fail",
    notAppended,
    needsFresh,
    error: expired ? new DeliveryTimeoutError(batch.topic, batch.partition, batch.count, deliveryTimeoutMs, error) : error,
    // A definitive refusal was not appended; a batch that failed with a retriable error may have been.
    definitive: !retriable,
  };
}

/** The wait before attempt number `failures` + 1: retryBackoffMs doubling to retryBackoffMaxMs, ±20% jitter. */
export function backoffDelay(failures: number, retryBackoffMs: number, retryBackoffMaxMs: number): number {
  return Math.min(retryBackoffMs * 2 ** failures, retryBackoffMaxMs) * (0.8 + Math.random() * 0.4);
}
