// Transactions v2 (KIP-890 part 2) and v1 produce verification (part 1) in cluster mode, when the
// transactional id's coordinator is another broker than the partition's leader: the leader asks the
// coordinator (produceTxn on the replication wire, src/cluster/txn-routing.ts) before appending. No
// installed client speaks Produce v12 / transaction.version 2 (@platformatic/kafka 1.x stops at Produce
// v11 and EndTxn v4, librdkafka 2.0 and kafkajs older still), so the producer here is a bare connection
// speaking the Kafka 4.x requests with our codecs (test/transactions/v2-steps.ts), as a Java 4.x producer
// sends them: InitProducerId v5, Produce v12 with no AddPartitionsToTxn, EndTxn v5.

import { describe, expect, it } from "vitest";
import { ReplicaClient } from "../../src/cluster/replica-transport.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { kafkaPartitionFor } from "../../src/transactions/support.js";
import { Connection } from "../transactions/wire.js";
import { endTxn, initProducer, produceTx, readCommitted, txBatch } from "../transactions/v2-steps.js";
import { clusterFixture, etcdGet, partitionState, replicationCredentials, until } from "./harness.js";

const fixture = clusterFixture({ broker: { minIsr: 2 }, debugLines: 80 });
const b = (id: number) => fixture.broker(id);

const NONE = 0;
const NOT_ENOUGH_REPLICAS = 19;
const REQUEST_TIMED_OUT = 7;
const INVALID_PRODUCER_EPOCH = 47;
const INVALID_TXN_STATE = 48;
const NOT_COORDINATOR = 16;
const COORDINATOR_RETRIABLE = new Set([14, 15, 16, 51]); // load in progress, not available, not coordinator, concurrent

const connections = new Map<number, Connection>();
async function conn(id: number): Promise<Connection> {
  const open = connections.get(id);
  if (open) return open;
  const c = await Connection.open(b(id).kafkaPort);
  connections.set(id, c);
  return c;
}

/** Fails instead of hanging: a request the broker never answers is the bug this guards against. */
function bounded<T>(what: string, p: Promise<T>, ms = 20_000): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms).unref())]);
}

async function inSync(topic: string, partitions: number): Promise<void> {
  await until(`${topic} in sync`, async () => {
    for (let p = 0; p < partitions; p++) if ((await partitionState(fixture.etcd, topic, p))?.isr.length !== 3) return false;
    return true;
  }, 30_000);
}

const coordinatorOf = async (txnId: string) => (await partitionState(fixture.etcd, "__transaction_state", kafkaPartitionFor(txnId, 4)))?.leader ?? -1;
const leaderOf = async (topic: string, p: number) => (await partitionState(fixture.etcd, topic, p))?.leader ?? -1;

/** A transactional id coordinated by `id`, and a partition of `topic` another broker leads. */
async function split(id: number, prefix: string, topic: string): Promise<{ txnId: string; partition: number; leader: number }> {
  let txnId = "";
  for (let i = 0; i < 200 && !txnId; i++) if ((await coordinatorOf(`${prefix}-${i}`)) === id) txnId = `${prefix}-${i}`;
  if (!txnId) throw new Error(`no transactional id coordinated by broker ${id}`);
  for (let p = 0; p < 3; p++) {
    const leader = await leaderOf(topic, p);
    if (leader !== id && leader > 0) return { txnId, partition: p, leader };
  }
  throw new Error(`every partition of ${topic} is led by broker ${id}`);
}

async function createTopic(name: string, partitions = 3): Promise<void> {
  const r = await (await conn(1)).call(ApiKey.CreateTopics, 4, { topics: [{ name, numPartitions: partitions, replicationFactor: 3, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
  expect(r.topics[0]!.errorCode).toBe(NONE);
  await inSync(name, partitions);
}

/** A transactional Produce v11 (transactions v1: the partition must already be in the transaction). */
async function produceV1(c: Connection, transactionalId: string, topic: string, partition: number, producerId: bigint, producerEpoch: number, value: string, seq = 0): Promise<number> {
  const r = await c.call(ApiKey.Produce, 11, {
    transactionalId, acks: -1, timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: txBatch(producerId, producerEpoch, value, seq) }] }],
  });
  return r.responses[0]!.partitionResponses[0]!.errorCode;
}

