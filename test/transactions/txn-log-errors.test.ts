// A failed transaction-log write as the transaction APIs answer it (txnLogErrorCode, Kafka's
// TransactionStateManager conversion): the client retries or looks for the coordinator again; and as the
// coordinator logs it (TxnLogWriteFailures): once when an id's writes start failing, not once per retry.

import { describe, expect, it } from "vitest";
import { KafkaErrors, KafkaProtocolError, StorageError } from "../../src/errors/index.js";
import { txnLogErrorCode } from "../../src/frontends/kafka/handlers/txn-errors.js";
import { memoryLogger } from "../../src/log.js";
import { TxnLogWriteFailures } from "../../src/transactions/log-errors.js";

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

describe("TxnLogWriteFailures", () => {
  it("warns when an id's writes start failing or fail differently, not per retry; says when they succeed again", () => {
    const logger = memoryLogger();
    const failures = new TxnLogWriteFailures(logger);
    const full = new StorageError("write failed: ENOSPC: no space left on device, write", { errno: "ENOSPC" });
    const lines = () => logger.entries.filter((e) => e.level !== "debug").map((e) => `${e.level} ${String(e.transactionalId)} ${String(e.errorCode ?? "")}`);
    for (let i = 0; i < 50; i++) failures.failed("t1", full);
    expect(lines()).toEqual(["warn t1 56"]);
    expect(logger.entries[0]!.error).toContain("ENOSPC");
    failures.failed("t2", full);
    failures.failed("t1", new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", "moved"));
    failures.succeeded("t1");
    failures.succeeded("t1");
    failures.succeeded("t3");
    failures.failed("t1", full);
    expect(lines()).toEqual(["warn t1 56", "warn t2 56", "warn t1 6", "info t1 ", "warn t1 56"]);
  });
});
