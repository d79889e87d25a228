// The WebSocket transactional producer through the cluster client (src/client/cluster-transactional.ts):
// its transaction frames go to the id's coordinator (the leader of its __transaction_state partition) and
// its batches to the partitions' leaders. The coordinator is killed -9 in the middle of a transaction:
// the producer follows the partition to its next leader, which loaded the Ongoing transaction, sends the
// rest and commits; kcat read_committed sees every record of it exactly once. A transaction aborted after
// the failover shows nothing. And a coordinator that dies (its crash hook: SIGKILL) right after
// PrepareCommit became durable, while the producer waits for its commit: the producer's end, sent again to
// the next coordinator, succeeds, and the whole transaction is visible.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { connectCluster } from "../../src/client/cluster.js";
import { offsetsPartitionFor } from "../../src/client/cluster-group.js";
import { kafkaPartitionFor } from "../../src/transactions/support.js";
import { clusterFixture, partitionState, until } from "./harness.js";

// Broker 3 kills itself right after the first transaction it coordinates is PrepareCommit. min.insync 1:
// the last case runs with one broker left.
const fixture = clusterFixture({ broker: (id) => ({ env: id === 3 ? { RIVULET_TXN_CRASH_AT: "prepared" } : undefined }), debugLines: 60 });
const { brokers } = fixture;

const TOPIC = "wtx";
const live = () => brokers.filter((x) => x.proc.alive());

async function readCommitted(topic: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)("kcat", ["-C", "-b", live().map((b) => b.bootstrap).join(","), "-t", topic, "-o", "beginning", "-e", "-q", "-X", "isolation.level=read_committed", "-f", "%s\\n"], { timeout: 30_000 });
  return stdout.split("\n").filter(Boolean).sort();
}

/** A transactional id whose coordinator is broker `id` (or any live broker but `not`). */
async function idLedBy(match: (leader: number) => boolean, prefix: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const candidate = `${prefix}-${i}`;
    const leader = (await partitionState(fixture.etcd, "__transaction_state", kafkaPartitionFor(candidate, 4)))?.leader;
    if (leader !== undefined && match(leader)) return candidate;
  }
  throw new Error("no such transactional id");
}

describe("cluster client: WebSocket transactions", () => {
  it("a coordinator that dies right after PrepareCommit: the retried commit succeeds and all of it is visible", async () => {
    // The client computes the id's partition as the brokers do.
    for (const id of ["a", "orders-enricher", "wtx-1", "Ωmega"]) expect(offsetsPartitionFor(id, 4)).toBe(kafkaPartitionFor(id, 4));
    await until("__transaction_state in sync", async () => {
      for (let p = 0; p < 4; p++) if ((await partitionState(fixture.etcd, "__transaction_state", p))?.isr.length !== 3) return false;
      return true;
    }, 30_000);
    const cluster = await connectCluster({ urls: brokers.map((b) => `${b.wsUrl}/ws`) });
    await cluster.admin.createTopic(TOPIC, { partitions: 3 });
    for (let p = 0; p < 3; p++) await until(`ISR of 3 for ${TOPIC}-${p}`, async () => (await partitionState(fixture.etcd, TOPIC, p))?.isr.length === 3);
    const transactionalId = await idLedBy((leader) => leader === 3, "crash");
    const producer = cluster.producer({ transactionalId });
    await producer.beginTransaction();
    for (let i = 0; i < 30; i++) await producer.send({ topic: TOPIC, partition: i % 3, value: `p${i}` });
    await producer.commitTransaction();
    expect(brokers[2]!.proc.alive()).toBe(false); // its crash hook fired: the commit was finished elsewhere
    expect(await readCommitted(TOPIC)).toEqual(Array.from({ length: 30 }, (_, i) => `p${i}`).sort());
    cluster.close();
  }, 120_000);

  it("follows a coordinator killed -9 mid-transaction and commits all of it; an abort shows nothing", async () => {
    const cluster = await connectCluster({ urls: live().map((b) => `${b.wsUrl}/ws`) });
    const before = await readCommitted(TOPIC);
    const transactionalId = await idLedBy((leader) => live().some((b) => b.id === leader), "mid");
    const coordinatorOf = async () => (await partitionState(fixture.etcd, "__transaction_state", kafkaPartitionFor(transactionalId, 4)))?.leader;
    const first = (await coordinatorOf())!;
    const producer = cluster.producer({ transactionalId, transactionTimeoutMs: 60_000 });
    await producer.beginTransaction();
    const expected: string[] = [];
    for (let i = 0; i < 30; i++) {
      await producer.send({ topic: TOPIC, partition: i % 3, value: `c${i}` });
      expected.push(`c${i}`);
    }
    await brokers.find((b) => b.id === first)!.kill("SIGKILL");
    // Sent at once: the coordinator (and some partitions' leader) is gone until the lease expires.
    for (let i = 30; i < 60; i++) {
      await producer.send({ topic: TOPIC, partition: i % 3, value: `c${i}` });
      expected.push(`c${i}`);
    }
    await producer.commitTransaction();
    const second = await coordinatorOf();
    expect(second).not.toBe(first);
    expect(await readCommitted(TOPIC)).toEqual([...before, ...expected].sort());

    // Nothing of an aborted transaction is visible, at the new coordinator.
    await producer.beginTransaction();
    for (let i = 0; i < 9; i++) await producer.send({ topic: TOPIC, partition: i % 3, value: `x${i}` });
    await producer.abortTransaction();
    await producer.beginTransaction();
    await producer.send({ topic: TOPIC, partition: 0, value: "last" });
    // Offsets with the transaction: committed at the group's coordinator when it commits.
    await producer.sendOffsets({ group: "wtx-readers", offsets: [{ topic: TOPIC, partition: 1, offset: 7n }] });
    await producer.commitTransaction();
    expect(await cluster.admin.committedOffsets("wtx-readers")).toEqual([expect.objectContaining({ topic: TOPIC, partition: 1, offset: 7n })]);
    expect(await readCommitted(TOPIC)).toEqual([...before, ...expected, "last"].sort());
    cluster.close();
  }, 180_000);
});
