// kafkajs 2.2.4 transactions against the Kafka listener: commit and abort across partitions with
// read_committed vs read_uncommitted consumers, a consume-transform-produce loop with sendOffsets that
// yields exactly one committed output per input across a forced abort and a broker restart, zombie fencing
// with two producers sharing a transactional id, and the coordinator's Describe/ListTransactions.

import { Kafka, logLevel, type Consumer, type EachMessagePayload } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, kafkaServers, sleep, type KafkaTestServer } from "../kafka/helpers.js";

const servers = kafkaServers();
let s: KafkaTestServer;
let kafka: Kafka;
const open: Array<{ disconnect(): Promise<void> }> = [];

function track<T extends { disconnect(): Promise<void> }>(c: T): T {
  open.push(c);
  return c;
}

beforeAll(async () => {
  s = await servers.start({ transactions: { abortCheckMs: 100 } });
  kafka = new Kafka({ brokers: [s.bootstrap], clientId: "kafkajs-txn", logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.disconnect().catch(() => {})));
});

/** Every value a fresh consumer reads from `topic` within `ms`, with the given isolation. */
async function readAll(topic: string, readUncommitted: boolean, expected: number, ms = 8000): Promise<string[]> {
  const consumer = track(kafka.consumer({ groupId: `reader-${Math.random()}`, readUncommitted, maxWaitTimeInMs: 100 }));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
  const deadline = Date.now() + ms;
  while (values.length < expected && Date.now() < deadline) await sleep(50);
  // A little longer: anything beyond `expected` would show up now.
  await sleep(300);
  await consumer.disconnect();
  return values.sort();
}

