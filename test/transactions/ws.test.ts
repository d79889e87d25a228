// Transactions over the WebSocket protocol (issue 16): client.producer({ transactionalId }) with
// beginTransaction / send / sendOffsets / commitTransaction / abortTransaction, consumers with isolation
// "read_committed" | "read_uncommitted" (the default), a consume-transform-produce loop that yields one
// committed output per input across a forced abort and a restart, fencing across the two front ends, and
// bad transaction frames answered with typed errors.

import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type RivuletClient } from "../../src/client/index.js";
import { FrameType } from "../../src/protocol/ws/index.js";
import { kafkaServers, sleep, type KafkaTestServer } from "../kafka/helpers.js";

const servers = kafkaServers();
let s: KafkaTestServer;
const clients: RivuletClient[] = [];

async function client(): Promise<RivuletClient> {
  const c = await connect({ url: s.wsUrl });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  s = await servers.start();
});

afterAll(() => {
  for (const c of clients) c.close();
});

/** Values a consumer reads from the beginning of every partition of `topic` within `ms`. */
async function read(c: RivuletClient, topic: string, isolation: "read_committed" | "read_uncommitted" | undefined, expected: number, ms = 3000): Promise<string[]> {
  const consumer = c.consumer({ topic, from: "earliest", ...(isolation ? { isolation } : {}) });
  const values: string[] = [];
  const deadline = Date.now() + ms;
  const reading = (async () => {
    for await (const record of consumer) {
      values.push(new TextDecoder().decode(record.value!));
      if (values.length >= expected + 5) break;
    }
  })().catch(() => undefined);
  while (values.length < expected && Date.now() < deadline) await sleep(20);
  await sleep(200);
  await consumer.close();
  await reading;
  return values.sort();
}

