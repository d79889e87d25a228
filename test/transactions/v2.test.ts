// Transactions v2 (KIP-890 part 2). Golden bytes for EndTxn v5, TxnOffsetCommit v5 and the ApiVersions
// feature fields, assembled by hand from Kafka 4.1's message definitions; then a producer speaking v2 over
// a real socket to a running broker: InitProducerId → transactional Produce v12 with no AddPartitionsToTxn →
// EndTxn v5 (the epoch bumps, the markers carry it) → a zombie at the old epoch fenced on Produce and
// EndTxn, a retried EndTxn answered with the same id/epoch, an abort, TxnOffsetCommit v5 with no
// AddOffsetsToTxn, and a read_committed Fetch seeing each transaction all-or-nothing; last, a restart.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Attributes, batchSpans, decodeRecordBatch, encodeRecordBatch } from "../../src/core/index.js";
import { ApiKey, Reader, Writer, apiVersions, endTxn, txnOffsetCommit } from "../../src/protocol/kafka/index.js";
import { toHex } from "../protocol/kafka/fixtures.js";
import { kafkaServers, type KafkaTestServer } from "../kafka/helpers.js";
import { Connection } from "./wire.js";

const hex = (n: number | bigint, width: number) => BigInt.asUintN(width * 8, BigInt(n)).toString(16).padStart(width * 2, "0");
const i16 = (n: number) => hex(n, 2);
const i32 = (n: number) => hex(n, 4);
const i64 = (n: bigint) => hex(n, 8);
const uv = (n: number) => hex(n, 1); // every length below is < 128: one uvarint byte
const cstr = (s: string) => uv(Buffer.byteLength(s) + 1) + Buffer.from(s).toString("hex");

