// The WebSocket door's transactional PRODUCE in cluster mode, checked with the transactional id's
// coordinator when that is another broker than the partition's leader (src/frontends/ws/handlers/produce.ts
// → src/transactions/produce-check.ts → produceTxn on the replication wire). The WebSocket protocol's
// transactions are v1-style: TXN_ADD names a partition before its first batch, and the leader only
// verifies. Checked here: the cluster producer commits and aborts across brokers (read_committed sees only
// the commits); a raw PRODUCE frame whose transactional batch's partition was not added is refused with
// INVALID_TXN_STATE and nothing is appended; one without the frame's transactional id is
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED; a fenced (older epoch) producer is refused with
// INVALID_PRODUCER_EPOCH; and a coordinator killed -9 mid-transaction: the batches sent meanwhile are
// retried (NOT_ENOUGH_REPLICAS or a lost connection) and the transaction commits at the next coordinator
// with every acknowledged record.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { connectCluster, type RivuletCluster } from "../../src/client/cluster.js";
import { Attributes, encodeRecordBatch } from "../../src/core/index.js";
import { FrameType, type ServerFrame } from "../../src/protocol/ws/frames.js";
import { kafkaPartitionFor } from "../../src/transactions/support.js";
import { clusterFixture, partitionState, until } from "./harness.js";

const fixture = clusterFixture({ debugLines: 60 });
const { brokers } = fixture;
const TOPIC = "wsv";
const live = () => brokers.filter((x) => x.proc.alive());

const NONE = 0;
const INVALID_PRODUCER_EPOCH = 47;
const INVALID_TXN_STATE = 48;
const TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53;
const NOT_ENOUGH_REPLICAS = 19;

async function readCommitted(topic: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)("kcat", ["-C", "-b", live().map((b) => b.bootstrap).join(","), "-t", topic, "-o", "beginning", "-e", "-q", "-X", "isolation.level=read_committed", "-f", "%s\\n"], { timeout: 30_000 });
  return stdout.split("\n").filter(Boolean).sort();
}

const coordinatorOf = async (txnId: string) => (await partitionState(fixture.etcd, "__transaction_state", kafkaPartitionFor(txnId, 4)))?.leader ?? -1;
const leaderOf = async (p: number) => (await partitionState(fixture.etcd, TOPIC, p))?.leader ?? -1;

/** A transactional id whose coordinator is a live broker, and a partition of TOPIC another live broker leads. */
async function split(prefix: string): Promise<{ txnId: string; coordinator: number; partition: number; leader: number }> {
  for (let i = 0; i < 200; i++) {
    const txnId = `${prefix}-${i}`;
    const coordinator = await coordinatorOf(txnId);
    if (!live().some((b) => b.id === coordinator)) continue;
    for (let p = 0; p < 3; p++) {
      const leader = await leaderOf(p);
      if (leader !== coordinator && live().some((b) => b.id === leader)) return { txnId, coordinator, partition: p, leader };
    }
  }
  throw new Error("no transactional id and partition on different brokers");
}

const urlOf = (id: number) => `${fixture.broker(id).wsUrl}/ws`;
const request = async (cluster: RivuletCluster, broker: number, frame: Parameters<Awaited<ReturnType<RivuletCluster["client"]>>["connection"]["request"]>[0]): Promise<ServerFrame> =>
  (await cluster.client(urlOf(broker))).connection.request(frame);

/** The partition's log end offset, asked of its leader. */
async function endOffset(cluster: RivuletCluster, leader: number, partition: number): Promise<bigint> {
  const r = await request(cluster, leader, { type: FrameType.LIST_OFFSETS, items: [{ topic: TOPIC, partition, timestamp: -1n }] });
  if (r.type !== FrameType.OFFSETS_RESULT) throw new Error(`unexpected ${r.type}`);
  return r.items[0]!.offset;
}

/** One transactional PRODUCE of one record to the leader: the item's error code. */
async function produceRaw(cluster: RivuletCluster, leader: number, partition: number, producer: { producerId: bigint; producerEpoch: number }, sequence: number, value: string, transactionalId?: string): Promise<number> {
  const batch = encodeRecordBatch([{ value }], { ...producer, baseSequence: sequence, attributes: Attributes.TRANSACTIONAL });
  const r = await request(cluster, leader, { type: FrameType.PRODUCE, acks: -1, timeoutMs: 10_000, items: [{ topic: TOPIC, partition, batch }], ...(transactionalId !== undefined ? { transactionalId } : {}) });
  if (r.type !== FrameType.PRODUCE_RESULT) throw new Error(`unexpected ${r.type}`);
  return r.items[0]!.errorCode;
}

