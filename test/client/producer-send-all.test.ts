// sendAll(): one promise for many records and no per-record metadata (issue 14's batch-level path), over
// the same pipeline as send(): against the in-memory broker that runs the real idempotence checks, it
// stores every record once and in order across lost answers and dropped connections, rejects with the
// first refused record's error while its neighbours are still stored, resolves with acks 0, and mixes
// with send() in one batch.
import { describe, expect, it } from "vitest";
import { Producer, type ProducerOptions } from "../../src/client/index.js";
import { FakeBroker, type Fault } from "./producer-fake-broker.js";

const values = (n: number, from = 0) => Array.from({ length: n }, (_, i) => String(from + i));
const producerOn = (broker: FakeBroker, options: ProducerOptions = {}) => new Producer(broker.connection, broker.admin, options);

describe("sendAll", () => {
  it("stores every record once, in order, across lost answers and drops (idempotent, 5 in flight)", async () => {
    const broker = new FakeBroker();
    let n = 0;
    broker.fault = (): Fault => (++n % 5 === 0 ? "lose-answer" : n % 9 === 0 ? "drop" : undefined);
    const producer = producerOn(broker, { lingerMs: 0, idempotent: true, requestTimeoutMs: 40, retryBackoffMs: 1, batchBytes: 2000 });
    const calls = [];
    for (let c = 0; c < 20; c++) calls.push(producer.sendAll(values(100, c * 100).map((value) => ({ topic: "t", partition: 0, value }))));
    await expect(Promise.all(calls)).resolves.toHaveLength(20);
    expect(broker.log()).toEqual(values(2000));
    expect(n).toBeGreaterThan(10); // many requests: the faults really hit
  });

  it("rejects with the first refused record's error; the records around it are stored", async () => {
    const broker = new FakeBroker();
    broker.poison = "bad";
    const producer = producerOn(broker, { lingerMs: 5, idempotent: true });
    const sent = producer.sendAll(["a", "b", "bad", "c", "bad", "d"].map((value) => ({ topic: "t", value })));
    await expect(sent).rejects.toMatchObject({ code: "INVALID_RECORD", retriable: false });
    await producer.flush();
    expect(broker.log()).toEqual(["a", "b", "c", "d"]);
    // A record refused before batching (too large) rejects the call too, and nothing else is lost.
    broker.maxMessageBytes = 1000;
    const fresh = producerOn(broker, { lingerMs: 5 });
    await expect(fresh.sendAll([{ topic: "t", value: "e" }, { topic: "t", value: "x".repeat(2000) }, { topic: "t", value: "f" }])).rejects.toMatchObject({ code: "MESSAGE_TOO_LARGE" });
    await fresh.flush();
    expect(broker.log()).toEqual(["a", "b", "c", "d", "e", "f"]);
  });

  it("resolves once with acks 0 and with an empty list; mixes with send() in order", async () => {
    const broker = new FakeBroker();
    const producer = producerOn(broker, { lingerMs: 5, acks: 0 });
    await expect(producer.sendAll([])).resolves.toBeUndefined();
    await expect(producer.sendAll(values(50).map((value) => ({ topic: "t", value })))).resolves.toBeUndefined();
    const one = producerOn(broker, { lingerMs: 5, acks: 1 });
    const first = one.send({ topic: "t", partition: 0, value: "s1" });
    const many = one.sendAll([{ topic: "t", partition: 0, value: "m1" }, { topic: "t", partition: 0, value: "m2" }]);
    const last = one.send({ topic: "t", partition: 0, value: "s2" });
    const [a, , b] = await Promise.all([first, many, last]);
    expect(b.offset - a.offset).toBe(3n); // the two sendAll records sit between, in one pipeline
    expect(broker.log().slice(-4)).toEqual(["s1", "m1", "m2", "s2"]);
  });

  it("while congested the rest of a call waits and later calls never overtake it", async () => {
    const broker = new FakeBroker();
    broker.latencyMs = 2;
    // Room for a few dozen records: every call below is congested many times over.
    const producer = producerOn(broker, { lingerMs: 0, acks: 1, maxBufferedBytes: 4000, batchBytes: 1000 });
    await producer.send({ topic: "t", partition: 0, value: "warm-up" }); // the topic's limits are known
    const calls: Promise<unknown>[] = [];
    const expected: string[] = ["warm-up"];
    for (let c = 0; c < 5; c++) {
      const chunk = values(200, c * 1000).map((value) => ({ topic: "t", partition: 0, value }));
      expected.push(...chunk.map((r) => r.value));
      calls.push(producer.sendAll(chunk));
      expected.push(`single-${c}`);
      calls.push(producer.send({ topic: "t", partition: 0, value: `single-${c}` }));
    }
    expect(producer.congested).toBe(true);
    await Promise.all(calls);
    await producer.flush();
    expect(broker.log()).toEqual(expected);
    expect(producer.bufferedBytes).toBe(0);
  });
});