describe("golden frames (Kafka 4.1 JSON definitions)", () => {
  it("EndTxnResponse v5 carries producer_id and producer_epoch; v4 does not", () => {
    const w = new Writer();
    endTxn.encodeResponse(w, 5, { throttleTimeMs: 0, errorCode: 0, producerId: 4242n, producerEpoch: 7 });
    const bytes = w.toBytes();
    expect(toHex(bytes)).toBe(i32(0) + i16(0) + i64(4242n) + i16(7) + uv(0));
    expect(endTxn.decodeResponse(new Reader(bytes), 5)).toMatchObject({ errorCode: 0, producerId: 4242n, producerEpoch: 7 });
    const v4 = new Writer();
    endTxn.encodeResponse(v4, 4, { throttleTimeMs: 0, errorCode: 0, producerId: 4242n, producerEpoch: 7 });
    expect(toHex(v4.toBytes())).toBe(i32(0) + i16(0) + uv(0));
  });

  it("EndTxnRequest v5 is v4's bytes", () => {
    const expected = cstr("tx-1") + i64(9n) + i16(3) + "01" + uv(0);
    const req = endTxn.decodeRequest(new Reader(Buffer.from(expected, "hex")), 5);
    expect(req).toEqual({ transactionalId: "tx-1", producerId: 9n, producerEpoch: 3, committed: true });
    const w = new Writer();
    endTxn.encodeRequest(w, 5, req);
    expect(toHex(w.toBytes())).toBe(expected);
  });

  it("TxnOffsetCommitRequest v5: v4's flexible layout, group membership fields included", () => {
    const expected =
      cstr("tx-1") + cstr("g-1") + i64(9n) + i16(3) + i32(-1) + cstr("") + uv(0) /* group_instance_id null */ +
      uv(2) + cstr("t") + uv(2) + i32(1) + i64(100n) + i32(-1) + uv(0) /* metadata null */ + uv(0) + uv(0) + uv(0);
    const req = txnOffsetCommit.decodeRequest(new Reader(Buffer.from(expected, "hex")), 5);
    expect(req).toMatchObject({ transactionalId: "tx-1", groupId: "g-1", producerEpoch: 3, generationId: -1, memberId: "", groupInstanceId: null });
    expect(req.topics).toEqual([{ name: "t", partitions: [{ partitionIndex: 1, committedOffset: 100n, committedLeaderEpoch: -1, committedMetadata: null }] }]);
    const w = new Writer();
    txnOffsetCommit.encodeRequest(w, 5, req);
    expect(toHex(w.toBytes())).toBe(expected);
  });

  const features: apiVersions.ApiVersionsResponse = {
    errorCode: 0,
    apiKeys: [{ apiKey: 26, minVersion: 0, maxVersion: 5 }],
    throttleTimeMs: 0,
    supportedFeatures: [{ name: "transaction.version", minVersion: 0, maxVersion: 2 }],
    finalizedFeaturesEpoch: 1n,
    finalizedFeatures: [{ name: "transaction.version", maxVersionLevel: 2, minVersionLevel: 2 }],
  };
  const head = i16(0) + uv(2) + i16(26) + i16(0) + i16(5) + uv(0) + i32(0);
  const supported = uv(2) + cstr("transaction.version") + i16(0) + i16(2) + uv(0);
  const finalized = uv(2) + cstr("transaction.version") + i16(2) + i16(2) + uv(0);
  const epoch = i64(1n);
  const tag = (n: number, body: string) => uv(n) + uv(body.length / 2) + body;

  it("ApiVersionsResponse v4 tagged fields: SupportedFeatures (0), FinalizedFeaturesEpoch (1), FinalizedFeatures (2)", () => {
    const w = new Writer();
    apiVersions.encodeResponse(w, 4, features);
    const bytes = w.toBytes();
    expect(toHex(bytes)).toBe(head + uv(3) + tag(0, supported) + tag(1, epoch) + tag(2, finalized));
    expect(apiVersions.decodeResponse(new Reader(bytes), 4)).toEqual(features);
  });

  it("ApiVersionsResponse v3 omits supported features whose min_version is 0 (spec note for v0-3); v2 has no tags", () => {
    const w = new Writer();
    apiVersions.encodeResponse(w, 3, features);
    expect(toHex(w.toBytes())).toBe(head + uv(2) + tag(1, epoch) + tag(2, finalized));
    const v2 = new Writer();
    apiVersions.encodeResponse(v2, 2, features);
    expect(toHex(v2.toBytes())).toBe(i16(0) + i32(1) + i16(26) + i16(0) + i16(5) + i32(0));
  });
});

const servers = kafkaServers();
let s: KafkaTestServer;
let conn: Connection;
const TOPIC = "v2-orders";

const txBatch = (producerId: bigint, producerEpoch: number, baseSequence: number, ...values: string[]) =>
  encodeRecordBatch(values.map((value) => ({ value })), { producerId, producerEpoch, baseSequence, attributes: Attributes.TRANSACTIONAL });
const produce = async (producerId: bigint, producerEpoch: number, baseSequence: number, partition: number, ...values: string[]) => {
  const r = await conn.call(ApiKey.Produce, 12, {
    transactionalId: "v2-tx",
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: TOPIC, partitionData: [{ index: partition, records: txBatch(producerId, producerEpoch, baseSequence, ...values) }] }],
  });
  return r.responses[0]!.partitionResponses[0]!.errorCode;
};
const end = (producerId: bigint, producerEpoch: number, committed: boolean, id = "v2-tx") =>
  conn.call(ApiKey.EndTxn, 5, { transactionalId: id, producerId, producerEpoch, committed });