async function init(cluster: RivuletCluster, coordinator: number, transactionalId: string): Promise<{ producerId: bigint; producerEpoch: number }> {
  const r = await request(cluster, coordinator, { type: FrameType.TXN_INIT, transactionalId, timeoutMs: 60_000 });
  if (r.type !== FrameType.PRODUCER_ID) throw new Error(`unexpected ${r.type}`);
  return { producerId: r.producerId, producerEpoch: r.producerEpoch };
}

describe("WebSocket transactional PRODUCE in cluster mode, verified with the id's coordinator on another broker", () => {
  it("the cluster producer commits and aborts with coordinator ≠ leader; read_committed sees only the commit", async () => {
    await until("__transaction_state in sync", async () => {
      for (let p = 0; p < 4; p++) if ((await partitionState(fixture.etcd, "__transaction_state", p))?.isr.length !== 3) return false;
      return true;
    }, 30_000);
    const cluster = await connectCluster({ urls: brokers.map((b) => `${b.wsUrl}/ws`) });
    await cluster.admin.createTopic(TOPIC, { partitions: 3 });
    for (let p = 0; p < 3; p++) await until(`ISR of 3 for ${TOPIC}-${p}`, async () => (await partitionState(fixture.etcd, TOPIC, p))?.isr.length === 3);
    const { txnId, partition } = await split("ca");
    const producer = cluster.producer({ transactionalId: txnId });
    await producer.beginTransaction();
    for (let i = 0; i < 6; i++) await producer.send({ topic: TOPIC, partition, value: `c${i}` });
    await producer.commitTransaction();
    await producer.beginTransaction();
    for (let i = 0; i < 4; i++) await producer.send({ topic: TOPIC, partition: i % 3, value: `a${i}` });
    await producer.abortTransaction();
    expect(await readCommitted(TOPIC)).toEqual(["c0", "c1", "c2", "c3", "c4", "c5"]);
    cluster.close();
  }, 120_000);

  it("refuses a batch for a partition not in the transaction, one without the transactional id and a fenced epoch; nothing is appended", async () => {
    const cluster = await connectCluster({ urls: brokers.map((b) => `${b.wsUrl}/ws`) });
    const { txnId, coordinator, partition, leader } = await split("raw");
    const first = await init(cluster, coordinator, txnId);
    const end0 = await endOffset(cluster, leader, partition);

    // Not added with TXN_ADD: the remote coordinator refuses it (before this change: appended unchecked).
    expect(await produceRaw(cluster, leader, partition, first, 0, "not-added", txnId)).toBe(INVALID_TXN_STATE);
    // A transactional batch in a frame that does not name its id.
    expect(await produceRaw(cluster, leader, partition, first, 0, "no-id")).toBe(TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    // Naming another id (one this leader may coordinate) does not pass a producer it does not hold.
    expect(await produceRaw(cluster, leader, partition, first, 0, "other-id", `${txnId}-other`)).not.toBe(NONE);
    expect(await endOffset(cluster, leader, partition)).toBe(end0);

    // Added: accepted.
    await request(cluster, coordinator, { type: FrameType.TXN_ADD, transactionalId: txnId, ...first, partitions: [{ topic: TOPIC, partition }], group: "" });
    expect(await produceRaw(cluster, leader, partition, first, 0, "added", txnId)).toBe(NONE);
    const end1 = await endOffset(cluster, leader, partition);
    expect(end1).toBe(end0 + 1n);

    // A second instance takes over the id (its TXN_INIT aborts the open transaction, writing a marker);
    // the first, a zombie now, is refused even for a partition the new epoch added.
    const second = await init(cluster, coordinator, txnId);
    expect(second.producerEpoch).toBeGreaterThan(first.producerEpoch);
    await request(cluster, coordinator, { type: FrameType.TXN_ADD, transactionalId: txnId, ...second, partitions: [{ topic: TOPIC, partition }], group: "" });
    const afterFence = await endOffset(cluster, leader, partition); // the abort marker
    expect(await produceRaw(cluster, leader, partition, first, 1, "zombie", txnId)).toBe(INVALID_PRODUCER_EPOCH);
    expect(await endOffset(cluster, leader, partition)).toBe(afterFence);
    expect(await produceRaw(cluster, leader, partition, second, 0, "second", txnId)).toBe(NONE);
    await request(cluster, coordinator, { type: FrameType.TXN_END, transactionalId: txnId, ...second, commit: true });

    const committed = await readCommitted(TOPIC);
    expect(committed).toContain("second");
    for (const v of ["not-added", "no-id", "other-id", "added", "zombie"]) expect(committed).not.toContain(v);
    cluster.close();
  }, 120_000);

  it("a coordinator killed -9 mid-transaction: NOT_ENOUGH_REPLICAS, nothing appended; the batches are retried and the transactions complete after failover with every record", async () => {
    const cluster = await connectCluster({ urls: brokers.map((b) => `${b.wsUrl}/ws`) });
    const before = await readCommitted(TOPIC);
    const { txnId, coordinator, partition } = await split("kill");
    // A second partition another broker than the coordinator leads, not written before the kill: its
    // first batch after the kill must reach the (dead) coordinator.
    let other = -1;
    for (let p = 0; p < 3; p++) if (p !== partition && ![coordinator, -1].includes(await leaderOf(p))) other = p;
    expect(other).toBeGreaterThanOrEqual(0);
    const otherLeader = await leaderOf(other);
    // A raw transaction of a second id with the same coordinator, `other` added but not written yet.
    let rawId = "";
    for (let i = 0; i < 200 && !rawId; i++) if ((await coordinatorOf(`kraw-${i}`)) === coordinator) rawId = `kraw-${i}`;
    const raw = await init(cluster, coordinator, rawId);
    await request(cluster, coordinator, { type: FrameType.TXN_ADD, transactionalId: rawId, ...raw, partitions: [{ topic: TOPIC, partition: other }], group: "" });

    const producer = cluster.producer({ transactionalId: txnId, transactionTimeoutMs: 60_000 });
    await producer.beginTransaction();
    const expected: string[] = [];
    for (let i = 0; i < 6; i++) {
      await producer.send({ topic: TOPIC, partition, value: `k${i}` });
      expected.push(`k${i}`);
    }
    await fixture.broker(coordinator).kill("SIGKILL");
    // The leader cannot ask the coordinator: the retriable NOT_ENOUGH_REPLICAS, and nothing is appended.
    const otherEnd = await endOffset(cluster, otherLeader, other);
    expect(await produceRaw(cluster, otherLeader, other, raw, 0, "raw-during", rawId)).toBe(NOT_ENOUGH_REPLICAS);
    expect(await endOffset(cluster, otherLeader, other)).toBe(otherEnd);
    // The cluster producer retries such batches until the id's partition has a new leader that loaded
    // the transaction, then commits there.
    for (let i = 6; i < 12; i++) {
      await producer.send({ topic: TOPIC, partition: i % 2 === 0 ? partition : other, value: `k${i}` });
      expected.push(`k${i}`);
    }
    await producer.commitTransaction();
    const next = await coordinatorOf(txnId);
    expect(next).not.toBe(coordinator);
    expect(await readCommitted(TOPIC)).toEqual([...before, ...expected].sort());

    // The raw transaction goes on at the next coordinator (it loaded it Ongoing, `other` in it).
    // (Its __transaction_state partition may still be moving: NOT_ENOUGH_REPLICAS until it is loaded.)
    await until("raw batch verified at the next coordinator", async () => {
      const code = await produceRaw(cluster, otherLeader, other, raw, 0, "raw-after", rawId);
      if (code !== NOT_ENOUGH_REPLICAS) expect(code).toBe(NONE);
      return code === NONE;
    }, 30_000);
    await until("raw commit at the next coordinator", async () =>
      request(cluster, await coordinatorOf(rawId), { type: FrameType.TXN_END, transactionalId: rawId, ...raw, commit: true }).then(() => true, () => false), 30_000);
    expect(await readCommitted(TOPIC)).toEqual([...before, ...expected, "raw-after"].sort());
    cluster.close();
  }, 180_000);
});
