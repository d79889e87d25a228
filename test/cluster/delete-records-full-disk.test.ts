// Failure covered: a follower's disk is full while DeleteRecords runs. The follower cannot checkpoint its
// new log start (ReplicaFetcher.followLogStart -> ReplicaAccess.advanceLogStart -> ENOSPC on a real tmpfs,
// small-disk-cluster.ts), so it never confirms it: the leader answers REQUEST_TIMED_OUT after the request's
// timeout on both front ends, as Kafka's delayed DeleteRecords does. The follower stays up, nothing
// acknowledged is lost, and once space is back it catches up its log start on its own; a later DeleteRecords
// succeeds, and after a failover to that follower (and a kill -9 of it: the log start must be on its disk,
// not only in memory) the deleted records are not served.

import { unlinkSync } from "node:fs";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { KafkaAdminConnection } from "../../src/cli/kafka-admin.js";
import { KafkaErrors } from "../../src/errors/index.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { tmpfsSkipReason } from "../helpers/tmpfs.js";
import { partitionState, readValues, until, type ClusterBroker } from "./harness.js";
import { smallDiskCluster } from "./small-disk-cluster.js";

const FULL = 3;
const { fixture, tmpfs, fullDir } = smallDiskCluster({ id: FULL, label: "drfull", size: "16m" });
const { brokers } = fixture;

const live = () => brokers.filter((b) => b.proc.alive());
const kafka = (list: ClusterBroker[]) =>
  new Kafka({ clientId: "dr-full", brokers: list.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 500 } });

async function produce(topic: string, values: string[]): Promise<void> {
  const producer = kafka(live().filter((b) => b.id !== FULL)).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  for (let i = 0; i < values.length; i += 100) await producer.send({ topic, acks: -1, messages: values.slice(i, i + 100).map((value) => ({ value })) });
  await producer.disconnect();
}

async function deleteVia(broker: ClusterBroker, topic: string, offset: bigint, timeoutMs: number): Promise<{ errorCode: number; lowWatermark: bigint }> {
  const conn = await KafkaAdminConnection.open(broker.bootstrap);
  try {
    const r = await conn.request(ApiKey.DeleteRecords, 2, { topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset }] }], timeoutMs });
    return r.topics[0]!.partitions[0]!;
  } finally {
    conn.close();
  }
}

/** The log start broker `b` holds for partition 0 (ListOffsets earliest as a replica: no leadership needed). */
async function logStartOn(b: ClusterBroker, topic: string): Promise<bigint> {
  const c = await KafkaAdminConnection.open(b.bootstrap);
  try {
    const r = await c.request(ApiKey.ListOffsets, 1, { replicaId: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -2n }] }] } as never);
    return (r as { topics: { partitions: { offset: bigint }[] }[] }).topics[0]!.partitions[0]!.offset;
  } finally {
    c.close();
  }
}

async function lowAndHigh(topic: string): Promise<{ low: string; high: string }> {
  const admin = kafka(live()).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchTopicOffsets(topic);
    return { low: offsets!.low, high: offsets!.high };
  } finally {
    await admin.disconnect();
  }
}

