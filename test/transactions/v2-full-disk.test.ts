// A full disk during a transactions v2 end (EndTxn v5), for real: small tmpfs mounts (root only; skipped
// with a message elsewhere), as test/faults/storage-full-disk.test.ts does, under a broker child process.
// A tmpfs page is 4 KiB (test/helpers/tmpfs.ts): the writes under test are made not to fit in free page ends.
// - The decision cannot be written (the whole data dir is full): EndTxn v5 fails with a typed Kafka error,
//   the transaction stays open at its epoch, and once space returns the same producer commits it, or
//   aborts it, with the usual epoch bump; read_committed then reaches the log end. A Produce v12 that
//   would add a partition meanwhile gets the retriable NOT_ENOUGH_REPLICAS.
// - A marker cannot be written (only one data partition's directory is full): the decision is durable,
//   so EndTxn v5 answers NONE (as Kafka does once Prepare* is written); the partition's LSO holds below
//   the open batch, a retried EndTxn gets the retriable CONCURRENT_TRANSACTIONS, a new transaction's
//   produce the retriable NOT_ENOUGH_REPLICAS; once space returns the coordinator's timer writes the
//   marker, with the broker left running or killed -9 and restarted meanwhile.

import { mkdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { eventually } from "../kafka/helpers.js";
import { encodeRecordBatch } from "../../src/core/index.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { brokerChildren, closeBroker, exited, type BrokerChild } from "../helpers/broker-child.js";
import { tmpfsMounts, tmpfsSkipReason } from "../helpers/tmpfs.js";
import { createTopic, endTxn, initProducer, produceTx, readCommitted } from "./v2-steps.js";
import { Connection } from "./wire.js";

const brokers = brokerChildren();
const tmpfs = tmpfsMounts();
const skipReason = tmpfsSkipReason;

/** A one-record batch of one byte, no key, no producer id: smaller than a transaction marker. */
async function producePlain(conn: Connection, topic: string, partition: number): Promise<number> {
  const r = await conn.call(ApiKey.Produce, 9, {
    transactionalId: null, acks: -1, timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: encodeRecordBatch([{ value: "f" }]) }] }],
  });
  return r.responses[0]!.partitionResponses[0]!.errorCode;
}

const describeTxn = async (conn: Connection, id: string) => (await conn.call(ApiKey.DescribeTransactions, 0, { transactionalIds: [id] })).transactionStates[0]!;