describe("kafkajs transactions", () => {
  it("commit is visible to read_committed, abort only to read_uncommitted; markers stay out of the records", async () => {
    await s.server.broker.createTopic("tx-basic", { partitions: 2 });
    const producer = track(kafka.producer({ transactionalId: "tx-basic-1", maxInFlightRequests: 1, idempotent: true }));
    await producer.connect();
    const committed = await producer.transaction();
    await committed.send({ topic: "tx-basic", messages: [{ key: "a", value: "c1", partition: 0 }, { key: "b", value: "c2", partition: 1 }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic: "tx-basic", messages: [{ key: "a", value: "x1", partition: 0 }, { key: "b", value: "x2", partition: 1 }] });
    await aborted.abort();
    const again = await producer.transaction();
    await again.send({ topic: "tx-basic", messages: [{ value: "c3", partition: 0 }] });
    await again.commit();

    expect(await readAll("tx-basic", false, 3)).toEqual(["c1", "c2", "c3"]);
    expect(await readAll("tx-basic", true, 5)).toEqual(["c1", "c2", "c3", "x1", "x2"]);
  });

  it("an open transaction holds read_committed readers at its first offset (LSO) until it ends", async () => {
    await s.server.broker.createTopic("tx-lso", { partitions: 1 });
    const plain = track(kafka.producer());
    await plain.connect();
    await plain.send({ topic: "tx-lso", messages: [{ value: "before" }] });
    const producer = track(kafka.producer({ transactionalId: "tx-lso-1", maxInFlightRequests: 1, idempotent: true }));
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic: "tx-lso", messages: [{ value: "inside" }] });
    await plain.send({ topic: "tx-lso", messages: [{ value: "after" }] });

    const admin = track(kafka.admin());
    await admin.connect();
    // kafkajs' admin lists offsets with read_committed: the LSO, at the open transaction's first record.
    expect((await admin.fetchTopicOffsets("tx-lso"))[0]!.high).toBe("1");
    expect((await s.server.broker.listOffsets("tx-lso", 0, "latest")).offset).toBe(3n);
    const lso = await s.server.broker.listOffsets("tx-lso", 0, "latest", "read_committed");
    expect(lso.offset).toBe(1n);
    expect(await readAll("tx-lso", false, 2, 1500)).toEqual(["before"]);
    await txn.commit();
    expect((await s.server.broker.listOffsets("tx-lso", 0, "latest", "read_committed")).offset).toBe(4n); // 3 records + the marker
    expect(await readAll("tx-lso", false, 3)).toEqual(["after", "before", "inside"]);
  });

  it("consume-transform-produce with sendOffsets: one committed output per input across a forced abort and a restart", async () => {
    await s.server.broker.createTopic("ctp-in", { partitions: 2 });
    await s.server.broker.createTopic("ctp-out", { partitions: 2 });
    const input = track(kafka.producer());
    await input.connect();
    const inputs = Array.from({ length: 40 }, (_, i) => `in-${i}`);
    await input.send({ topic: "ctp-in", messages: inputs.slice(0, 20).map((value, i) => ({ value, partition: i % 2 })) });

    let abortOnce = true;
    const runLoop = async (consumer: Consumer, transactionalId: string) => {
      const producer = track(kafka.producer({ transactionalId, maxInFlightRequests: 1, idempotent: true }));
      await producer.connect();
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }: EachMessagePayload) => {
          const txn = await producer.transaction();
          await txn.send({ topic: "ctp-out", messages: [{ value: message.value!.toString().replace("in", "out") }] });
          await txn.sendOffsets({ consumerGroupId: "ctp", topics: [{ topic, partitions: [{ partition, offset: (BigInt(message.offset) + 1n).toString() }] }] });
          if (abortOnce && message.value!.toString() === "in-6") {
            abortOnce = false;
            await txn.abort();
            // kafkajs redelivers a message whose handler threw (its offset was never committed).
            throw new Error("forced abort");
          }
          await txn.commit();
        },
      });
      return producer;
    };

    let consumer = track(kafka.consumer({ groupId: "ctp", maxWaitTimeInMs: 100, retry: { retries: 10, initialRetryTime: 100 } }));
    await consumer.connect();
    await consumer.subscribe({ topic: "ctp-in", fromBeginning: true });
    let producer = await runLoop(consumer, "ctp-loop");
    await eventually(async () => (await committedOutputs()).length >= 20, 20_000, "20 outputs before the restart");
    await consumer.disconnect();
    await producer.disconnect();

    await s.restart();
    await input.send({ topic: "ctp-in", messages: inputs.slice(20).map((value, i) => ({ value, partition: i % 2 })) });
    consumer = track(kafka.consumer({ groupId: "ctp", maxWaitTimeInMs: 100, retry: { retries: 10, initialRetryTime: 100 } }));
    await consumer.connect();
    await consumer.subscribe({ topic: "ctp-in", fromBeginning: true });
    producer = await runLoop(consumer, "ctp-loop");
    await eventually(async () => (await committedOutputs()).length >= 40, 20_000, "40 outputs after the restart");
    await consumer.disconnect();
    await producer.disconnect();

    const outputs = await committedOutputs();
    expect(outputs).toEqual(inputs.map((v) => v.replace("in", "out")).sort());
    expect(abortOnce).toBe(false);
    // The aborted output is in the log, visible to read_uncommitted only.
    expect((await readAll("ctp-out", true, 41)).filter((v) => v === "out-6")).toHaveLength(2);
  });

  it("zombie fencing: a second producer with the same transactional id fences the first and aborts its transaction", async () => {
    await s.server.broker.createTopic("tx-zombie", { partitions: 1 });
    const zombie = track(kafka.producer({ transactionalId: "tx-shared", maxInFlightRequests: 1, idempotent: true, retry: { retries: 1, initialRetryTime: 50 } }));
    await zombie.connect();
    const old = await zombie.transaction();
    await old.send({ topic: "tx-zombie", messages: [{ value: "zombie-1" }] });

    const fresh = track(kafka.producer({ transactionalId: "tx-shared", maxInFlightRequests: 1, idempotent: true }));
    await fresh.connect();
    // kafkajs sends InitProducerId at the first transaction(): the epoch is bumped and the zombie's open
    // transaction aborted.
    const txn = await fresh.transaction();
    const sendError = await old.send({ topic: "tx-zombie", messages: [{ value: "zombie-2" }] }).then(() => undefined, (e: Error & { type?: string }) => e);
    expect(sendError?.type).toMatch(/INVALID_PRODUCER_EPOCH|PRODUCER_FENCED|INVALID_TXN_STATE/);
    const commitError = await old.commit().then(() => undefined, (e: Error & { type?: string }) => e);
    expect(commitError).toBeDefined();

    await txn.send({ topic: "tx-zombie", messages: [{ value: "fresh-1" }] });
    await txn.commit();
    expect(await readAll("tx-zombie", false, 1)).toEqual(["fresh-1"]);
  });

  it("DescribeTransactions and ListTransactions through the admin protocol", async () => {
    const coordinator = s.server.transactions;
    const [described] = coordinator.describe(["tx-basic-1"]);
    expect(described).toMatchObject({ errorCode: 0, transactionState: "CompleteCommit", transactionTimeoutMs: 60000 });
    const listed = coordinator.list(["CompleteCommit"], []);
    expect(listed.transactionStates.map((t) => t.transactionalId)).toContain("tx-basic-1");
    expect(coordinator.list(["Bogus"], []).unknownStateFilters).toEqual(["Bogus"]);
    expect(coordinator.describe(["nope"])[0]!.errorCode).toBe(105);
  });
});

/** The committed values of ctp-out, read with read_committed straight from the broker. */
async function committedOutputs(): Promise<string[]> {
  const { decodeRecordBatch, scanBatches, Attributes } = await import("../../src/core/index.js");
  const out: string[] = [];
  for (const partition of [0, 1]) {
    const { records, abortedTransactions } = await s.server.broker.fetch("ctp-out", partition, 0n, { maxBytes: 1 << 20, isolation: "read_committed" });
    // The consumer's algorithm (Kafka's Fetcher): a producer is skipped from its aborted transaction's first
    // offset until its abort marker.
    const queue = [...(abortedTransactions ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
    const skipping = new Set<bigint>();
    for (const b of scanBatches(records, { verifyCrc: false }).batches) {
      const batch = decodeRecordBatch(records.subarray(b.position, b.position + b.size));
      while (queue.length && queue[0]!.firstOffset <= b.lastOffset) skipping.add(queue.shift()!.producerId);
      if ((b.attributes & Attributes.CONTROL) !== 0) {
        const type = new DataView(batch.records[0]!.key!.buffer, batch.records[0]!.key!.byteOffset).getInt16(2);
        if (type === 0) skipping.delete(batch.producerId);
        continue;
      }
      if (skipping.has(batch.producerId)) continue;
      for (const r of batch.records) out.push(new TextDecoder().decode(r.value!));
    }
  }
  return out.sort();
}