/** Data values a read_committed (or read_uncommitted) consumer sees on a partition, and the partition's LSO. */
async function read(partition: number, isolationLevel: 0 | 1) {
  const r = await conn.call(ApiKey.Fetch, 11, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: TOPIC, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [], rackId: "",
  });
  const p = r.responses[0]!.partitions[0]!;
  const bytes = (p.records ?? new Uint8Array()) as Uint8Array;
  const aborted = new Set((p.abortedTransactions ?? []).map((a) => a.firstOffset));
  const out: string[] = [];
  // The consumer's rule: from an aborted transaction's first offset, skip that producer's data until its marker.
  let skipping = false;
  for (const span of batchSpans(bytes)) {
    const b = decodeRecordBatch(bytes.subarray(span.start, span.start + span.size));
    if (aborted.has(b.baseOffset)) skipping = true;
    if ((b.attributes & Attributes.CONTROL) !== 0) {
      skipping = false;
      continue;
    }
    if (!skipping) out.push(...b.records.map((rec) => new TextDecoder().decode(rec.value!)));
  }
  return { values: out, lastStableOffset: p.lastStableOffset, highWatermark: p.highWatermark };
}

beforeAll(async () => {
  s = await servers.start({ transactions: { abortCheckMs: 50, maxTimeoutMs: 120_000 } });
  await s.server.broker.createTopic(TOPIC, { partitions: 2 });
  conn = await Connection.open(s.kafkaPort);
});
afterAll(() => conn?.close());

