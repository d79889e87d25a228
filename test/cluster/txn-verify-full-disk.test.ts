// A full disk at the transaction coordinator during cross-broker produce verification (etcd + 3 broker
// processes; broker 3's data dir is a small tmpfs, test/helpers/tmpfs.ts). Transactions v2: a Produce v12
// to a partition led by another broker adds the partition to the transaction at the coordinator (broker 3,
// over the replication wire, src/cluster/txn-routing.ts). When broker 3 cannot write that addition, the
// producer must get a typed retriable error (NOT_ENOUGH_REPLICAS, as Kafka translates coordinator errors
// for Produce), never UNKNOWN_SERVER_ERROR (-1), a hang or a crash, and nothing may be appended at the
// leader; once space returns the same producer's retry succeeds and the transaction commits.
// The transactional id is longer than a tmpfs page (4 KiB), so every state record of it needs a new page
// and a filler file alone makes its append fail (a record that fits in a page's free end would not).
// The coordinator logs the failed write once (not per retry), and its recovery.

import { unlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { kafkaPartitionFor } from "../../src/transactions/support.js";
import { tmpfsSkipReason } from "../helpers/tmpfs.js";
import { endTxn, initProducer, produceTx, readCommitted } from "../transactions/v2-steps.js";
import { Connection } from "../transactions/wire.js";
import { etcdGet, partitionState, until } from "./harness.js";
import { smallDiskCluster } from "./small-disk-cluster.js";

const FULL = 3;
const NONE = 0;
const NOT_ENOUGH_REPLICAS = 19;
const { fixture, tmpfs, fullDir } = smallDiskCluster({ id: FULL, label: "txnfull", size: "24m" });

/** Fails instead of hanging: a request the broker never answers is one of the bugs this guards against. */
function bounded<T>(what: string, p: Promise<T>, ms = 20_000): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms).unref())]);
}

const leaderOf = async (topic: string, p: number) => (await partitionState(fixture.etcd, topic, p))?.leader ?? -1;

/** The high watermark of a single-replica partition: its log end offset. */
async function logEnd(conn: Connection, topic: string, partition: number): Promise<bigint> {
  const r = await conn.call(ApiKey.Fetch, 11, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [], rackId: "",
  });
  return r.responses[0]!.partitions[0]!.highWatermark;
}

describe("a full disk at the transaction coordinator during cross-broker produce verification", () => {
  it("the partition cannot be added: a typed retriable error, nothing appended, every broker alive; the retry succeeds once space returns and the transaction commits", async (ctx) => {
    if (tmpfsSkipReason) {
      console.warn(`txn-verify-full-disk skipped: ${tmpfsSkipReason}`);
      return ctx.skip();
    }
    const stateKey = "/rivulet/topics/__transaction_state";
    const statePartitions = await until("the transaction state topic", async () => {
      const v = (await etcdGet(fixture.etcd, stateKey))[stateKey];
      return v ? (JSON.parse(v) as { partitions: number }).partitions : undefined;
    });
    await until("transaction state partitions led", async () => {
      for (let p = 0; p < statePartitions; p++) if ((await leaderOf("__transaction_state", p)) <= 0) return false;
      return true;
    }, 30_000);
    // A transactional id coordinated by the broker whose disk fills.
    let txnId = "";
    for (let i = 0; i < 200 && !txnId; i++) {
      const id = `verify-full-${i}-${"x".repeat(6000)}`;
      if ((await leaderOf("__transaction_state", kafkaPartitionFor(id, statePartitions))) === FULL) txnId = id;
    }
    expect(txnId, "a transactional id coordinated by broker 3").not.toBe("");

    // A data partition with one replica, led by another broker (nothing of it on the full disk).
    const admin = await Connection.open(fixture.broker(1).kafkaPort);
    const created = await admin.call(ApiKey.CreateTopics, 4, { topics: [{ name: "vfull", numPartitions: 6, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
    expect(created.topics[0]!.errorCode).toBe(NONE);
    admin.close();
    let partition = -1;
    let leader = -1;
    await until("a partition of vfull led by another broker", async () => {
      for (let p = 0; p < 6; p++) {
        const l = await leaderOf("vfull", p);
        if (l > 0 && l !== FULL) [partition, leader] = [p, l];
      }
      return partition >= 0;
    });
    const coordinator = await Connection.open(fixture.broker(FULL).kafkaPort);
    const data = await Connection.open(fixture.broker(leader).kafkaPort);

    const init = await initProducer(coordinator, txnId);
    expect(init.errorCode).toBe(NONE);
    const { producerId, producerEpoch } = init;
    const endBefore = await logEnd(data, "vfull", partition);

    const filler = tmpfs.fill(fullDir());
    const code = await bounded("Produce v12 with the coordinator's disk full", produceTx(data, txnId, "vfull", partition, producerId, producerEpoch, "v-0"));
    console.log(`txn-verify-full-disk: Produce v12 with the coordinator's disk full -> error ${code}`);
    expect(code, "typed and retriable, not UNKNOWN_SERVER_ERROR").toBe(NOT_ENOUGH_REPLICAS);
    expect(await logEnd(data, "vfull", partition), "nothing appended at the leader").toBe(endBefore);
    // Not added at the coordinator either: the transaction has no partition yet.
    const described = await coordinator.call(ApiKey.DescribeTransactions, 0, { transactionalIds: [txnId] });
    expect(described.transactionStates[0]!.topics).toEqual([]);
    for (const b of fixture.brokers) expect(b.proc.alive(), `broker ${b.id} alive`).toBe(true);
    // The coordinator logs why, once for the id: not once per retry (clients retry every few ms).
    for (let i = 0; i < 3; i++) {
      expect(await bounded("a retry with the disk still full", produceTx(data, txnId, "vfull", partition, producerId, producerEpoch, "v-0"))).toBe(NOT_ENOUGH_REPLICAS);
    }
    const logged = (msg: string) => fixture.broker(FULL).proc.out.split("\n").filter((l) => l.includes(`"msg":"${msg}`) && l.includes(txnId));
    await until("the coordinator's log line", () => logged("transaction log write failed;").length > 0);
    expect(logged("transaction log write failed;"), "one line, not one per retry").toHaveLength(1);
    expect(logged("transaction log write failed;")[0]).toMatch(/"errorCode":56,.*ENOSPC/);

    // Space back: the same producer's retry (same epoch, same sequence) is appended and the transaction commits.
    unlinkSync(filler);
    const codes: number[] = [];
    for (const deadline = Date.now() + 20_000; ;) {
      const retried = await bounded("Produce v12 after space returned", produceTx(data, txnId, "vfull", partition, producerId, producerEpoch, "v-0"));
      codes.push(retried);
      if (retried === NONE) break;
      expect(retried).toBe(NOT_ENOUGH_REPLICAS);
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await logEnd(data, "vfull", partition)).toBe(endBefore + 1n);
    const ended = await bounded("EndTxn v5", endTxn(coordinator, txnId, producerId, producerEpoch, true));
    expect(ended).toMatchObject({ errorCode: NONE, producerId, producerEpoch: producerEpoch + 1 });
    await until("the commit marker at the leader", async () => (await readCommitted(data, "vfull", partition)).atEnd);
    expect((await readCommitted(data, "vfull", partition)).values).toEqual(["v-0"]);
    expect(logged("transaction log writes succeed again"), "the recovery logged").toHaveLength(1);
    for (const b of fixture.brokers) expect(b.proc.alive(), `broker ${b.id} alive`).toBe(true);
    coordinator.close();
    data.close();
  }, 120_000);
});