describe("EndTxn v5 on a full disk", () => {
  for (const commit of [true, false]) {
    it(`the decision cannot be written: a typed error, the transaction stays open, and ${commit ? "commits" : "aborts"} once space returns`, async (ctx) => {
      if (skipReason) {
        console.warn(`v2-full-disk skipped: ${skipReason}`);
        return ctx.skip();
      }
      const dataDir = brokers.dataDir("txn-v2-full");
      tmpfs.mount(dataDir, "24m");
      const broker = await brokers.start(dataDir);
      const conn = await Connection.open(broker.kafkaPort);
      // A tmpfs page is 4 KiB and a record that fits in the free end of its file's last page needs no new
      // one: with a transactional id this long, every state record of it needs a fresh page.
      const id = `full-${commit}-${"x".repeat(6000)}`;
      expect(await createTopic(conn, "full", 3)).toBe(0);
      const { producerId, producerEpoch } = await initProducer(conn, id);
      for (const partition of [0, 1]) expect(await produceTx(conn, id, "full", partition, producerId, producerEpoch, `p${partition}`)).toBe(0);

      const filler = tmpfs.fill(dataDir);
      const refused = await endTxn(conn, id, producerId, producerEpoch, commit);
      console.log(`v2-full-disk: EndTxn v5 on a full disk -> error ${refused.errorCode}`);
      // The append's KAFKA_STORAGE_ERROR as Kafka converts it for the transaction log: NOT_COORDINATOR (16),
      // retriable; the connection stays open.
      expect(refused.errorCode).toBe(16);
      expect([refused.producerId, refused.producerEpoch]).toEqual([-1n, -1]);
      // A Produce v12 to a partition not yet in the transaction cannot add it: the retriable
      // NOT_ENOUGH_REPLICAS (19), nothing appended, the connection still open.
      expect(await produceTx(conn, id, "full", 2, producerId, producerEpoch, "p2")).toBe(19);
      // TxnOffsetCommit v5 (which adds the group's offsets partition itself): NOT_COORDINATOR, retriable.
      const offsets = await conn.call(ApiKey.TxnOffsetCommit, 5, {
        transactionalId: id, groupId: "full-group", producerId, producerEpoch, generationId: -1, memberId: "", groupInstanceId: null,
        topics: [{ name: "full", partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
      expect(offsets.topics[0]!.partitions[0]!.errorCode).toBe(16);
      // Nothing was decided: still Ongoing at the same epoch, both partitions held below the open batch.
      expect(await describeTxn(conn, id)).toMatchObject({ errorCode: 0, transactionState: "Ongoing", producerEpoch });
      for (const partition of [0, 1]) expect(await readCommitted(conn, "full", partition)).toEqual({ values: [], atEnd: false });

      unlinkSync(filler);
      const ended = await eventually(async () => {
        const r = await endTxn(conn, id, producerId, producerEpoch, commit);
        return r.errorCode === 0 ? r : undefined;
      }, 10_000, "EndTxn v5 answered NONE once space returned");
      expect([ended.producerId, ended.producerEpoch]).toEqual([producerId, producerEpoch + 1]);
      for (const partition of [0, 1]) expect(await readCommitted(conn, "full", partition)).toEqual({ values: commit ? [`p${partition}`] : [], atEnd: true });
      expect(await readCommitted(conn, "full", 2)).toEqual({ values: [], atEnd: true });
      // The producer goes on at the bumped epoch; the old one is fenced.
      expect(await produceTx(conn, id, "full", 0, producerId, producerEpoch, "zombie")).toBe(47);
      expect(await produceTx(conn, id, "full", 0, producerId, producerEpoch + 1, "next")).toBe(0);
      expect((await endTxn(conn, id, producerId, producerEpoch + 1, true)).errorCode).toBe(0);
      expect((await readCommitted(conn, "full", 0)).values).toEqual(commit ? ["p0", "next"] : ["next"]);
      conn.close();
      await closeBroker(broker);
    }, 60_000);
  }

  for (const restart of [false, true]) {
    it(`a marker cannot be written: NONE, the LSO holds, retriable errors meanwhile; the marker is written once space returns${restart ? " (kill -9 and restart meanwhile)" : ""}`, async (ctx) => {
      if (skipReason) {
        console.warn(`v2-full-disk skipped: ${skipReason}`);
        return ctx.skip();
      }
      const dataDir = brokers.dataDir("txn-v2-marker-full");
      // Partition 1 of "mfull" lives on its own small file system; the rest of the data dir does not fill.
      const small = join(dataDir, "mfull-1");
      mkdirSync(small);
      tmpfs.mount(small, "4m");
      let broker: BrokerChild = await brokers.start(dataDir);
      let conn = await Connection.open(broker.kafkaPort);
      const id = `marker-full-${restart}`;
      expect(await createTopic(conn, "mfull", 2)).toBe(0);
      const { producerId, producerEpoch } = await initProducer(conn, id);
      for (const partition of [0, 1]) expect(await produceTx(conn, id, "mfull", partition, producerId, producerEpoch, `p${partition}`)).toBe(0);

      const filler = tmpfs.fill(small);
      // The free end of the segment's last page still takes small batches: use it up with one-record
      // batches (smaller than a marker) until one is refused with KAFKA_STORAGE_ERROR (56).
      let code = 0;
      for (let i = 0; i < 200 && code === 0; i++) code = await producePlain(conn, "mfull", 1);
      expect(code).toBe(56);
      const decided = await endTxn(conn, id, producerId, producerEpoch, true);
      expect(decided).toMatchObject({ errorCode: 0, producerId, producerEpoch: producerEpoch + 1 });
      expect(await readCommitted(conn, "mfull", 0)).toEqual({ values: ["p0"], atEnd: true });
      expect(await readCommitted(conn, "mfull", 1)).toEqual({ values: [], atEnd: false });
      expect(await describeTxn(conn, id)).toMatchObject({ transactionState: "PrepareCommit" });
      // The client's retry of the end: retriable CONCURRENT_TRANSACTIONS (51) while the marker is pending.
      expect((await endTxn(conn, id, producerId, producerEpoch, true)).errorCode).toBe(51);
      // A new transaction at the bumped epoch waits too: NOT_ENOUGH_REPLICAS (19), retriable.
      expect(await produceTx(conn, id, "mfull", 0, producerId, producerEpoch + 1, "early")).toBe(19);
      await new Promise((r) => setTimeout(r, 500)); // several timer rounds fail on the full disk
      expect(await readCommitted(conn, "mfull", 1)).toEqual({ values: [], atEnd: false });

      if (restart) {
        conn.close();
        broker.child.kill("SIGKILL");
        await exited(broker.child);
      }
      unlinkSync(filler);
      if (restart) {
        broker = await brokers.start(dataDir);
        conn = await Connection.open(broker.kafkaPort);
      }
      await eventually(async () => (await readCommitted(conn, "mfull", 1)).atEnd, 10_000, "the marker on partition 1 once space returned");
      expect(await readCommitted(conn, "mfull", 0)).toEqual({ values: ["p0"], atEnd: true });
      const p1 = await readCommitted(conn, "mfull", 1);
      expect(p1.atEnd).toBe(true);
      expect(p1.values[0]).toBe("p1");
      expect(p1.values.slice(1).every((v) => v === "f")).toBe(true);
      expect(await describeTxn(conn, id)).toMatchObject({ transactionState: "CompleteCommit", producerEpoch: producerEpoch + 1 });
      expect(await endTxn(conn, id, producerId, producerEpoch, true)).toMatchObject({ errorCode: 0, producerEpoch: producerEpoch + 1 });
      expect(await produceTx(conn, id, "mfull", 1, producerId, producerEpoch + 1, "next")).toBe(0);
      expect((await endTxn(conn, id, producerId, producerEpoch + 1, true)).errorCode).toBe(0);
      expect((await readCommitted(conn, "mfull", 1)).values.filter((v) => v !== "f")).toEqual(["p1", "next"]);
      conn.close();
      await closeBroker(broker);
    }, 60_000);
  }
});
