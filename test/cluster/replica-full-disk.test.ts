// A replica on a full disk (a real tmpfs under broker 3's data dir, test/helpers/tmpfs.ts). As a follower
// it cannot append what it fetches: it falls out of the ISR, the leader goes on with the other two
// (min.insync 2) and acks=all writes keep succeeding; nothing is lost. As a leader it refuses writes with
// the retriable KAFKA_STORAGE_ERROR instead of hanging or acknowledging what it did not store. Once space
// returns the follower catches up and rejoins the ISR, and the leader takes writes again.
// Values are 8 KiB: bigger than a tmpfs page, so no append fits in the free end of a file's last page.

import { unlinkSync } from "node:fs";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { encodeRecordBatch } from "../../src/core/index.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { tmpfsSkipReason } from "../helpers/tmpfs.js";
import { Connection } from "../transactions/wire.js";
import { partitionState, until } from "./harness.js";
import { smallDiskCluster } from "./small-disk-cluster.js";

const FULL = 3;
const { fixture, tmpfs, fullDir } = smallDiskCluster({ id: FULL, label: "full", size: "48m", broker: { minIsr: 2 } });
const { brokers } = fixture;

const kafka = () => new Kafka({ clientId: "rfull", brokers: brokers.filter((b) => b.id !== FULL).map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 500 } });
const big = (tag: string, i: number) => ({ key: `k${i}`, value: `${tag}-${i}:${"v".repeat(8 * 1024)}` });

describe("a replica on a full disk", () => {
  it("a follower drops out of the ISR and catches up after; a leader refuses writes with KAFKA_STORAGE_ERROR", async (ctx) => {
    if (tmpfsSkipReason) {
      console.warn(`replica-full-disk skipped: ${tmpfsSkipReason}`);
      return ctx.skip();
    }
    // Topics with 3 replicas until one is led by another broker (broker 3 a follower) and one by broker 3.
    const admin = kafka().admin();
    await admin.connect();
    let followed = "";
    let led = "";
    for (let i = 0; i < 12 && !(followed && led); i++) {
      const topic = `rfull-${i}`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] });
      const s = await until(`ISR of 3 for ${topic}`, async () => {
        const st = await partitionState(fixture.etcd, topic, 0);
        return st && st.isr.length === 3 ? st : undefined;
      });
      if (s.leader === FULL) led ||= topic;
      else followed ||= topic;
    }
    await admin.disconnect();
    expect(followed && led, "one topic led by broker 3 and one it follows").toBeTruthy();

    const producer = kafka().producer();
    await producer.connect();
    await producer.send({ topic: followed, acks: -1, messages: Array.from({ length: 10 }, (_, i) => big("before", i)) });

    const filler = tmpfs.fill(fullDir());
    // Follower: acks=all writes still succeed, once broker 3 is out of the ISR (replica lag 2 s).
    for (let batch = 0; batch < 5; batch++) {
      await producer.send({ topic: followed, acks: -1, messages: Array.from({ length: 4 }, (_, i) => big("during", batch * 4 + i)) });
    }
    const out = await until("broker 3 out of the ISR", async () => {
      const st = await partitionState(fixture.etcd, followed, 0);
      return st && !st.isr.includes(FULL) ? st : undefined;
    }, 20_000);
    expect(out.isr.length).toBe(2);
    expect(brokers[FULL - 1]!.proc.alive()).toBe(true);
    // The operator is told why, once per streak: the append's ENOSPC at warn.
    await until("the fetch failure logged at warn", () => /"level":"warn".*replica fetch failed.*ENOSPC/.test(brokers[FULL - 1]!.proc.out), 10_000);

    // Leader: a produce to broker 3 directly is refused with the retriable KAFKA_STORAGE_ERROR (56), or, if
    // leadership already moved, NOT_LEADER_OR_FOLLOWER (6); never acknowledged.
    const conn = await Connection.open(brokers[FULL - 1]!.kafkaPort);
    const produceToFull = async () => {
      const r = await conn.call(ApiKey.Produce, 9, {
        transactionalId: null, acks: -1, timeoutMs: 5000,
        topicData: [{ name: led, partitionData: [{ index: 0, records: encodeRecordBatch([big("led", 0)]) }] }],
      });
      return r.responses[0]!.partitionResponses[0]!.errorCode;
    };
    const refused = await produceToFull();
    console.log(`replica-full-disk: produce to the full leader -> ${refused}; follower ISR now ${JSON.stringify(out.isr)}`);
    expect([56, 6]).toContain(refused);

    unlinkSync(filler);
    await until("broker 3 back in the ISR", async () => (await partitionState(fixture.etcd, followed, 0))?.isr.includes(FULL), 30_000);
    expect(brokers[FULL - 1]!.proc.out).toContain("replica fetch resumed");
    const state = await partitionState(fixture.etcd, led, 0);
    if (state?.leader === FULL) expect(await until("broker 3 takes writes again", async () => (await produceToFull()) === 0, 20_000)).toBe(true);
    conn.close();
    await producer.send({ topic: followed, acks: -1, messages: Array.from({ length: 4 }, (_, i) => big("after", i)) });
    await producer.disconnect();

    // Every acknowledged record is there, read from broker 3 too (it holds the same log as the leader).
    const consumer = kafka().consumer({ groupId: "rfull-check", maxWaitTimeInMs: 100 });
    const seen = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topic: followed, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString().split(":")[0]!) });
    await until("all 34 records read back", () => seen.size >= 34, 30_000);
    await consumer.disconnect();
    expect(seen.size).toBe(34);
    const hw = await until("broker 3's copy caught up", async () => {
      const c = await Connection.open(brokers[FULL - 1]!.kafkaPort);
      try {
        const r = await c.call(ApiKey.ListOffsets, 1, { replicaId: 0, topics: [{ name: followed, partitions: [{ partitionIndex: 0, timestamp: -1n }] }] } as never);
        const offset = (r as { topics: { partitions: { offset: bigint }[] }[] }).topics[0]!.partitions[0]!.offset;
        return offset === 34n ? offset : undefined;
      } finally {
        c.close();
      }
    }, 20_000);
    expect(hw).toBe(34n);
  }, 150_000);
});
