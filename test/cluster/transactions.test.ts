// Transactions in cluster mode (src/cluster/txn-markers.ts): the coordinator of a transactional id is the
// leader of its __transaction_state partition (FindCoordinator key type 1 answers it), markers go to each
// partition's leader on whichever broker, and a coordinator killed -9 right after PrepareCommit became
// durable is completed by the next leader of that partition, so read_committed readers see the whole
// transaction (all-or-nothing). kafkajs transactions on three brokers; kcat reads read_committed.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { kafkaPartitionFor } from "../../src/transactions/support.js";
import { ReplicaClient } from "../../src/cluster/replica-transport.js";
import { KafkaAdminConnection } from "../../src/cli/kafka-admin.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { clusterFixture, etcdGet, partitionState, replicationCredentials, until } from "./harness.js";

// Broker 3 kills itself (SIGKILL) right after the first transaction it coordinates is PrepareCommit.
const fixture = clusterFixture({ broker: (id) => ({ minIsr: 2, env: id === 3 ? { RIVULET_TXN_CRASH_AT: "prepared" } : undefined }), debugLines: 60 });
const { brokers } = fixture;

const b = (id: number) => brokers.find((x) => x.id === id)!;
const live = () => brokers.filter((x) => x.proc.alive()).map((x) => x.bootstrap);
const kafka = () => new Kafka({ clientId: "txn", brokers: live(), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 500 } });

async function readCommitted(topic: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)("kcat", ["-C", "-b", live().join(","), "-t", topic, "-o", "beginning", "-e", "-q", "-X", "isolation.level=read_committed", "-f", "%s\\n"], { timeout: 30_000 });
  return stdout.split("\n").filter(Boolean).sort();
}

/** A transactional id whose __transaction_state partition broker `id` leads. */
async function idLedBy(id: number, prefix: string): Promise<string> {
  const partitions = 4;
  for (let i = 0; i < 200; i++) {
    const candidate = `${prefix}-${i}`;
    const s = await partitionState(fixture.etcd, "__transaction_state", kafkaPartitionFor(candidate, partitions));
    if (s?.leader === id) return candidate;
  }
  throw new Error(`no transactional id led by broker ${id}`);
}