describe("transactions v2 across brokers (coordinator ≠ partition leader)", () => {
  it("advertises transaction.version 2; Produce v12 adds the partition at the remote coordinator; commit and abort; zombies and v1 writes outside the transaction are refused", async () => {
    await inSync("__transaction_state", 4);
    const versions = await (await conn(2)).call(ApiKey.ApiVersions, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    expect(versions.finalizedFeatures).toEqual([{ name: "transaction.version", maxVersionLevel: 2, minVersionLevel: 2 }]);

    await createTopic("v2x");
    const { txnId, partition, leader } = await split(1, "v2x", "v2x");
    const coordinator = await conn(1);
    const data = await conn(leader);

    const init = await initProducer(coordinator, txnId);
    expect(init.errorCode).toBe(NONE);
    const { producerId } = init;
    const e0 = init.producerEpoch;

    // Transaction 1: Produce v12 at the leader, no AddPartitionsToTxn; the coordinator (broker 1) holds the partition.
    expect(await produceTx(data, txnId, "v2x", partition, producerId, e0, "c-1")).toBe(NONE);
    const described = await coordinator.call(ApiKey.DescribeTransactions, 0, { transactionalIds: [txnId] });
    expect(described.transactionStates[0]).toMatchObject({ errorCode: NONE, transactionState: "Ongoing", topics: [{ topic: "v2x", partitions: [partition] }] });
    expect((await readCommitted(data, "v2x", partition)).values).toEqual([]);
    const end1 = await endTxn(coordinator, txnId, producerId, e0, true);
    expect(end1.errorCode).toBe(NONE);
    expect(end1.producerEpoch).toBe(e0 + 1);
    await until("the commit marker at the leader", async () => (await readCommitted(data, "v2x", partition)).atEnd);
    expect((await readCommitted(data, "v2x", partition)).values).toEqual(["c-1"]);

    // Transaction 2, aborted: its record never becomes visible.
    const e1 = end1.producerEpoch!;
    expect(await produceTx(data, txnId, "v2x", partition, producerId, e1, "a-1")).toBe(NONE);
    const end2 = await endTxn(coordinator, txnId, producerId, e1, false);
    expect(end2.errorCode).toBe(NONE);
    await until("the abort marker at the leader", async () => (await readCommitted(data, "v2x", partition)).atEnd);
    expect((await readCommitted(data, "v2x", partition)).values).toEqual(["c-1"]);

    // A request naming another transactional id than the producer's: refused whichever broker coordinates
    // that id (the request's id is what the coordinator checks, as Kafka's AddPartitionsToTxn does).
    for (const other of ["not-mine-1", "not-mine-2", "not-mine-3", "not-mine-4"]) {
      expect(await produceTx(data, other, "v2x", partition, producerId, e0 + 1, "misnamed")).toBe(INVALID_TXN_STATE);
    }
    // A zombie of the first epoch: fenced by the coordinator on another broker, nothing appended.
    expect(await produceTx(data, txnId, "v2x", partition, producerId, e0, "zombie", 1)).toBe(INVALID_PRODUCER_EPOCH);

    // Transactions v1 verification across brokers: a transactional write to a partition not in an
    // Ongoing transaction is refused (it used to be appended unchecked when the coordinator was remote).
    const e2 = end2.producerEpoch!;
    expect(await produceV1(data, txnId, "v2x", partition, producerId, e2, "outside")).toBe(INVALID_TXN_STATE);
    const added = await coordinator.call(ApiKey.AddPartitionsToTxn, 3, { transactionalId: txnId, producerId, producerEpoch: e2, topics: [{ name: "v2x", partitions: [partition] }] });
    expect(added.results[0]!.results[0]!.partitionErrorCode).toBe(NONE);
    expect(await produceV1(data, txnId, "v2x", partition, producerId, e2, "v1-1")).toBe(NONE);
    expect((await coordinator.call(ApiKey.EndTxn, 4, { transactionalId: txnId, producerId, producerEpoch: e2, committed: true })).errorCode).toBe(NONE);
    await until("the v1 commit marker", async () => (await readCommitted(data, "v2x", partition)).atEnd);
    expect((await readCommitted(data, "v2x", partition)).values).toEqual(["c-1", "v1-1"]);
    expect(await produceV1(data, txnId, "v2x", partition, producerId, e2, "late", 1)).toBe(INVALID_TXN_STATE);
    expect((await readCommitted(data, "v2x", partition)).values).toEqual(["c-1", "v1-1"]);
  }, 120_000);

  it("a malformed produceTxn frame on the replication wire is INVALID_REQUEST, the broker keeps serving", async () => {
    const key = "/rivulet/brokers/2";
    const info = JSON.parse((await etcdGet(fixture.etcd, key))[key]!) as { host: string; replicationPort: number };
    const client = new ReplicaClient(info.host, info.replicationPort, 2, await replicationCredentials(fixture.etcd));
    try {
      const bad = [{}, { transactionalId: "", producerId: 1n, producerEpoch: 0, items: [["v2x", 0]], add: true }, { transactionalId: "x", producerId: 1n, producerEpoch: 0, items: [["v2x", -1]], add: true }, { transactionalId: "x", producerId: "1", producerEpoch: 0, items: [], add: "yes" }];
      for (const fields of bad) expect((await client.request({ type: "produceTxn", ...fields }, 5000)).header.error).toBe("INVALID_REQUEST");
      // A well-formed check of an id nobody holds: a code per partition (NOT_COORDINATOR when broker 2
      // does not coordinate it, INVALID_TXN_STATE when it does), not an error frame.
      const reply = await client.request({ type: "produceTxn", transactionalId: "nobody", producerId: 1n, producerEpoch: 0, items: [["v2x", 0], ["v2x", 1]], add: false }, 5000);
      expect(reply.header.error).toBeUndefined();
      const expected = (await coordinatorOf("nobody")) === 2 ? INVALID_TXN_STATE : NOT_COORDINATOR;
      expect(reply.header.codes).toEqual([expected, expected]);
    } finally {
      client.close();
    }
    expect(b(2).proc.alive()).toBe(true);
  }, 30_000);

  it("TxnOffsetCommit v5 at the group's coordinator, another broker than the id's: the offsets partition joins the transaction there, the commit writes the offset", async () => {
    const { txnId, partition, leader } = await split(1, "v2o", "v2x");
    const topicKey = "/rivulet/topics/__consumer_offsets";
    const offsetsPartitions = (JSON.parse((await etcdGet(fixture.etcd, topicKey))[topicKey]!) as { partitions: number }).partitions;
    let group = "";
    let groupCoordinator = -1;
    for (let i = 0; i < 200 && !group; i++) {
      const l = await leaderOf("__consumer_offsets", kafkaPartitionFor(`g2-${i}`, offsetsPartitions));
      if (l > 0 && l !== 1) [group, groupCoordinator] = [`g2-${i}`, l];
    }
    expect(group).not.toBe("");
    const coordinator = await conn(1);
    const init = await initProducer(coordinator, txnId);
    expect(init.errorCode).toBe(NONE);
    const { producerId, producerEpoch } = init;
    expect(await produceTx(await conn(leader), txnId, "v2x", partition, producerId, producerEpoch, "eos-v2")).toBe(NONE);
    const g = await conn(groupCoordinator);
    const committed = await g.call(ApiKey.TxnOffsetCommit, 5, {
      transactionalId: txnId, groupId: group, producerId, producerEpoch, generationId: -1, memberId: "", groupInstanceId: null,
      topics: [{ name: "v2x", partitions: [{ partitionIndex: 2, committedOffset: 77n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(committed.topics[0]!.partitions[0]!.errorCode).toBe(NONE);
    const described = await coordinator.call(ApiKey.DescribeTransactions, 0, { transactionalIds: [txnId] });
    expect(described.transactionStates[0]!.topics.map((t) => t.topic).sort()).toEqual(["__consumer_offsets", "v2x"]);
    expect((await endTxn(coordinator, txnId, producerId, producerEpoch, true)).errorCode).toBe(NONE);
    const fetched = await until("the transactional offset at the group's coordinator", async () => {
      const r = await g.call(ApiKey.OffsetFetch, 7, { groupId: group, topics: [{ name: "v2x", partitionIndexes: [2] }], requireStable: true });
      const p = r.topics[0]?.partitions[0];
      return p?.committedOffset === 77n ? p : undefined;
    });
    expect(fetched.errorCode).toBe(NONE);
    expect((await readCommitted(await conn(leader), "v2x", partition)).values).toContain("eos-v2");
  }, 60_000);

  it("the coordinator killed -9 mid-transaction: the producer gets retriable errors, never a hung request; the transaction commits at the next coordinator with every acknowledged record", async () => {
    await createTopic("v2k", 6);
    const victim = 3;
    const { txnId, partition, leader } = await split(victim, "v2k", "v2k");
    // A second partition, also led by a surviving broker: its first batch comes after the kill.
    let second = -1;
    let secondLeader = -1;
    for (let p = 0; p < 6 && second < 0; p++) {
      const l = await leaderOf("v2k", p);
      if (p !== partition && l > 0 && l !== victim) [second, secondLeader] = [p, l];
    }
    expect(second).toBeGreaterThanOrEqual(0);
    const init = await initProducer(await conn(victim), txnId);
    expect(init.errorCode).toBe(NONE);
    const { producerId, producerEpoch } = init;
    const data = await conn(leader);
    const data2 = await conn(secondLeader);
    expect(await produceTx(data, txnId, "v2k", partition, producerId, producerEpoch, "r-0", 0)).toBe(NONE);

    await b(victim).kill("SIGKILL");
    connections.get(victim)?.close();
    connections.delete(victim);

    // The partition already in the transaction needs no coordinator (its leader confirmed it, as Kafka
    // verifies only a transaction's first batch per partition): acknowledged while the coordinator is dead.
    expect(await bounded("Produce v12 to a verified partition", produceTx(data, txnId, "v2k", partition, producerId, producerEpoch, "r-1", 1))).toBe(NONE);
    // A new partition must be added at the coordinator: retried as a producer would, each answer bounded
    // and every error retriable, until the new coordinator answers.
    const codes: number[] = [];
    const started = Date.now();
    // On a loaded machine the next coordinator may already be in place by the first try (the lease ran out
    // during the produce above): that try may then succeed, and only a try made while the dead broker still
    // held the coordinator's place must fail.
    const deadAtFirstTry = (await coordinatorOf(txnId)) === victim;
    for (;;) {
      const code = await bounded("Produce v12 during failover", produceTx(data2, txnId, "v2k", second, producerId, producerEpoch, "s-0", 0));
      codes.push(code);
      if (code === NONE) break;
      expect([NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT]).toContain(code);
      expect(Date.now() - started).toBeLessThan(60_000);
      await new Promise((r) => setTimeout(r, 200));
    }
    if (deadAtFirstTry) expect(codes[0], `answers: ${codes.join(",")}`).not.toBe(NONE); // the first try hit the dead coordinator
    const next = await until("a new coordinator", async () => {
      const c = await coordinatorOf(txnId);
      return c > 0 && c !== victim ? c : undefined;
    });
    const described = await (await conn(next)).call(ApiKey.DescribeTransactions, 0, { transactionalIds: [txnId] });
    expect(described.transactionStates[0]!.topics.flatMap((t) => t.partitions).sort()).toEqual([partition, second].sort());
    let code = -1;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      code = (await bounded("EndTxn v5 after failover", endTxn(await conn(next), txnId, producerId, producerEpoch, true))).errorCode;
      if (!COORDINATOR_RETRIABLE.has(code)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(code).toBe(NONE);
    await until("the commit markers after failover", async () => (await readCommitted(data, "v2k", partition)).atEnd && (await readCommitted(data2, "v2k", second)).atEnd, 30_000);
    expect((await readCommitted(data, "v2k", partition)).values).toEqual(["r-0", "r-1"]);
    expect((await readCommitted(data2, "v2k", second)).values).toEqual(["s-0"]);
    // The next transaction's epoch (EndTxn v5 bumped it): the old epoch is refused on the cached partition too.
    expect(await produceTx(data, txnId, "v2k", partition, producerId, producerEpoch, "r-late", 2)).toBe(INVALID_PRODUCER_EPOCH);
    for (const c of connections.values()) c.close();
    connections.clear();
  }, 150_000);
});
