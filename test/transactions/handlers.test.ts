// The transaction APIs called through the Kafka dispatcher (encoded and decoded at real versions): fencing
// and its version mapping, hostile and out-of-order requests answered with Kafka codes, the offsets held
// until commit, the transaction timeout, and the __transaction_state record codec (Kafka's layout, corrupt
// input as StorageError).

import { beforeAll, describe, expect, it } from "vitest";
import { Attributes, encodeRecordBatch, StorageError } from "../../src/core/index.js";
import { dispatch, type KafkaBrokerContext } from "../../src/frontends/kafka/handlers/index.js";
import { ApiKey, concat, decodeResponseFrame, type ApiKeyValue, type DecodedRequest, type RequestOf, type ResponseOf } from "../../src/protocol/kafka/index.js";
import { decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue, type TxnStateRecord } from "../../src/transactions/index.js";
import { handlerContext } from "../kafka/handler-context.js";
import { eventually, kafkaServers, type KafkaTestServer } from "../kafka/helpers.js";

const servers = kafkaServers();
let s: KafkaTestServer;
let ctx: KafkaBrokerContext;

async function call<K extends ApiKeyValue>(apiKey: K, version: number, request: RequestOf<K>): Promise<ResponseOf<K>> {
  const decoded = { apiKey, header: { apiKey, apiVersion: version, correlationId: 1, clientId: "t" }, request } as DecodedRequest;
  const parts = await dispatch(ctx, decoded, { header: decoded.header, clientHost: "/127.0.0.1", signal: new AbortController().signal });
  if (parts === null) throw new Error("no response");
  return decodeResponseFrame(apiKey, version, concat(parts).subarray(4)).response as ResponseOf<K>;
}

const init = (transactionalId: string, version = 4, timeoutMs = 60_000, producerId = -1n, producerEpoch = -1) =>
  call(ApiKey.InitProducerId, version, { transactionalId, transactionTimeoutMs: timeoutMs, producerId, producerEpoch });
const add = (id: string, producerId: bigint, producerEpoch: number, topic: string, partitions: number[], version = 3) =>
  call(ApiKey.AddPartitionsToTxn, version, { transactionalId: id, producerId, producerEpoch, topics: [{ name: topic, partitions }] });
const end = (id: string, producerId: bigint, producerEpoch: number, committed: boolean, version = 3) =>
  call(ApiKey.EndTxn, version, { transactionalId: id, producerId, producerEpoch, committed });
const txBatch = (producerId: bigint, producerEpoch: number, baseSequence = 0) =>
  encodeRecordBatch([{ value: "v" }], { producerId, producerEpoch, baseSequence, attributes: Attributes.TRANSACTIONAL });

beforeAll(async () => {
  s = await servers.start({ transactions: { abortCheckMs: 50, maxTimeoutMs: 120_000 } });
  ctx = handlerContext(s);
  await s.server.broker.createTopic("h-tx", { partitions: 2 });
});

