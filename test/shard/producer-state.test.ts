import { describe, expect, it } from "vitest";
import {
  incrementSequence,
  MAX_SEQUENCE,
  ProducerStateTable,
  type ProducerBatch,
  type ProducerCheck,
} from "../../src/shard/producer-state.js";
import { InvalidRecordError, KafkaProtocolError } from "../../src/core/index.js";

const PID = 42n;
const batch = (baseSequence: number, count = 1, producerEpoch = 0, producerId = PID): ProducerBatch => ({
  producerId,
  producerEpoch,
  baseSequence,
  lastOffsetDelta: count - 1,
});

type Outcome = ProducerCheck | { kind: "appended"; baseOffset: bigint; lastOffset: bigint };

/** A partition in miniature: check, then on "append" assign offsets and record, as the produce path does. */
class Partition {
  readonly table = new ProducerStateTable();
  next = 0n;
  produce(b: ProducerBatch, timestamp = 1_000): Outcome {
    const verdict = this.table.check(b);
    if (verdict.kind !== "append") return verdict;
    const baseOffset = this.next;
    const lastOffset = baseOffset + BigInt(b.lastOffsetDelta);
    this.next = lastOffset + 1n;
    this.table.record(b, baseOffset, lastOffset, timestamp);
    return { kind: "appended", baseOffset, lastOffset };
  }
}

/** "appended", "duplicate", or the Kafka error code. */
const result = (o: Outcome) => (o.kind === "error" ? o.error.kafkaCode : o.kind);

