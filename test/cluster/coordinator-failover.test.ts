// The group coordinator moves with the leadership of `__consumer_offsets`: a kafkajs group consumer commits,
// the broker leading its group's offsets partition is killed -9, the consumer finds the new coordinator
// (which loaded the partition's committed offsets) and carries on without reprocessing anything it had
// committed. A broker that does not own a group answers NOT_COORDINATOR.

import { describe, expect, it } from "vitest";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import { ClusterBroker, clusterFixture, partitionState, until } from "./harness.js";

const fixture = clusterFixture({ broker: { minIsr: 2 }, debugLines: 60 });
const { brokers } = fixture;

/** Kafka's partitionFor over java.lang.String#hashCode (as src/groups/broker-offset-log.ts). */
function offsetsPartition(groupId: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < groupId.length; i++) h = (Math.imul(31, h) + groupId.charCodeAt(i)) | 0;
  return (h === -0x80000000 ? 0 : Math.abs(h)) % partitions;
}

describe("group coordinator failover", () => {
  it("a consumer group resumes from its committed offsets on the new coordinator after kill -9", async () => {
    const group = "billing";
    const kafka = new Kafka({ clientId: "t", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 500 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "invoices", numPartitions: 2, replicationFactor: 3 }] });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic: "invoices", acks: -1, messages: Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: `a${i}` })) });

    const seen: string[] = [];
    const logs: string[] = [];
    const dbg = new Kafka({ clientId: "t", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.INFO, logCreator: () => (e) => void logs.push(`${e.namespace} ${e.log.message} ${JSON.stringify(e.log).slice(0, 300)}`), retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 500 } });
    // kafkajs keeps heartbeating its cached coordinator until its retries run out, then restarts the
    // consumer, which runs FindCoordinator again: few, short retries make that quick.
    const consumer: Consumer = (process.env.CLUSTER_DEBUG ? dbg : kafka).consumer({ groupId: group, sessionTimeout: 6000, heartbeatInterval: 500, retry: { retries: 4, initialRetryTime: 100, maxRetryTime: 1000 } });
    await consumer.connect();
    await consumer.subscribe({ topic: "invoices", fromBeginning: true });
    // Commit after every message: everything seen before the kill is committed (acks=all to the ISR).
    await consumer.run({ autoCommitThreshold: 1, eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await until("the first 60 records", () => seen.length >= 60, 30_000);
    const committed = async () => (await admin.fetchOffsets({ groupId: group, topics: ["invoices"] }))[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0);
    await until("every offset committed", async () => (await committed()) === 60, 20_000);

    const offsetsTopic = (await admin.fetchTopicMetadata({ topics: ["__consumer_offsets"] })).topics[0]!;
    const p = offsetsPartition(group, offsetsTopic.partitions.length);
    const before = (await partitionState(fixture.etcd, "__consumer_offsets", p))!;
    const coordinator = brokers.find((b) => b.id === before.leader)!;
    // The other brokers do not own the group: NOT_COORDINATOR (16) to its requests.
    const other = brokers.find((b) => b.id !== before.leader)!;
    expect(await rawOffsetFetchError(other, group)).toBe(16);

    await coordinator.kill("SIGKILL");
    const after = await until("a new leader of the group's offsets partition", async () => {
      const s = await partitionState(fixture.etcd, "__consumer_offsets", p);
      return s && s.leader !== before.leader && s.leader !== -1 ? s : undefined;
    });
    const successor = brokers.find((b) => b.id === after.leader)!;
    await until("the new coordinator loaded the partition", () => successor.proc.out.includes("group coordinator loaded an offsets partition"), 20_000);

    await producer.send({ topic: "invoices", acks: -1, messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `b${i}` })) });
    await until("the 40 new records", () => seen.filter((v) => v.startsWith("b")).length >= 40, 60_000);
    let last = -1;
    await until(`the new coordinator has every commit (last ${last})`, async () => (last = await committed().catch((e) => -String(e).length)) === 100, 30_000).catch((e) => {
      throw new Error(`${e} last=${last} seen=${seen.length}\n${logs.filter((l) => !l.startsWith("Connection")).slice(-40).join("\n")}`);
    });
    await consumer.disconnect();
    await producer.disconnect();

    // Nothing committed before the kill was delivered again (records consumed while no coordinator could
    // take their commits may be, as in Kafka); nothing was skipped.
    const again1 = seen.filter((v, i) => v.startsWith("a") && seen.indexOf(v) !== i);
    expect(again1).toEqual([]);
    expect(new Set(seen).size).toBe(100);

    // A brand-new member of the group starts where the group left off (offsets served by the new coordinator).
    const late: string[] = [];
    await producer.connect();
    await producer.send({ topic: "invoices", acks: -1, messages: [{ key: "k0", value: "c0" }] });
    await producer.disconnect();
    const again = kafka.consumer({ groupId: group, sessionTimeout: 6000, heartbeatInterval: 500 });
    await again.connect();
    await again.subscribe({ topic: "invoices", fromBeginning: true });
    await again.run({ eachMessage: async ({ message }) => void late.push(message.value!.toString()) });
    await until("the one new record", () => late.length >= 1, 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    await again.disconnect();
    expect(late).toEqual(["c0"]);
    await admin.disconnect();
  }, 150_000);
});

/** OffsetFetch v1 for the group, straight to one broker; returns the first partition-level error code. */
async function rawOffsetFetchError(broker: ClusterBroker, group: string): Promise<number> {
  const { connect } = await import("node:net");
  const body: number[] = [];
  const str = (s: string) => {
    const b = Buffer.from(s);
    body.push(b.length >> 8, b.length & 0xff, ...b);
  };
  body.push(0, 9, 0, 1, 0, 0, 0, 7); // api key 9, version 1, correlation id 7
  str("raw");
  str(group);
  body.push(0, 0, 0, 1);
  str("invoices");
  body.push(0, 0, 0, 1, 0, 0, 0, 0);
  const frame = Buffer.concat([Buffer.alloc(4), Buffer.from(body)]);
  frame.writeInt32BE(body.length, 0);
  const reply = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect(broker.kafkaPort, "127.0.0.1", () => socket.write(frame));
    let buf = Buffer.alloc(0);
    socket.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        socket.end();
        resolve(buf);
      }
    });
    socket.on("error", reject);
  });
  // size, correlation id, topics[1]: name, partitions[1]: index, offset, metadata, error
  let at = 8 + 4;
  at += 2 + reply.readInt16BE(at);
  at += 4 + 4 + 8;
  at += 2 + Math.max(0, reply.readInt16BE(at));
  return reply.readInt16BE(at);
}