describe("DeleteRecords while a follower's disk is full", () => {
  it("times out, loses nothing, and the follower's log start catches up (durably) once space is back", async (ctx) => {
    if (tmpfsSkipReason) {
      console.warn(`delete-records-full-disk skipped: ${tmpfsSkipReason}`);
      return ctx.skip();
    }
    // A topic broker 3 follows (another broker leads it).
    const admin = kafka(brokers.filter((b) => b.id !== FULL)).admin();
    await admin.connect();
    let topic = "";
    let leaderId = 0;
    for (let i = 0; i < 12 && !topic; i++) {
      const name = `drfull-${i}`;
      await admin.createTopics({ topics: [{ topic: name, numPartitions: 1, replicationFactor: 3 }] });
      const s = await until(`ISR of 3 for ${name}`, async () => {
        const st = await partitionState(fixture.etcd, name, 0);
        return st && st.isr.length === 3 ? st : undefined;
      });
      if (s.leader !== FULL) [topic, leaderId] = [name, s.leader];
    }
    await admin.disconnect();
    expect(topic, "a topic broker 3 follows").toBeTruthy();
    const leader = fixture.broker(leaderId);
    const full = fixture.broker(FULL);
    const all = Array.from({ length: 300 }, (_, i) => `v${i}`);
    await produce(topic, all);
    await until("broker 3 holds all 300", async () => (await partitionState(fixture.etcd, topic, 0))?.isr.includes(FULL));

    const filler = tmpfs.fill(fullDir());
    // Kafka wire: the follower never confirms the new log start, so REQUEST_TIMED_OUT after the timeout.
    const ws = await connect({ url: `${leader.wsUrl}/ws` });
    const wsAnswer = ws.admin.deleteRecords(topic, [{ partition: 0, offset: 200n }]).then(
      (ok) => ({ ok }),
      (error: { code?: string }) => ({ error: error.code }),
    );
    const started = Date.now();
    const timedOut = await deleteVia(leader, topic, 200n, 3000);
    const took = Date.now() - started;
    console.log(`delete-records-full-disk: Kafka DeleteRecords with broker 3's disk full -> error ${timedOut.errorCode} after ${took} ms`);
    expect(timedOut.errorCode).toBe(KafkaErrors.REQUEST_TIMED_OUT.code);
    expect(took).toBeGreaterThanOrEqual(2900);
    // WebSocket front end (no timeout in its frame: the broker's 30 s): the same REQUEST_TIMED_OUT.
    const viaWs = await wsAnswer;
    await ws.close();
    console.log(`delete-records-full-disk: WebSocket deleteRecords -> ${JSON.stringify(viaWs, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`);
    expect(viaWs).toEqual({ error: "REQUEST_TIMED_OUT" });

    expect(full.proc.alive()).toBe(true);
    await until("the follower's ENOSPC logged at warn", () => /"level":"warn".*replica fetch failed.*ENOSPC/.test(full.proc.out), 10_000);
    // Its log start did not move (not in memory either: a restart or an election could not tell).
    expect(await logStartOn(full, topic)).toBe(0n);
    const state = (await partitionState(fixture.etcd, topic, 0))!;
    console.log(`delete-records-full-disk: ISR while full ${JSON.stringify(state.isr)}`);
    // Nothing acknowledged is lost: the leader's copy is [200, 300), as far as the delete went there.
    expect(await lowAndHigh(topic)).toEqual({ low: "200", high: "300" });

    unlinkSync(filler);
    await until("broker 3's log start caught up", async () => (await logStartOn(full, topic)) === 200n, 20_000);
    await until("broker 3 in the ISR", async () => (await partitionState(fixture.etcd, topic, 0))?.isr.includes(FULL), 20_000);
    // A later DeleteRecords succeeds.
    expect(await deleteVia(leader, topic, 250n, 10_000)).toMatchObject({ errorCode: 0, lowWatermark: 250n });
    expect(await logStartOn(full, topic)).toBe(250n);

    // Failover to broker 3, then kill -9 it and start it again: it still starts at 250 (on disk).
    for (const b of brokers.filter((x) => x.id !== FULL)) await b.kill("SIGKILL");
    await until("broker 3 leads", async () => (await partitionState(fixture.etcd, topic, 0))?.leader === FULL, 30_000);
    expect(await lowAndHigh(topic)).toEqual({ low: "250", high: "300" });
    await full.kill("SIGKILL");
    await full.start();
    await until("broker 3 leads again", async () => (await partitionState(fixture.etcd, topic, 0))?.leader === FULL, 30_000);
    expect(await lowAndHigh(topic)).toEqual({ low: "250", high: "300" });
    expect(new Set(await readValues(kafka([full]), topic, 50))).toEqual(new Set(all.slice(250)));
  }, 180_000);
});
