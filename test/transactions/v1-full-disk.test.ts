// The transactions v1 requests on a full disk (a real tmpfs, test/helpers/tmpfs.ts), under a broker child
// process: AddPartitionsToTxn, AddOffsetsToTxn and EndTxn v3 whose state change cannot be written answer
// NOT_COORDINATOR (Kafka's conversion of KAFKA_STORAGE_ERROR for the transaction log) on a connection that
// stays open, change nothing, and succeed once space returns.

import { unlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { brokerChildren, closeBroker } from "../helpers/broker-child.js";
import { tmpfsMounts, tmpfsSkipReason } from "../helpers/tmpfs.js";
import { createTopic, readCommitted, txBatch } from "./v2-steps.js";
import { Connection } from "./wire.js";

const brokers = brokerChildren();
const tmpfs = tmpfsMounts();

describe("transactions v1 on a full disk", () => {
  it("AddPartitionsToTxn, AddOffsetsToTxn and EndTxn answer NOT_COORDINATOR, keep the connection, and succeed once space returns", async (ctx) => {
    if (tmpfsSkipReason) {
      console.warn(`v1-full-disk skipped: ${tmpfsSkipReason}`);
      return ctx.skip();
    }
    const dataDir = brokers.dataDir("txn-v1-full");
    tmpfs.mount(dataDir, "24m");
    const broker = await brokers.start(dataDir);
    const conn = await Connection.open(broker.kafkaPort);
    expect(await createTopic(conn, "v1full", 2)).toBe(0);
    // State records of this id are bigger than a tmpfs page: none fits in a free page end.
    const id = `v1full-${"x".repeat(6000)}`;
    const { producerId, producerEpoch } = await conn.call(ApiKey.InitProducerId, 4, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    const addPartitions = (partitions: number[]) => conn.call(ApiKey.AddPartitionsToTxn, 3, { transactionalId: id, producerId, producerEpoch, topics: [{ name: "v1full", partitions }] } as never);
    const codesOf = (r: Awaited<ReturnType<typeof addPartitions>>) => r.results.flatMap((t) => t.results.map((p) => p.partitionErrorCode));
    expect(codesOf(await addPartitions([0]))).toEqual([0]);
    const produce = await conn.call(ApiKey.Produce, 9, { transactionalId: id, acks: -1, timeoutMs: 5000, topicData: [{ name: "v1full", partitionData: [{ index: 0, records: txBatch(producerId, producerEpoch, "p0") }] }] });
    expect(produce.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);

    const filler = tmpfs.fill(dataDir);
    expect(codesOf(await addPartitions([1]))).toEqual([16]);
    expect((await conn.call(ApiKey.AddOffsetsToTxn, 3, { transactionalId: id, producerId, producerEpoch, groupId: "v1full-group" })).errorCode).toBe(16);
    expect((await conn.call(ApiKey.EndTxn, 3, { transactionalId: id, producerId, producerEpoch, committed: true })).errorCode).toBe(16);
    expect(await readCommitted(conn, "v1full", 0)).toEqual({ values: [], atEnd: false });

    unlinkSync(filler);
    expect(codesOf(await addPartitions([1]))).toEqual([0]);
    expect((await conn.call(ApiKey.AddOffsetsToTxn, 3, { transactionalId: id, producerId, producerEpoch, groupId: "v1full-group" })).errorCode).toBe(0);
    const produce1 = await conn.call(ApiKey.Produce, 9, { transactionalId: id, acks: -1, timeoutMs: 5000, topicData: [{ name: "v1full", partitionData: [{ index: 1, records: txBatch(producerId, producerEpoch, "p1") }] }] });
    expect(produce1.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    expect((await conn.call(ApiKey.EndTxn, 3, { transactionalId: id, producerId, producerEpoch, committed: true })).errorCode).toBe(0);
    for (const partition of [0, 1]) expect(await readCommitted(conn, "v1full", partition)).toEqual({ values: [`p${partition}`], atEnd: true });
    conn.close();
    await closeBroker(broker);
  }, 60_000);
});