describe("WebSocket transactions", () => {
  it("commit and abort: read_committed consumers see committed records only, read_uncommitted (the default) all", async () => {
    const c = await client();
    await c.admin.createTopic("ws-tx", { partitions: 2 });
    const producer = c.producer({ transactionalId: "ws-tx-1" });
    await producer.beginTransaction();
    await producer.sendMany([{ topic: "ws-tx", partition: 0, value: "c1" }, { topic: "ws-tx", partition: 1, value: "c2" }]);
    await producer.commitTransaction();
    await producer.beginTransaction();
    await producer.send({ topic: "ws-tx", partition: 0, value: "a1" });
    await producer.send({ topic: "ws-tx", partition: 1, value: "a2" });
    await producer.abortTransaction();
    await producer.beginTransaction();
    await producer.send({ topic: "ws-tx", partition: 1, value: "open" }); // stays open: read_committed stops before it

    expect(await read(c, "ws-tx", "read_committed", 2)).toEqual(["c1", "c2"]);
    expect(await read(c, "ws-tx", undefined, 5)).toEqual(["a1", "a2", "c1", "c2", "open"]);
    await producer.commitTransaction();
    expect(await read(c, "ws-tx", "read_committed", 3)).toEqual(["c1", "c2", "open"]);

    // A Kafka read_committed consumer agrees.
    const kafka = new Kafka({ brokers: [s.bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: "ws-tx-kafka", maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: "ws-tx", fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    const deadline = Date.now() + 8000;
    while (seen.length < 3 && Date.now() < deadline) await sleep(50);
    await consumer.disconnect();
    expect(seen.sort()).toEqual(["c1", "c2", "open"]);
  });

  it("a read_committed subscription waits at the LSO and continues when the transaction commits", async () => {
    const c = await client();
    await c.admin.createTopic("ws-lso", { partitions: 1 });
    const producer = c.producer({ transactionalId: "ws-lso-1" });
    await producer.beginTransaction();
    await producer.send({ topic: "ws-lso", value: "t1" });
    const consumer = c.consumer({ topic: "ws-lso", from: "earliest", isolation: "read_committed" });
    const first = consumer.next();
    const early = await Promise.race([first.then(() => "record"), sleep(400).then(() => "waiting")]);
    expect(early).toBe("waiting");
    await producer.commitTransaction();
    const record = await first;
    expect(new TextDecoder().decode(record.value!)).toBe("t1");
    await consumer.close();
  });

  it("read_committed from latest starts at the LSO: an open transaction's records arrive once it commits", async () => {
    const c = await client();
    await c.admin.createTopic("ws-lso-latest", { partitions: 1 });
    const plain = c.producer({ acks: "all" });
    await plain.send({ topic: "ws-lso-latest", value: "before" });
    const producer = c.producer({ transactionalId: "ws-lso-latest-1" });
    await producer.beginTransaction();
    await producer.send({ topic: "ws-lso-latest", value: "in-txn" });
    // The log end is past "in-txn"; the last stable offset is at it (1). A reader from "latest" that started at
    // the log end would never see the transaction it joined in the middle of.
    const consumer = c.consumer({ topic: "ws-lso-latest", from: "latest", isolation: "read_committed" });
    const first = consumer.next();
    expect(await Promise.race([first.then(() => "record"), sleep(300).then(() => "waiting")])).toBe("waiting");
    await producer.commitTransaction();
    const record = await first;
    expect(new TextDecoder().decode(record.value!)).toBe("in-txn");
    expect(record.offset).toBe(1n);
    await consumer.close();
  });

  it("consume-transform-produce with sendOffsets: one committed output per input across a forced abort and a restart", async () => {
    let c = await client();
    await c.admin.createTopic("ws-in", { partitions: 2 });
    await c.admin.createTopic("ws-out", { partitions: 1 });
    const plain = c.producer();
    const inputs = Array.from({ length: 30 }, (_, i) => `in-${i}`);
    await plain.sendMany(inputs.slice(0, 15).map((value, i) => ({ topic: "ws-in", partition: i % 2, value })));

    let abortedOnce = false;
    const loop = async (c: RivuletClient, until: number) => {
      const committed = await c.admin.committedOffsets("ctp-ws", ["ws-in"]);
      const positions = Object.fromEntries(committed.filter((o) => o.offset >= 0n).map((o) => [o.partition, o.offset]));
      const consumer = c.consumer({ topic: "ws-in", from: "earliest", positions, isolation: "read_committed" });
      const producer = c.producer({ transactionalId: "ctp-ws-loop" });
      let done = 0;
      for await (const record of consumer) {
        await producer.beginTransaction();
        await producer.send({ topic: "ws-out", value: new TextDecoder().decode(record.value!).replace("in", "out") });
        await producer.sendOffsets({ group: "ctp-ws", offsets: [{ topic: "ws-in", partition: record.partition, offset: record.offset + 1n }] });
        if (!abortedOnce && record.offset === 3n) {
          abortedOnce = true;
          await producer.abortTransaction();
          break; // the consumer is rebuilt from the committed offsets: this input comes again
        }
        await producer.commitTransaction();
        if (++done >= until) break;
      }
      await consumer.close();
    };
    // Inputs consumed so far = the group's committed offsets (committed with each output).
    const committedOutputs = async () => Number((await c.admin.committedOffsets("ctp-ws", ["ws-in"])).reduce((n, o) => n + (o.offset > 0n ? o.offset : 0n), 0n));

    await loop(c, 15); // stops at the forced abort
    expect(abortedOnce).toBe(true);
    while ((await committedOutputs()) < 15) await loop(c, 15 - (await committedOutputs()));

    await s.restart();
    c = await client();
    await c.producer().sendMany(inputs.slice(15).map((value, i) => ({ topic: "ws-in", partition: i % 2, value })));
    await loop(c, 15);
    expect(await read(c, "ws-out", "read_committed", 30)).toEqual(inputs.map((v) => v.replace("in", "out")).sort());
    const committed = await c.admin.committedOffsets("ctp-ws", ["ws-in"]);
    // 16 inputs went to partition 0 and 14 to partition 1 (i % 2 in two rounds of 15).
    expect(committed.sort((a, b) => a.partition - b.partition).map((o) => o.offset)).toEqual([16n, 14n]);
    // The aborted output is in the log for read_uncommitted readers.
    expect((await read(c, "ws-out", "read_uncommitted", 31)).length).toBe(31);
  });

  it("fencing across front ends: a kafkajs producer with the same transactional id fences the WebSocket one", async () => {
    const c = await client();
    await c.admin.createTopic("ws-fence", { partitions: 1 });
    const ws = c.producer({ transactionalId: "shared-across" });
    await ws.beginTransaction();
    await ws.send({ topic: "ws-fence", value: "ws-zombie" });
    const kafka = new Kafka({ brokers: [s.bootstrap], logLevel: logLevel.NOTHING });
    const kp = kafka.producer({ transactionalId: "shared-across", maxInFlightRequests: 1, idempotent: true });
    await kp.connect();
    const txn = await kp.transaction();
    const fenced = await ws.send({ topic: "ws-fence", value: "late" }).then(() => undefined, (e: { code?: string }) => e);
    expect(fenced?.code).toMatch(/INVALID_PRODUCER_EPOCH|PRODUCER_FENCED/);
    await expect(ws.commitTransaction()).rejects.toMatchObject({ code: expect.stringMatching(/INVALID_PRODUCER_EPOCH|PRODUCER_FENCED/) });
    await expect(ws.beginTransaction()).rejects.toMatchObject({ code: "PRODUCER_FENCED" });
    await txn.send({ topic: "ws-fence", messages: [{ value: "kafka" }] });
    await txn.commit();
    await kp.disconnect();
    expect(await read(c, "ws-fence", "read_committed", 1)).toEqual(["kafka"]);
  });

  it("misuse and bad frames get typed errors", async () => {
    const c = await client();
    await c.admin.createTopic("ws-bad", { partitions: 1 });
    const producer = c.producer({ transactionalId: "ws-bad-1" });
    expect(() => producer.send({ topic: "ws-bad", value: "x" })).toThrow(expect.objectContaining({ code: "INVALID_TXN_STATE" }));
    // An end for an unknown id, and an init with a timeout past the maximum.
    await expect(c.connection.request({ type: FrameType.TXN_END, transactionalId: "never", producerId: 1n, producerEpoch: 0, commit: true })).rejects.toMatchObject({ code: "INVALID_PRODUCER_ID_MAPPING" });
    await expect(c.connection.request({ type: FrameType.TXN_INIT, transactionalId: "too-long", timeoutMs: 3_600_000 })).rejects.toMatchObject({ code: "INVALID_TRANSACTION_TIMEOUT" });
    await producer.beginTransaction();
    await expect(producer.abortTransaction()).resolves.toBeUndefined(); // nothing sent: an empty abort is fine
  });
});
