import { describe, expect, it } from "vitest";
import { KafkaProtocolError, RivuletError } from "../../../src/errors/index.js";
import { newBatch, type Batch } from "../../../src/client/producer/batch.js";
import { DeliveryTimeoutError } from "../../../src/client/producer/errors.js";
import { backoffDelay, judgeFailure, type FailureContext } from "../../../src/client/producer/retry-decision.js";

function batchOf(records: number, attempts = 1, createdAt = 1_000): Batch {
  const b = newBatch("t", 0, 0);
  for (let i = 0; i < records; i++) b.builder.append(null, new Uint8Array(1), undefined, 0);
  b.count = records;
  b.attempts = attempts;
  b.createdAt = createdAt;
  return b;
}

const context = (over: Partial<FailureContext> = {}): FailureContext => ({
  idempotent: true,
  retries: 5,
  deliveryTimeoutMs: 10_000,
  now: 2_000,
  earlierUnresolved: () => false,
  ...over,
});

const retriable = () => new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", "moved", { retriable: true });

describe("judgeFailure", () => {
  it("retries a retriable error with a backoff, and the batch may have been appended", () => {
    expect(judgeFailure(batchOf(3), retriable(), context())).toEqual({ action: "retry", notAppended: false, needsFresh: false, backoff: true });
  });

  it("fails at once on a non-retriable error, as a definitive refusal", () => {
    const error = new RivuletError("TOPIC_AUTHORIZATION_FAILED", "no");
    const verdict = judgeFailure(batchOf(3), error, context());
    expect(verdict).toMatchObject({ action: "fail", definitive: true, notAppended: true, error });
  });

  it("splits a batch refused for a size or record error, but fails a single record", () => {
    const tooLarge = () => new KafkaProtocolError("MESSAGE_TOO_LARGE", "big");
    expect(judgeFailure(batchOf(4), tooLarge(), context()).action).toBe("split");
    expect(judgeFailure(batchOf(1), tooLarge(), context())).toMatchObject({ action: "fail", definitive: true });
  });

  it("stops retrying after `retries` attempts", () => {
    expect(judgeFailure(batchOf(2, 6), retriable(), context()).action).toBe("fail");
    expect(judgeFailure(batchOf(2, 5), retriable(), context()).action).toBe("retry");
  });

  it("fails with DeliveryTimeoutError (caused by the last error) past the delivery timeout", () => {
    const error = retriable();
    const verdict = judgeFailure(batchOf(2, 1, 0), error, context({ now: 10_000 }));
    expect(verdict.action).toBe("fail");
    if (verdict.action !== "fail") return;
    expect(verdict.error).toBeInstanceOf(DeliveryTimeoutError);
    expect(verdict.error.cause).toBe(error);
    expect(verdict.definitive).toBe(false); // it may have been appended
  });

  it("OUT_OF_ORDER_SEQUENCE_NUMBER behind an earlier batch: retry without backoff, not appended", () => {
    const error = new KafkaProtocolError("OUT_OF_ORDER_SEQUENCE_NUMBER", "gap");
    const verdict = judgeFailure(batchOf(2), error, context({ earlierUnresolved: () => true }));
    expect(verdict).toEqual({ action: "retry", notAppended: true, needsFresh: false, backoff: false });
  });

  it("OUT_OF_ORDER_SEQUENCE_NUMBER with nothing earlier: a fresh producer id is needed", () => {
    const error = new KafkaProtocolError("OUT_OF_ORDER_SEQUENCE_NUMBER", "gap");
    expect(judgeFailure(batchOf(2), error, context())).toEqual({ action: "retry", notAppended: true, needsFresh: true, backoff: true });
  });

  it("without idempotence nothing is known about appends and the sequence error is not special", () => {
    const error = new KafkaProtocolError("OUT_OF_ORDER_SEQUENCE_NUMBER", "gap");
    expect(judgeFailure(batchOf(2), error, context({ idempotent: false }))).toMatchObject({ action: "fail", notAppended: false, needsFresh: false });
  });
});

describe("backoffDelay", () => {
  it("doubles from retryBackoffMs up to retryBackoffMaxMs, within ±20%", () => {
    for (let failures = 0; failures < 12; failures++) {
      const base = Math.min(100 * 2 ** failures, 1_000);
      const delay = backoffDelay(failures, 100, 1_000);
      expect(delay).toBeGreaterThanOrEqual(base * 0.8);
      expect(delay).toBeLessThanOrEqual(base * 1.2);
    }
  });
});
