// A broker whose data disk is full gets its space back when its partition moves off (etcd + 3 broker
// processes; broker 3's data dir is a small tmpfs, test/helpers/tmpfs.ts). Broker 3 leads a partition and
// is produced to until it refuses with KAFKA_STORAGE_ERROR; a filler file then takes the last free bytes.
// The partition is moved to the two other brokers: broker 3 must still delete its copy (segments, indexes;
// the directory itself stays, src/storage/reset.ts), so the space comes back, it stays alive and serves
// its other partition, and every acknowledged record is on the new replicas.
// Values are 8 KiB: bigger than a tmpfs page, so no append fits in the free end of a file's last page.

import { existsSync, readdirSync, statSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { encodeRecordBatch } from "../../src/core/index.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { partitionDirName } from "../../src/shard/protocol.js";
import { tmpfsSkipReason } from "../helpers/tmpfs.js";
import { Connection } from "../transactions/wire.js";
import { partitionState, readValues, replicasOf, sameList, until } from "./harness.js";
import { smallDiskCluster } from "./small-disk-cluster.js";

const FULL = 3;
const { fixture, tmpfs, fullDir } = smallDiskCluster({ id: FULL, label: "cleanfull", size: "24m", broker: { rf: 2 } });
const { brokers } = fixture;

const kafka = (ids: number[]) =>
  new Kafka({ clientId: "cleanfull", brokers: brokers.filter((b) => ids.includes(b.id)).map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 500 } });
const big = (tag: string, i: number) => ({ key: `k${i}`, value: `${tag}-${i}:${"v".repeat(8 * 1024)}` });

/** Bytes of segment and index files in broker 3's directory of a partition. */
function dataBytes(topic: string): number {
  const dir = join(fullDir(), partitionDirName(topic, 0));
  if (!existsSync(dir)) return 0;
  return readdirSync(dir)
    .filter((n) => /\.(log|index|timeindex|txnindex)$/.test(n))
    .reduce((sum, n) => sum + sizeOf(join(dir, n)), 0);
}

/** 0 for a file deleted since the listing (a segment roll that failed on ENOSPC removes its new files). */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}

const freeBytes = () => {
  const s = statfsSync(fullDir());
  return s.bavail * s.bsize;
};

describe("a broker whose data disk is full", () => {
  it("gets its space back when its partition moves off", async (ctx) => {
    if (tmpfsSkipReason) {
      console.warn(`replica-clean-full-disk skipped: ${tmpfsSkipReason}`);
      return ctx.skip();
    }
    // Two topics with 2 replicas led by broker 3: one to move off, one it keeps serving.
    const admin = kafka([1, 2, 3]).admin();
    await admin.connect();
    const led: string[] = [];
    for (let i = 0; i < 16 && led.length < 2; i++) {
      const topic = `cleanfull-${i}`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 2 }] });
      const s = await until(`ISR of 2 for ${topic}`, async () => {
        const st = await partitionState(fixture.etcd, topic, 0);
        return st && st.isr.length === 2 ? st : undefined;
      });
      if (s.leader === FULL) led.push(topic);
    }
    expect(led.length, "two topics led by broker 3").toBe(2);
    const [moved, kept] = led as [string, string];

    // Fill broker 3's disk through the partition: produce until KAFKA_STORAGE_ERROR (56), keeping what was
    // acknowledged; then take the last free bytes with a filler file (it stays: only the move frees space).
    const conn = await Connection.open(fixture.broker(FULL).kafkaPort);
    const produce = async (topic: string, messages: { key: string; value: string }[]) => {
      const r = await conn.call(ApiKey.Produce, 9, {
        transactionalId: null, acks: -1, timeoutMs: 5000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records: encodeRecordBatch(messages) }] }],
      });
      return r.responses[0]!.partitionResponses[0]!.errorCode;
    };
    expect(await produce(kept, [big("kept", 0)])).toBe(0);
    const acked: string[] = [];
    let refused = 0;
    for (let batch = 0; batch < 1000 && !refused; batch++) {
      const messages = Array.from({ length: 16 }, (_, i) => big("fill", batch * 16 + i));
      refused = await produce(moved, messages);
      if (refused === 0) acked.push(...messages.map((m) => m.value));
    }
    expect(refused, "the full leader refuses with KAFKA_STORAGE_ERROR").toBe(56);
    expect(acked.length).toBeGreaterThan(100);
    tmpfs.fill(fullDir());
    const freeBefore = freeBytes();
    const heldBefore = dataBytes(moved);
    expect(heldBefore).toBeGreaterThan(acked.length * 8 * 1024);
    conn.close();

    // Move the partition to the two other brokers.
    const others = [1, 2];
    await admin.alterPartitionReassignments({ topics: [{ topic: moved, partitionAssignment: [{ partition: 0, replicas: others }] }] });
    await until(`${moved} on ${others.join(",")}`, async () => {
      const listed = await admin.listPartitionReassignments({ topics: null as never });
      return listed.topics.length === 0 && sameList(await replicasOf(fixture.etcd, moved), others);
    }, 60_000);

    // Broker 3 deletes its copy though its disk is full, and the space comes back.
    // Waited for by its log line: the files alone can read as gone for a moment during the move's steps.
    await until("the old copy deleted on the full broker", () => fixture.broker(FULL).proc.out.includes("deleted the local data of a partition no longer replicated here"), 20_000);
    expect(dataBytes(moved)).toBe(0);
    const freeAfter = freeBytes();
    console.log(`replica-clean-full-disk: ${acked.length} acked; held ${heldBefore} B; free ${freeBefore} -> ${freeAfter} B`);
    expect(freeAfter - freeBefore).toBeGreaterThan(acked.length * 8 * 1024);

    // Alive, and still serving the partition it kept: writes land again now that space is back.
    expect(fixture.broker(FULL).proc.alive()).toBe(true);
    expect((await partitionState(fixture.etcd, kept, 0))!.leader).toBe(FULL);
    const producer = kafka([1, 2, 3]).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic: kept, acks: -1, messages: [big("kept", 1)] });
    await producer.disconnect();
    const keptValues = await readValues(kafka([FULL]), kept, 2);
    expect(new Set(keptValues.map((v) => v.split(":")[0]))).toEqual(new Set(["kept-0", "kept-1"]));

    // Nothing acknowledged is lost on the new replicas (read from brokers 1 and 2 only).
    const got = await readValues(kafka(others), moved, acked.length);
    expect(new Set(got)).toEqual(new Set(acked));
    await admin.disconnect();
  }, 180_000);
});
