// acks=all through the Kafka front end with the fdatasync held open and then failing (docs/storage.md,
// "When consumers see a record"; the broker-level half is test/broker/acks-all-visibility.test.ts). Raw
// requests with the project's codecs, one connection per request in flight (test/helpers/kafka-wire.ts): a
// long-poll Fetch (max wait 5 s) parked at the log end returns the record as soon as it is written, while
// the Produce (acks=-1) is answered only after the fsync. Meanwhile the high watermark and the last stable
// offset are the log end: on one node the high watermark moves at the append, not at the flush (as a Kafka
// leader with no other in-sync replica), for read_committed too (no transaction is open). A failed fsync
// answers the Produce with KAFKA_STORAGE_ERROR (56); the partition keeps serving, and a restart keeps
// every acknowledged record at its offset. The second test does the same with an independent client,
// kafkajs: a group consumer (read_committed, its default) against a producer with acks -1 and no retries.
import { Kafka, logLevel, type Consumer, type Producer } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import type { AppendWatch } from "../../src/broker/append-watch.js";
import { encodeRecordBatch } from "../../src/core/index.js";
import { ApiKey, type ProducePartitionResponse } from "../../src/protocol/kafka/index.js";
import { heldFsync, outcomeOf, settlesWithin } from "../helpers/held-fsync.js";
import { fetchedRecords, fetchPartition, Wire } from "../helpers/kafka-wire.js";
import { eventually, kafkaServers, type KafkaTestServer } from "./helpers.js";

const servers = kafkaServers();
const fsync = heldFsync("kafka-early-wake");
const topic = "early-wake";
const READ_UNCOMMITTED = 0 as const;
const READ_COMMITTED = 1 as const;