describe("ProducerStateTable.check", () => {
  it("accepts in-order sequences and remembers the last five batches", () => {
    const p = new Partition();
    let seq = 0;
    for (let i = 0; i < 8; i++) {
      expect(result(p.produce(batch(seq, 3)))).toBe("appended");
      seq += 3;
    }
    const entry = p.table.entry(PID)!;
    expect(entry.epoch).toBe(0);
    expect(entry.batches.map((b) => [b.firstSeq, b.lastSeq])).toEqual([[9, 11], [12, 14], [15, 17], [18, 20], [21, 23]]);
    expect(entry.batches.at(-1)).toEqual({ firstSeq: 21, lastSeq: 23, baseOffset: 21n, lastOffset: 23n });
  });

  it("answers a retry of each of the last five batches with its original offsets, appending nothing", () => {
    const p = new Partition();
    const appended: Outcome[] = [];
    for (let i = 0; i < 7; i++) appended.push(p.produce(batch(i * 2, 2)));
    for (let i = 2; i < 7; i++) {
      const original = appended[i] as { baseOffset: bigint; lastOffset: bigint };
      expect(p.table.check(batch(i * 2, 2))).toEqual({ kind: "duplicate", baseOffset: original.baseOffset, lastOffset: original.lastOffset });
    }
    expect(p.next).toBe(14n);
    expect(result(p.produce(batch(14, 1)))).toBe("appended");
  });

  it("rejects a retry older than the five-batch window as OUT_OF_ORDER_SEQUENCE_NUMBER", () => {
    const p = new Partition();
    for (let i = 0; i < 6; i++) p.produce(batch(i));
    const outcome = p.table.check(batch(0));
    expect(result(outcome)).toBe(45);
    expect(outcome.kind === "error" && outcome.error).toBeInstanceOf(KafkaProtocolError);
    expect(outcome.kind === "error" && outcome.error.code).toBe("OUT_OF_ORDER_SEQUENCE_NUMBER");
    expect(outcome.kind === "error" && outcome.error.retriable).toBe(false);
  });

  it("rejects gaps, rewinds and partial overlaps with 45", () => {
    const p = new Partition();
    p.produce(batch(0, 5)); // 0..4
    p.produce(batch(5, 5)); // 5..9
    expect(result(p.produce(batch(11)))).toBe(45); // gap
    expect(result(p.produce(batch(3)))).toBe(45); // inside a cached batch, not equal to it
    expect(result(p.produce(batch(5, 3)))).toBe(45); // same start, different end
    expect(result(p.produce(batch(8, 4)))).toBe(45); // overlaps the tail
    expect(result(p.produce(batch(10)))).toBe("appended");
  });

  it("fences a stale epoch with INVALID_PRODUCER_EPOCH, even for an exact retry", () => {
    const p = new Partition();
    p.produce(batch(0, 2, 3));
    p.produce(batch(0, 2, 4));
    expect(result(p.produce(batch(0, 2, 3)))).toBe(47);
    expect(result(p.produce(batch(2, 1, 3)))).toBe(47);
    const outcome = p.table.check(batch(2, 1, 2));
    expect(outcome.kind === "error" && outcome.error.code).toBe("INVALID_PRODUCER_EPOCH");
  });

  it("starts a new epoch at sequence 0 and forgets the old epoch's batches", () => {
    const p = new Partition();
    p.produce(batch(0, 3, 0));
    p.produce(batch(3, 3, 0));
    expect(result(p.produce(batch(6, 1, 1)))).toBe(45); // new epoch must restart at 0
    expect(result(p.produce(batch(1, 1, 5)))).toBe(45);
    expect(result(p.produce(batch(0, 2, 1)))).toBe("appended");
    const entry = p.table.entry(PID)!;
    expect(entry.epoch).toBe(1);
    expect(entry.batches).toEqual([{ firstSeq: 0, lastSeq: 1, baseOffset: 6n, lastOffset: 7n }]);
    expect(result(p.produce(batch(0, 2, 1)))).toBe("duplicate");
    expect(result(p.produce(batch(2, 1, 1)))).toBe("appended");
  });

  it("lets a producer with no state here start at any sequence (Kafka >= 2.5)", () => {
    const p = new Partition();
    expect(result(p.produce(batch(17, 2)))).toBe("appended");
    expect(result(p.produce(batch(19)))).toBe("appended");
    expect(result(p.produce(batch(500, 1, 0, 9n)))).toBe("appended");
  });

  it("wraps sequences past 2^31-1 to 0", () => {
    expect(incrementSequence(0, 4)).toBe(4);
    expect(incrementSequence(MAX_SEQUENCE, 1)).toBe(0);
    expect(incrementSequence(MAX_SEQUENCE - 1, 3)).toBe(1);
    expect(incrementSequence(MAX_SEQUENCE - 2, 2)).toBe(MAX_SEQUENCE);

    const p = new Partition();
    p.produce(batch(MAX_SEQUENCE - 4, 3)); // .. MAX-2
    expect(result(p.produce(batch(MAX_SEQUENCE - 1, 4)))).toBe("appended"); // MAX-1, MAX, 0, 1
    expect(p.table.entry(PID)!.batches.at(-1)).toMatchObject({ firstSeq: MAX_SEQUENCE - 1, lastSeq: 1 });
    expect(result(p.produce(batch(MAX_SEQUENCE - 1, 4)))).toBe("duplicate");
    expect(result(p.produce(batch(MAX_SEQUENCE + 0, 1)))).toBe(45);
    expect(result(p.produce(batch(2, 2)))).toBe("appended");

    const q = new Partition();
    q.produce(batch(MAX_SEQUENCE - 1, 2)); // ends exactly at MAX
    expect(result(q.produce(batch(0)))).toBe("appended");
  });

  it("ignores producerId -1 whatever its epoch and sequence say", () => {
    const p = new Partition();
    for (let i = 0; i < 3; i++) expect(result(p.produce(batch(0, 1, 0, -1n)))).toBe("appended"); // kafkajs
    expect(result(p.produce(batch(-1, 1, -1, -1n)))).toBe("appended"); // librdkafka, kafka-python
    expect(result(p.produce(batch(99, 1, 7, -5n)))).toBe("appended");
    expect(p.table.size).toBe(0);
  });

  it("rejects an idempotent batch with a negative sequence, epoch or lastOffsetDelta as INVALID_RECORD", () => {
    const t = new ProducerStateTable();
    for (const b of [batch(-1), batch(0, 1, -1), { ...batch(0), lastOffsetDelta: -1 }]) {
      const outcome = t.check(b);
      expect(result(outcome)).toBe(87);
      expect(outcome.kind === "error" && outcome.error).toBeInstanceOf(InvalidRecordError);
    }
  });

  it("checks transactional batches by the same sequence rules (the coordinator verifies the transaction)", () => {
    const t = new ProducerStateTable();
    expect(result(t.check({ ...batch(0), isTransactional: true }))).toBe("append");
    t.record({ ...batch(0), isTransactional: true }, 0n, 0n, 1);
    expect(result(t.check({ ...batch(5), isTransactional: true }))).toBe(45);
    expect(result(t.check({ ...batch(0), isTransactional: true }))).toBe("duplicate");
  });

  it("expires producers idle for producer.id.expiration.ms, after which they may resume anywhere", () => {
    const t = new ProducerStateTable({ producerIdExpirationMs: 1_000 });
    t.record(batch(0, 1, 0, 1n), 0n, 0n, 100);
    t.record(batch(0, 1, 0, 2n), 1n, 1n, 600);
    t.record(batch(1, 1, 0, 1n), 2n, 2n, 50); // timestamps may go backwards: idleness counts from the newest
    expect(t.entry(1n)!.lastTimestamp).toBe(100);
    expect(t.removeExpired(1_099)).toBe(0);
    expect(t.removeExpired(1_100)).toBe(1);
    expect(t.entry(1n)).toBeUndefined();
    expect(t.entry(2n)).toBeDefined();
    expect(result(t.check(batch(7, 1, 0, 1n)))).toBe("append");
    expect(new ProducerStateTable().producerIdExpirationMs).toBe(86_400_000);
  });
});