describe("a transactions v2 producer over the wire", () => {
  it("ApiVersions v3/v4 finalizes transaction.version 2 and advertises EndTxn v5, TxnOffsetCommit v5", async () => {
    const r = await conn.call(ApiKey.ApiVersions, 4, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    expect(r.finalizedFeatures).toEqual([{ name: "transaction.version", maxVersionLevel: 2, minVersionLevel: 2 }]);
    expect(r.finalizedFeaturesEpoch).toBeGreaterThanOrEqual(0n);
    expect(r.supportedFeatures).toEqual([{ name: "transaction.version", minVersion: 0, maxVersion: 2 }]);
    const max = (key: number) => r.apiKeys.find((k) => k.apiKey === key)?.maxVersion;
    expect([max(ApiKey.EndTxn), max(ApiKey.TxnOffsetCommit), max(ApiKey.AddPartitionsToTxn)]).toEqual([5, 5, 3]);
    const v3 = await conn.call(ApiKey.ApiVersions, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    expect([v3.supportedFeatures, v3.finalizedFeatures?.[0]?.maxVersionLevel]).toEqual([undefined, 2]);
  });

  let pid = -1n;
  let epoch = -1;

  it("commit: Produce v12 adds the partitions, EndTxn v5 bumps the epoch; read_committed sees nothing before, all after", async () => {
    const init = await conn.call(ApiKey.InitProducerId, 5, { transactionalId: "v2-tx", transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    expect(init.errorCode).toBe(0);
    [pid, epoch] = [init.producerId, init.producerEpoch];
    expect(await produce(pid, epoch, 0, 0, "c1", "c2")).toBe(0);
    expect(await produce(pid, epoch, 0, 1, "c3")).toBe(0);
    const described = await conn.call(ApiKey.DescribeTransactions, 0, { transactionalIds: ["v2-tx"] });
    expect(described.transactionStates[0]).toMatchObject({ transactionState: "Ongoing", producerEpoch: epoch });
    expect(described.transactionStates[0]!.topics).toEqual([{ topic: TOPIC, partitions: [0, 1] }]);
    expect((await read(0, 1)).values).toEqual([]);
    expect((await read(0, 0)).values).toEqual(["c1", "c2"]);

    const ended = await end(pid, epoch, true);
    expect(ended).toMatchObject({ errorCode: 0, producerId: pid, producerEpoch: epoch + 1 });
    expect((await read(0, 1)).values).toEqual(["c1", "c2"]);
    expect((await read(1, 1)).values).toEqual(["c3"]);
    const p0 = await read(0, 1);
    expect(p0.lastStableOffset).toBe(p0.highWatermark);
    // The commit marker carries the bumped epoch (written by the coordinator, not the client).
    const raw = await conn.call(ApiKey.Fetch, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: "",
    });
    const bytes = raw.responses[0]!.partitions[0]!.records as Uint8Array;
    const marker = [...batchSpans(bytes)].map((sp) => decodeRecordBatch(bytes.subarray(sp.start, sp.start + sp.size))).find((b) => (b.attributes & Attributes.CONTROL) !== 0);
    expect(marker?.producerEpoch).toBe(epoch + 1);
  });

  it("a retried EndTxn v5 (one epoch behind) answers NONE with the same id and epoch; the other outcome is INVALID_TXN_STATE", async () => {
    expect(await end(pid, epoch, true)).toMatchObject({ errorCode: 0, producerId: pid, producerEpoch: epoch + 1 });
    expect((await end(pid, epoch, false)).errorCode).toBe(48);
    epoch += 1;
  });

  it("the zombie at the old epoch is fenced: Produce INVALID_PRODUCER_EPOCH, EndTxn PRODUCER_FENCED; nothing it wrote is visible", async () => {
    expect(await produce(pid, epoch - 1, 1, 0, "zombie")).toBe(47);
    // A new transaction at the current epoch (sequence restarts at 0 for the new epoch).
    expect(await produce(pid, epoch, 0, 0, "a1")).toBe(0);
    expect((await end(pid, epoch - 2, true)).errorCode).toBe(90);
    expect((await end(pid, epoch - 1, true))).toMatchObject({ errorCode: 90, producerId: -1n, producerEpoch: -1 });
    expect((await end(pid + 1000n, epoch, true)).errorCode).toBe(49);
  });

  it("abort: the data stays invisible to read_committed, the epoch bumps again; a commit with nothing open is INVALID_TXN_STATE", async () => {
    const ended = await end(pid, epoch, false);
    expect(ended).toMatchObject({ errorCode: 0, producerId: pid, producerEpoch: epoch + 1 });
    epoch += 1;
    expect((await read(0, 1)).values).toEqual(["c1", "c2"]);
    expect((await read(0, 0)).values).toContain("a1");
    expect((await end(pid, epoch, true)).errorCode).toBe(48);
    // An abort with nothing open (a produce whose implicit add failed) is allowed and bumps the epoch.
    expect(await end(pid, epoch, false)).toMatchObject({ errorCode: 0, producerEpoch: epoch + 1 });
    epoch += 1;
  });

  it("TxnOffsetCommit v5 adds the group without AddOffsetsToTxn; the offsets appear only when the transaction commits", async () => {
    expect(await produce(pid, epoch, 0, 1, "o1")).toBe(0);
    const commit = await conn.call(ApiKey.TxnOffsetCommit, 5, {
      transactionalId: "v2-tx", groupId: "v2-group", producerId: pid, producerEpoch: epoch, generationId: -1, memberId: "", groupInstanceId: null,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 1, committedOffset: 42n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(0);
    const fetchOffset = async () => {
      const r = await conn.call(ApiKey.OffsetFetch, 5, { groupId: "v2-group", topics: [{ name: TOPIC, partitionIndexes: [1] }] });
      return r.topics[0]!.partitions[0]!.committedOffset;
    };
    expect(await fetchOffset()).toBe(-1n);
    expect((await end(pid, epoch, true)).errorCode).toBe(0);
    epoch += 1;
    expect(await fetchOffset()).toBe(42n);
    expect((await read(1, 1)).values).toEqual(["c3", "o1"]);
    // A stale epoch on TxnOffsetCommit v5 is fenced and starts nothing.
    const stale = await conn.call(ApiKey.TxnOffsetCommit, 5, {
      transactionalId: "v2-tx", groupId: "v2-group", producerId: pid, producerEpoch: epoch - 1, generationId: -1, memberId: "", groupInstanceId: null,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 1, committedOffset: 7n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(stale.topics[0]!.partitions[0]!.errorCode).toBe(47);
  });

  it("a v1 client keeps v1 semantics: EndTxn v4 keeps the epoch, Produce v11 without AddPartitionsToTxn is INVALID_TXN_STATE", async () => {
    const init = await conn.call(ApiKey.InitProducerId, 4, { transactionalId: "v1-tx", transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    const r = await conn.call(ApiKey.Produce, 11, {
      transactionalId: "v1-tx", acks: -1, timeoutMs: 5000,
      topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: txBatch(init.producerId, init.producerEpoch, 0, "v1") }] }],
    });
    expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(48);
    await conn.call(ApiKey.AddPartitionsToTxn, 3, { transactionalId: "v1-tx", producerId: init.producerId, producerEpoch: init.producerEpoch, topics: [{ name: TOPIC, partitions: [0] }] });
    const ok = await conn.call(ApiKey.Produce, 11, {
      transactionalId: "v1-tx", acks: -1, timeoutMs: 5000,
      topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: txBatch(init.producerId, init.producerEpoch, 0, "v1") }] }],
    });
    expect(ok.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    const ended = await conn.call(ApiKey.EndTxn, 4, { transactionalId: "v1-tx", producerId: init.producerId, producerEpoch: init.producerEpoch, committed: true });
    expect(ended.errorCode).toBe(0);
    const described = await conn.call(ApiKey.DescribeTransactions, 0, { transactionalIds: ["v1-tx"] });
    expect(described.transactionStates[0]).toMatchObject({ transactionState: "CompleteCommit", producerEpoch: init.producerEpoch });
  });

  it("a transactional batch in a Produce without a transactional id: TRANSACTIONAL_ID_AUTHORIZATION_FAILED everywhere, nothing appended", async () => {
    const before = await read(0, 0);
    for (const version of [11, 12]) {
      const r = await conn.call(ApiKey.Produce, version, {
        transactionalId: null, acks: -1, timeoutMs: 5000,
        topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: txBatch(pid, epoch, 0, "no-id") }, { index: 1, records: encodeRecordBatch([{ value: "plain" }]) }] }],
      });
      expect(r.responses[0]!.partitionResponses.map((p: { errorCode: number }) => p.errorCode)).toEqual([53, 53]);
    }
    expect(await read(0, 0)).toEqual(before);
  });

  it("hostile v2 requests: an unknown producer id, a missing partition, an unknown transactional id, a future epoch", async () => {
    expect(await produce(pid + 5000n, 0, 0, 0, "nobody")).toBe(48);
    const missing = await conn.call(ApiKey.Produce, 12, {
      transactionalId: "v2-tx", acks: -1, timeoutMs: 5000,
      topicData: [{ name: TOPIC, partitionData: [{ index: 7, records: txBatch(pid, epoch, 0, "nowhere") }] }],
    });
    expect(missing.responses[0]!.partitionResponses[0]!.errorCode).toBe(3);
    const described = await conn.call(ApiKey.DescribeTransactions, 0, { transactionalIds: ["v2-tx"] });
    expect(described.transactionStates[0]).toMatchObject({ transactionState: "CompleteCommit", topics: [] });
    expect(await end(pid, epoch, true, "v2-nobody")).toEqual({ throttleTimeMs: 0, errorCode: 49, producerId: -1n, producerEpoch: -1 });
    expect(await produce(pid, epoch + 3, 0, 0, "future")).toBe(48);
    expect((await end(pid, epoch + 3, false)).errorCode).toBe(90);
  });

  it("after a restart the bumped epoch is the current one: the old epoch stays fenced, the new one runs a transaction", async () => {
    conn.close();
    await s.restart();
    conn = await Connection.open(s.kafkaPort);
    expect(await produce(pid, epoch - 1, 5, 0, "zombie-2")).toBe(47);
    expect(await produce(pid, epoch, 0, 0, "r1")).toBe(0);
    expect(await end(pid, epoch, true)).toMatchObject({ errorCode: 0, producerEpoch: epoch + 1 });
    expect((await read(0, 1)).values).toEqual(["c1", "c2", "v1", "r1"]);
  });
});