async function produce(wire: Wire, value: string): Promise<ProducePartitionResponse> {
  const records = encodeRecordBatch([{ key: null, value, timestamp: Date.now() }]);
  const response = await wire.request(ApiKey.Produce, 7, { transactionalId: null, acks: -1, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
  return response.responses[0]!.partitionResponses[0]!;
}

async function latestOffset(wire: Wire, isolationLevel: number): Promise<bigint | undefined> {
  const response = await wire.request(ApiKey.ListOffsets, 5, { replicaId: -1, isolationLevel, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] });
  const p = response.topics[0]!.partitions[0]!;
  expect(p.errorCode).toBe(0);
  return p.offset;
}

const kafkajsClients: Array<Consumer | Producer> = [];
afterAll(async () => {
  await Promise.all(kafkajsClients.map((c) => c.disconnect().catch(() => {})));
});

const appendWatchOf = (s: KafkaTestServer) => (s.server.broker as unknown as { watch: AppendWatch }).watch;

describe("acks=all over the Kafka protocol while the fdatasync is held, then fails", () => {
  it("a long-poll Fetch returns the record before the Produce is answered, with the high watermark and LSO at the log end", async () => {
    const s = await servers.start({ shards: 1, shardFaults: fsync.faults });
    await s.server.broker.createTopic(topic, { partitions: 1 });
    const producer = await Wire.open(s.bootstrap);
    const uncommitted = await Wire.open(s.bootstrap);
    const committed = await Wire.open(s.bootstrap);
    const admin = await Wire.open(s.bootstrap);
    try {
      expect(await produce(producer, "before")).toMatchObject({ errorCode: 0, baseOffset: 0n });

      // Two long polls parked at the log end (offset 1), read_uncommitted and read_committed.
      const started = performance.now();
      const fetches = [
        fetchPartition(uncommitted, topic, 0, 1n, { maxWaitMs: 5_000, isolationLevel: READ_UNCOMMITTED }),
        fetchPartition(committed, topic, 0, 1n, { maxWaitMs: 5_000, isolationLevel: READ_COMMITTED }),
      ];
      await eventually(() => appendWatchOf(s).waiting === 2, 5_000, "both fetches parked");

      fsync.hold();
      let answered = false;
      const held = outcomeOf(produce(producer, "held")).finally(() => (answered = true));
      const [plain, readCommitted] = await Promise.all(fetches);
      const waited = performance.now() - started;
      expect(answered).toBe(false);
      // Woken by the append, not by the end of the 5 s wait.
      expect(waited).toBeLessThan(4_000);
      for (const p of [plain!, readCommitted!]) {
        expect(p.errorCode).toBe(0);
        expect(fetchedRecords(p, 1n)).toEqual([[1n, "held"]]);
        expect([p.highWatermark, p.lastStableOffset, p.logStartOffset]).toEqual([2n, 2n, 0n]);
      }
      // ListOffsets agrees: the latest offset is the log end for both isolation levels.
      expect(await latestOffset(admin, READ_UNCOMMITTED)).toBe(2n);
      expect(await latestOffset(admin, READ_COMMITTED)).toBe(2n);
      expect(await settlesWithin(held, 200)).toBe(false);

      // The held fdatasync fails: the Produce is answered with KAFKA_STORAGE_ERROR.
      fsync.fail();
      fsync.release();
      const outcome = await held;
      expect("ok" in outcome && outcome.ok.errorCode).toBe(56);
      fsync.heal();

      // The partition carries on: the next record at the next offset, fetched by a parked long poll again.
      const parked = fetchPartition(uncommitted, topic, 0, 2n, { maxWaitMs: 5_000, isolationLevel: READ_UNCOMMITTED });
      await eventually(() => appendWatchOf(s).waiting === 1, 5_000, "the fetch parked");
      expect(await produce(producer, "after")).toMatchObject({ errorCode: 0, baseOffset: 2n });
      const next = await parked;
      expect(fetchedRecords(next, 2n)).toEqual([[2n, "after"]]);
      expect([next.highWatermark, next.lastStableOffset]).toEqual([3n, 3n]);
    } finally {
      for (const wire of [producer, uncommitted, committed, admin]) wire.close();
    }

    // A restart keeps every acknowledged record at its offset, contiguous; the one whose fsync failed is
    // there too (written, then covered by the fsync "after" waited for).
    await s.restart();
    const reader = await Wire.open(s.bootstrap);
    try {
      const all = await fetchPartition(reader, topic, 0, 0n, { maxWaitMs: 0, isolationLevel: READ_UNCOMMITTED });
      expect(fetchedRecords(all)).toEqual([
        [0n, "before"],
        [1n, "held"],
        [2n, "after"],
      ]);
      expect(all.highWatermark).toBe(3n);
    } finally {
      reader.close();
    }
  }, 60_000);
  it("kafkajs: a consumer gets the record before its producer's send resolves; the failed fsync rejects that send with KAFKA_STORAGE_ERROR", async () => {
    const s = await servers.start({ shards: 1, shardFaults: fsync.faults });
    const name = "early-wake-kafkajs";
    await s.server.broker.createTopic(name, { partitions: 1 });
    const kafka = new Kafka({ brokers: [s.bootstrap], clientId: "early-wake", logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const producer = kafka.producer({ retry: { retries: 0 } });
    // kafkajs reads read_committed by default: the last stable offset must move with the high watermark.
    const consumer = kafka.consumer({ groupId: "early-wake-g", maxWaitTimeInMs: 5_000, sessionTimeout: 30_000, heartbeatInterval: 500 });
    kafkajsClients.push(producer, consumer);
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: name, fromBeginning: true });
    const got: [bigint, string][] = [];
    // No offset commits: they are fsynced writes too, and would wait on (or fail with) the held fsync.
    await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => void got.push([BigInt(message.offset), message.value!.toString()]) });
    const send = (value: string) => producer.send({ topic: name, acks: -1, messages: [{ partition: 0, value }] });

    expect((await send("before"))[0]).toMatchObject({ errorCode: 0, baseOffset: "0" });
    await eventually(() => got.length === 1, 20_000, "the consumer got the first record");
    // Its next fetch long-polls at the log end.
    await eventually(() => appendWatchOf(s).waiting >= 1, 5_000, "the consumer's fetch parked");

    fsync.hold();
    let answered = false;
    const held = outcomeOf(send("held")).finally(() => (answered = true));
    await eventually(() => got.length === 2, 4_000, "the consumer got the acks=all record while its fdatasync was held");
    expect(got[1]).toEqual([1n, "held"]);
    expect(answered).toBe(false);
    expect(await settlesWithin(held, 200)).toBe(false);

    fsync.fail();
    fsync.release();
    const outcome = await held;
    // kafkajs gives up at once (retries: 0) and keeps the broker's error as the cause.
    expect("error" in outcome && outcome.error).toMatchObject({ name: "KafkaJSNumberOfRetriesExceeded", cause: { name: "KafkaJSProtocolError", type: "KAFKA_STORAGE_ERROR" } });
    fsync.heal();

    expect((await send("after"))[0]).toMatchObject({ errorCode: 0, baseOffset: "2" });
    await eventually(() => got.length === 3, 10_000, "the consumer got the record after the failure");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(got).toEqual([
      [0n, "before"],
      [1n, "held"],
      [2n, "after"],
    ]);
  }, 60_000);
});
