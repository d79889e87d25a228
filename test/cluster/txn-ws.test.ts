// The WebSocket transactional producer through the cluster client (src/client/cluster-transactional.ts):
// its transaction frames go to the id's coordinator (the leader of its __transaction_state partition) and
// its batches to the partitions' leaders. The coordinator is killed -9 in the middle of a transaction:
// the producer follows the partition to its next leader, which loaded the Ongoing transaction, sends the
// rest and commits; kcat read_committed sees every record of it exactly once. A transaction aborted after
// the failover shows nothing.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectCluster } from "../../src/client/cluster.js";
import { offsetsPartitionFor } from "../../src/client/cluster-group.js";
import { kafkaPartitionFor } from "../../src/transactions/support.js";
import { ClusterBroker, Etcd, cleanup, partitionState, until } from "./harness.js";

let etcd: Etcd;
const brokers: ClusterBroker[] = [];

beforeAll(async () => {
  etcd = await Etcd.start();
  for (const id of [1, 2, 3]) brokers.push(await ClusterBroker.start(id, etcd, { minIsr: 2 }));
}, 60_000);

afterAll(async () => {
  if (process.env.CLUSTER_DEBUG) for (const b of brokers) console.log(`---- broker ${b.id}\n` + b.proc.out.split("\n").filter((l) => !l.includes('"debug"')).slice(-60).join("\n"));
  await cleanup();
});

const TOPIC = "wtx";
const live = () => brokers.filter((x) => x.proc.alive());

async function readCommitted(topic: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)("kcat", ["-C", "-b", live().map((b) => b.bootstrap).join(","), "-t", topic, "-o", "beginning", "-e", "-q", "-X", "isolation.level=read_committed", "-f", "%s\\n"], { timeout: 30_000 });
  return stdout.split("\n").filter(Boolean).sort();
}

describe("cluster client: WebSocket transactions", () => {
  it("follows a coordinator killed -9 mid-transaction and commits all of it; an abort shows nothing", async () => {
    // The client computes the id's partition as the brokers do.
    for (const id of ["a", "orders-enricher", "wtx-1", "Ωmega"]) expect(offsetsPartitionFor(id, 4)).toBe(kafkaPartitionFor(id, 4));
    await until("__transaction_state in sync", async () => {
      for (let p = 0; p < 4; p++) if ((await partitionState(etcd, "__transaction_state", p))?.isr.length !== 3) return false;
      return true;
    }, 30_000);
    const cluster = await connectCluster({ urls: brokers.map((b) => `${b.wsUrl}/ws`) });
    await cluster.admin.createTopic(TOPIC, { partitions: 3 });
    for (let p = 0; p < 3; p++) await until(`ISR of 3 for ${TOPIC}-${p}`, async () => (await partitionState(etcd, TOPIC, p))?.isr.length === 3);

    const transactionalId = "wtx-1";
    const coordinatorOf = async () => (await partitionState(etcd, "__transaction_state", kafkaPartitionFor(transactionalId, 4)))?.leader;
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
    expect(await readCommitted(TOPIC)).toEqual(expected.sort());

    // Nothing of an aborted transaction is visible, at the new coordinator.
    await producer.beginTransaction();
    for (let i = 0; i < 9; i++) await producer.send({ topic: TOPIC, partition: i % 3, value: `x${i}` });
    await producer.abortTransaction();
    await producer.beginTransaction();
    await producer.send({ topic: TOPIC, partition: 0, value: "last" });
    await producer.commitTransaction();
    expect(await readCommitted(TOPIC)).toEqual([...expected, "last"].sort());
    cluster.close();
  }, 180_000);
});