describe("transactions on a cluster", () => {
  it("a coordinator killed -9 after PrepareCommit: the next leader of its partition completes the commit", async () => {
    await until("__transaction_state with every partition in sync", async () => {
      for (let p = 0; p < 4; p++) if ((await partitionState(fixture.etcd, "__transaction_state", p))?.isr.length !== 3) return false;
      return true;
    }, 30_000);
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "tx-out", numPartitions: 3, replicationFactor: 3 }] });
    await admin.disconnect();
    await until("tx-out in sync", async () => {
      for (let p = 0; p < 3; p++) if ((await partitionState(fixture.etcd, "tx-out", p))?.isr.length !== 3) return false;
      return true;
    });
    const txnId = await idLedBy(3, "crash");
    const producer = kafka().producer({ transactionalId: txnId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 60_000 });
    await producer.connect();
    const txn = await producer.transaction();
    for (let p = 0; p < 3; p++) await txn.send({ topic: "tx-out", messages: [0, 1, 2].map((i) => ({ value: `a-${p}-${i}`, partition: p })) });
    // Nothing is visible to read_committed before the commit.
    expect(await readCommitted("tx-out")).toEqual([]);
    const committing = txn.commit().then(() => "committed", (error: Error) => `failed: ${error.message}`);
    // Broker 3, the coordinator (FindCoordinator pointed there), dies with PrepareCommit durable.
    expect(await b(3).proc.exited).toBe(137);
    const state = await until("a new leader of the id's partition", async () => {
      const s = await partitionState(fixture.etcd, "__transaction_state", kafkaPartitionFor(txnId, 4));
      return s && s.leader !== 3 && s.leader !== -1 ? s : undefined;
    });
    expect([1, 2]).toContain(state.leader);
    const expected = [0, 1, 2].flatMap((p) => [0, 1, 2].map((i) => `a-${p}-${i}`)).sort();
    // The new coordinator finished the commit: every partition's marker is there, all records visible.
    await until("the commit completed by the new coordinator", async () => (await readCommitted("tx-out")).length === 9, 30_000);
    expect(await readCommitted("tx-out")).toEqual(expected);
    // kafkajs's own EndTxn retry reaches the new coordinator and is answered (NONE once complete).
    const outcome = await committing;
    expect(typeof outcome).toBe("string");
    await producer.disconnect().catch(() => undefined);
    delete b(3).options.env;
    await b(3).start();
  }, 120_000);

  it("commit and abort with the coordinator on another broker than the partition leaders: all-or-nothing", async () => {
    await until("tx-out back in sync", async () => {
      for (let p = 0; p < 3; p++) if ((await partitionState(fixture.etcd, "tx-out", p))?.isr.length !== 3) return false;
      return true;
    }, 30_000);
    const before = new Set(await readCommitted("tx-out"));
    // Every broker that coordinates some ids now (broker 3 rejoined as a follower of its old partitions).
    const coordinators = [...new Set(await Promise.all([0, 1, 2, 3].map(async (p) => (await partitionState(fixture.etcd, "__transaction_state", p))!.leader)))].sort();
    expect(coordinators.length).toBeGreaterThanOrEqual(2);
    for (const coordinator of coordinators) {
      const txnId = await idLedBy(coordinator, `ok-${coordinator}`);
      const producer = kafka().producer({ transactionalId: txnId, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const keep = await producer.transaction();
      for (let p = 0; p < 3; p++) await keep.send({ topic: "tx-out", messages: [{ value: `c${coordinator}-keep-${p}`, partition: p }] });
      await keep.commit();
      const drop = await producer.transaction();
      for (let p = 0; p < 3; p++) await drop.send({ topic: "tx-out", messages: [{ value: `c${coordinator}-drop-${p}`, partition: p }] });
      await drop.abort();
      await producer.disconnect();
    }
    const after = (await readCommitted("tx-out")).filter((v) => !before.has(v));
    expect(after).toEqual(coordinators.flatMap((c) => [0, 1, 2].map((p) => `c${c}-keep-${p}`)).sort());
  }, 120_000);

  it("sendOffsetsToTransaction with the group's coordinator on another broker than the transaction's", async () => {
    const topicInfo = JSON.parse((await etcdGet(fixture.etcd, "/rivulet/topics/__consumer_offsets"))["/rivulet/topics/__consumer_offsets"]!) as { partitions: number };
    const txnId = await idLedBy(1, "eos");
    let group = "";
    for (let i = 0; i < 200 && !group; i++) {
      const s = await partitionState(fixture.etcd, "__consumer_offsets", kafkaPartitionFor(`g-${i}`, topicInfo.partitions));
      if (s && s.leader !== 1 && s.leader !== -1) group = `g-${i}`;
    }
    expect(group).not.toBe("");
    const k = kafka();
    const producer = k.producer({ transactionalId: txnId, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic: "tx-out", messages: [{ value: "eos-1", partition: 0 }] });
    await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic: "tx-out", partitions: [{ partition: 1, offset: "42" }] }] });
    await txn.commit();
    await producer.disconnect();
    const admin = k.admin();
    await admin.connect();
    const offsets = await until("the committed offset at the group's coordinator", async () => {
      const [t] = await admin.fetchOffsets({ groupId: group, topics: ["tx-out"] });
      const p1 = t?.partitions.find((p) => p.partition === 1);
      return p1?.offset === "42" ? t : undefined;
    }, 15_000);
    expect(offsets.partitions.find((p) => p.partition === 1)!.offset).toBe("42");
    await admin.disconnect();
    expect(await readCommitted("tx-out")).toContain("eos-1");
  }, 60_000);

  it("hostile marker requests on the replication port: INVALID_REQUEST, NOT_LEADER_OR_FOLLOWER on a follower, nothing appended", async () => {
    const state = (await partitionState(fixture.etcd, "tx-out", 0))!;
    const follower = state.isr.find((id) => id !== state.leader)!;
    const info = JSON.parse((await etcdGet(fixture.etcd, `/rivulet/brokers/${follower}`))[`/rivulet/brokers/${follower}`]!) as { host: string; replicationPort: number };
    const client = new ReplicaClient(info.host, info.replicationPort, follower, await replicationCredentials(fixture.etcd));
    try {
      const bad = [{}, { topic: "tx-out", partition: -1, producerId: 1n, producerEpoch: 0, commit: true }, { topic: "tx-out", partition: 0, producerId: "x", producerEpoch: 0, commit: true }, { topic: 7, partition: 0, producerId: 1n, producerEpoch: 99999, commit: "yes" }];
      for (const fields of bad) expect((await client.request({ type: "marker", ...fields }, 5000)).header.error).toBe("INVALID_REQUEST");
      const reply = await client.request({ type: "marker", topic: "tx-out", partition: 0, producerId: 1n, producerEpoch: 0, commit: true, coordinatorEpoch: 0 }, 5000);
      expect(reply.header.error).toBe("NOT_LEADER_OR_FOLLOWER");
    } finally {
      client.close();
    }
    // The broker still serves: a committed transaction through it is read back.
    expect((await readCommitted("tx-out")).length).toBeGreaterThan(9);
  }, 60_000);

  it("markers carry the coordinator epoch (the state partition's leader epoch); a deposed coordinator's older epoch is fenced", async () => {
    // A __transaction_state partition whose leadership moved (the first test killed its coordinator), so
    // its coordinator epoch is past 0 and an older one exists to play a deposed coordinator with.
    const states = await Promise.all([0, 1, 2, 3].map((p) => partitionState(fixture.etcd, "__transaction_state", p)));
    const moved = states.findIndex((st) => (st?.leaderEpoch ?? 0) >= 1);
    expect(moved).toBeGreaterThanOrEqual(0);
    let txnId = "";
    for (let i = 0; !txnId; i++) if (kafkaPartitionFor(`epoch-${i}`, 4) === moved) txnId = `epoch-${i}`;
    const stateEpoch = states[moved]!.leaderEpoch;
    const producer = kafka().producer({ transactionalId: txnId, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic: "tx-out", messages: [{ value: "epoch-1", partition: 0 }] });
    await txn.commit();
    await producer.disconnect();
    const leader = (await partitionState(fixture.etcd, "tx-out", 0))!.leader;
    const wire = await KafkaAdminConnection.open(b(leader).bootstrap);
    let producerId: bigint;
    try {
      const described = await wire.request(ApiKey.DescribeProducers, 0, { topics: [{ name: "tx-out", partitionIndexes: [0] }] });
      const mine = described.topics[0]!.partitions[0]!.activeProducers.filter((p) => p.coordinatorEpoch === stateEpoch && p.currentTxnStartOffset === -1n);
      expect(mine.length).toBeGreaterThan(0);
      producerId = mine.at(-1)!.producerId;
    } finally {
      wire.close();
    }
    const info = JSON.parse((await etcdGet(fixture.etcd, `/rivulet/brokers/${leader}`))[`/rivulet/brokers/${leader}`]!) as { host: string; replicationPort: number };
    const client = new ReplicaClient(info.host, info.replicationPort, leader, await replicationCredentials(fixture.etcd));
    try {
      const stale = await client.request({ type: "marker", topic: "tx-out", partition: 0, producerId, producerEpoch: 0, commit: false, coordinatorEpoch: stateEpoch - 1 }, 5000);
      expect(stale.header.error).toBe("TRANSACTION_COORDINATOR_FENCED");
    } finally {
      client.close();
    }
  }, 60_000);
});