describe("transaction APIs", () => {
  it("FindCoordinator for a transactional id answers this node", async () => {
    const r = await call(ApiKey.FindCoordinator, 3, { key: "tx", keyType: 1 });
    expect([r.errorCode, r.nodeId]).toEqual([0, 1]);
  });

  it("InitProducerId bumps the epoch per instance; a timeout past the maximum is INVALID_TRANSACTION_TIMEOUT", async () => {
    const first = await init("h-1");
    const second = await init("h-1");
    expect(first.errorCode).toBe(0);
    expect([second.producerId, second.producerEpoch]).toEqual([first.producerId, first.producerEpoch + 1]);
    expect((await init("h-1", 4, 120_001)).errorCode).toBe(50);
    expect((await init("h-1", 4, 0)).errorCode).toBe(50);
    // KIP-360 re-init naming a stale producer/epoch: PRODUCER_FENCED (v4+), INVALID_PRODUCER_EPOCH (v3).
    expect((await init("h-1", 4, 60_000, first.producerId, first.producerEpoch)).errorCode).toBe(90);
    expect((await init("h-1", 3, 60_000, first.producerId, first.producerEpoch)).errorCode).toBe(47);
  });

  it("fencing, unknown ids and out-of-order calls get Kafka's codes, with PRODUCER_FENCED mapped for old versions", async () => {
    const { producerId, producerEpoch } = await init("h-2");
    expect((await add("nobody", producerId, producerEpoch, "h-tx", [0])).results[0]!.results[0]!.partitionErrorCode).toBe(49);
    expect((await add("h-2", producerId + 1n, producerEpoch, "h-tx", [0])).results[0]!.results[0]!.partitionErrorCode).toBe(49);
    expect((await add("h-2", producerId, producerEpoch + 1, "h-tx", [0], 2)).results[0]!.results[0]!.partitionErrorCode).toBe(90);
    expect((await add("h-2", producerId, producerEpoch + 1, "h-tx", [0], 1)).results[0]!.results[0]!.partitionErrorCode).toBe(47);
    // An unknown partition fails the request: the others are not attempted.
    const mixed = await add("h-2", producerId, producerEpoch, "h-tx", [0, 7]);
    expect(mixed.results[0]!.results.map((r) => [r.partitionIndex, r.partitionErrorCode])).toEqual([[0, 55], [7, 3]]);
    // Nothing open: EndTxn is INVALID_TXN_STATE.
    expect((await end("h-2", producerId, producerEpoch, true)).errorCode).toBe(48);
    // Produce outside a transaction, and to a partition not added.
    expect((await add("h-2", producerId, producerEpoch, "h-tx", [0])).results[0]!.results[0]!.partitionErrorCode).toBe(0);
    await expect(s.server.broker.produce("h-tx", 1, txBatch(producerId, producerEpoch))).rejects.toMatchObject({ code: "INVALID_TXN_STATE" });
    await s.server.broker.produce("h-tx", 0, txBatch(producerId, producerEpoch));
    expect((await end("h-2", producerId, producerEpoch, false)).errorCode).toBe(0);
    expect((await end("h-2", producerId, producerEpoch, false)).errorCode).toBe(0); // a retry of a finished abort
    expect((await end("h-2", producerId, producerEpoch, true)).errorCode).toBe(48); // the opposite end
    // After a new instance, the old epoch's produce is INVALID_PRODUCER_EPOCH.
    await init("h-2");
    await expect(s.server.broker.produce("h-tx", 0, txBatch(producerId, producerEpoch, 1))).rejects.toMatchObject({ code: "INVALID_PRODUCER_EPOCH" });
  });

  it("TxnOffsetCommit holds offsets until the commit; an abort drops them", async () => {
    for (const committed of [false, true]) {
      const id = `h-off-${committed}`;
      const { producerId, producerEpoch } = await init(id);
      expect((await call(ApiKey.AddOffsetsToTxn, 3, { transactionalId: id, producerId, producerEpoch, groupId: id })).errorCode).toBe(0);
      const r = await call(ApiKey.TxnOffsetCommit, 3, {
        transactionalId: id, groupId: id, producerId, producerEpoch, generationId: -1, memberId: "", groupInstanceId: null,
        topics: [{ name: "h-tx", partitions: [{ partitionIndex: 1, committedOffset: 42n, committedLeaderEpoch: -1, committedMetadata: "m" }, { partitionIndex: 9, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
      expect(r.topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode])).toEqual([[1, 0], [9, 3]]);
      const before = s.server.coordinator.fetchOffsets({ groupId: id, topics: [{ name: "h-tx", partitionIndexes: [1] }] });
      expect(before.topics[0]!.partitions[0]!.committedOffset).toBe(-1n);
      expect((await end(id, producerId, producerEpoch, committed)).errorCode).toBe(0);
      const after = s.server.coordinator.fetchOffsets({ groupId: id, topics: [{ name: "h-tx", partitionIndexes: [1] }] });
      expect(after.topics[0]!.partitions[0]!.committedOffset).toBe(committed ? 42n : -1n);
    }
  });

  it("an abandoned transaction is aborted after transaction.timeout.ms, fencing its producer", async () => {
    const { producerId, producerEpoch } = await init("h-timeout", 4, 200);
    await add("h-timeout", producerId, producerEpoch, "h-tx", [1]);
    await s.server.broker.produce("h-tx", 1, txBatch(producerId, producerEpoch));
    const held = await s.server.broker.listOffsets("h-tx", 1, "latest", "read_committed");
    expect(held.offset).toBeLessThan((await s.server.broker.listOffsets("h-tx", 1, "latest")).offset);
    await eventually(() => s.server.transactions.describe(["h-timeout"])[0]!.transactionState === "CompleteAbort", 5000, "timeout abort");
    const [lso, end_] = await Promise.all([s.server.broker.listOffsets("h-tx", 1, "latest", "read_committed"), s.server.broker.listOffsets("h-tx", 1, "latest")]);
    expect(lso.offset).toBe(end_.offset);
    expect(s.server.transactions.describe(["h-timeout"])[0]!.producerEpoch).toBe(producerEpoch + 1);
    expect((await end("h-timeout", producerId, producerEpoch, true, 1)).errorCode).toBe(47);
  });

  it("DescribeTransactions and ListTransactions over the wire", async () => {
    const { producerId, producerEpoch } = await init("h-desc");
    await add("h-desc", producerId, producerEpoch, "h-tx", [0, 1]);
    const at = (await s.server.broker.produce("h-tx", 0, txBatch(producerId, producerEpoch))).baseOffset;
    const producers = await call(ApiKey.DescribeProducers, 0, { topics: [{ name: "h-tx", partitionIndexes: [0] }] });
    const mine = producers.topics[0]!.partitions[0]!.activeProducers.find((p) => p.producerId === producerId);
    expect(mine?.currentTxnStartOffset).toBe(at);
    const d = await call(ApiKey.DescribeTransactions, 0, { transactionalIds: ["h-desc", "missing"] });
    expect(d.transactionStates.map((t) => [t.transactionalId, t.errorCode, t.transactionState])).toEqual([["h-desc", 0, "Ongoing"], ["missing", 105, ""]]);
    expect(d.transactionStates[0]!.topics).toEqual([{ topic: "h-tx", partitions: [0, 1] }]);
    const l = await call(ApiKey.ListTransactions, 1, { stateFilters: ["Ongoing", "Nope"], producerIdFilters: [], durationFilter: -1n });
    expect(l.unknownStateFilters).toEqual(["Nope"]);
    expect(l.transactionStates.map((t) => t.transactionalId)).toContain("h-desc");
    await end("h-desc", producerId, producerEpoch, false);
  });
});

describe("__transaction_state records", () => {
  const record: TxnStateRecord = {
    producerId: 77n,
    producerEpoch: 3,
    timeoutMs: 60_000,
    status: "PrepareCommit",
    partitions: new Map([["t", new Set([0, 2])]]),
    lastUpdateMs: 1_700_000_000_123,
    startMs: 1_700_000_000_000,
    pendingOffsets: [{ group: "g", topic: "in", partition: 1, offset: 42n, leaderEpoch: -1, metadata: null }],
  };

  it("round-trips in Kafka's layout (key v0, value v1 with the pending offsets in tagged field 100)", () => {
    expect([...encodeTxnKey("tx")]).toEqual([0, 0, 0, 2, 0x74, 0x78]);
    expect(decodeTxnKey(encodeTxnKey("tx-ü"))).toBe("tx-ü");
    expect(decodeTxnValue(encodeTxnValue(record))).toEqual(record);
    const plain = encodeTxnValue({ ...record, pendingOffsets: [] });
    expect(plain[plain.length - 1]).toBe(0); // empty tagged-field section
    expect(decodeTxnValue(plain).pendingOffsets).toEqual([]);
  });

  it("corrupt or unknown records are StorageErrors (the replay skips them)", () => {
    const bytes = encodeTxnValue(record);
    expect(() => decodeTxnValue(bytes.subarray(0, 20))).toThrow();
    const badVersion = bytes.slice();
    badVersion[1] = 9;
    expect(() => decodeTxnValue(badVersion)).toThrow(StorageError);
    const badStatus = bytes.slice();
    badStatus[16] = 99; // version 2 + producer id 8 + epoch 2 + timeout 4 = status at 16
    expect(() => decodeTxnValue(badStatus)).toThrow(StorageError);
    expect(() => decodeTxnKey(Uint8Array.of(0, 1, 0, 0))).toThrow(StorageError);
  });
});

