// A failed transaction-log write as the transaction APIs answer it (txnLogErrorCode, Kafka's
// TransactionStateManager conversion): the client retries or looks for the coordinator again.

import { describe, expect, it } from "vitest";
import { KafkaErrors, KafkaProtocolError, StorageError } from "../../src/errors/index.js";
import { txnLogErrorCode } from "../../src/frontends/kafka/handlers/txn-errors.js";

describe("txnLogErrorCode", () => {
  it("maps append errors as Kafka does", () => {
    const cases: [unknown, number][] = [
      [new StorageError("disk full", { errno: "ENOSPC" }), KafkaErrors.NOT_COORDINATOR.code],
      [new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", "moved"), KafkaErrors.NOT_COORDINATOR.code],
      [new KafkaProtocolError("NOT_ENOUGH_REPLICAS", "x"), KafkaErrors.COORDINATOR_NOT_AVAILABLE.code],
      [new KafkaProtocolError("NOT_ENOUGH_REPLICAS_AFTER_APPEND", "x"), KafkaErrors.COORDINATOR_NOT_AVAILABLE.code],
      [new KafkaProtocolError("REQUEST_TIMED_OUT", "x"), KafkaErrors.COORDINATOR_NOT_AVAILABLE.code],
      [new KafkaProtocolError("UNKNOWN_TOPIC_OR_PARTITION", "x"), KafkaErrors.COORDINATOR_NOT_AVAILABLE.code],
      [new KafkaProtocolError("MESSAGE_TOO_LARGE", "x"), KafkaErrors.UNKNOWN_SERVER_ERROR.code],
      [new KafkaProtocolError("PRODUCER_FENCED", "x"), KafkaErrors.PRODUCER_FENCED.code],
      [new Error("not typed"), KafkaErrors.UNKNOWN_SERVER_ERROR.code],
    ];
    for (const [error, code] of cases) expect(txnLogErrorCode(error), String(error)).toBe(code);
  });
});
