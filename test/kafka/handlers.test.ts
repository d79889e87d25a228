// The handler table (src/frontends/kafka/handlers) driven directly, without sockets: every registered API has a
// handler, and the per-partition rules of Produce, Fetch, Metadata and CreateTopics give Kafka errors as
// data (one bad partition never fails the others).

import { beforeAll, describe, expect, it } from "vitest";
import { dispatch, handlers, NO_RESPONSE, type KafkaBrokerContext } from "../../src/frontends/kafka/handlers/index.js";
import { checkBatch } from "../../src/frontends/kafka/handlers/produce.js";
import { wholeBatchesWithin } from "../../src/frontends/kafka/handlers/fetch.js";
import { encodeRecordBatch } from "../../src/core/index.js";
import { ApiKey, decodeResponseFrame, registrations, type ApiKeyValue, type DecodedRequest, type RequestOf, type ResponseOf } from "../../src/protocol/kafka/index.js";
import { concat } from "../../src/protocol/kafka/index.js";
import { kafkaServers, type KafkaTestServer } from "./helpers.js";
import { handlerContext } from "./handler-context.js";

const servers = kafkaServers();
let s: KafkaTestServer;
let ctx: KafkaBrokerContext;

async function call<K extends ApiKeyValue>(apiKey: K, version: number, request: RequestOf<K>): Promise<ResponseOf<K> | typeof NO_RESPONSE> {
  const decoded = { apiKey, header: { apiKey, apiVersion: version, correlationId: 1, clientId: "t" }, request } as DecodedRequest;
  const parts = await dispatch(ctx, decoded, { header: decoded.header, clientHost: "/127.0.0.1", signal: new AbortController().signal });
  if (parts === null) return NO_RESPONSE;
  return decodeResponseFrame(apiKey, version, concat(parts).subarray(4)).response;
}

const batch = (n = 1) => encodeRecordBatch(Array.from({ length: n }, (_, i) => ({ value: `v${i}`, timestamp: 1_700_000_000_000 })));
const withAttributes = (b: Uint8Array, attributes: number) => {
  const copy = new Uint8Array(b);
  new DataView(copy.buffer).setInt16(21, attributes);
  return copy;
};

beforeAll(async () => {
  s = await servers.start();
  await s.server.broker.createTopic("h", { partitions: 2 });
  ctx = handlerContext(s);
});

describe("dispatch table", () => {
  it("has a handler for every registered API", () => {
    for (const reg of registrations) expect(typeof handlers[reg.key], reg.name).toBe("function");
    expect(Object.keys(handlers).map(Number).sort((a, b) => a - b)).toEqual(registrations.map((r) => r.key).sort((a, b) => a - b));
  });
});

describe("Produce", () => {
  it("checkBatch: exactly one magic-2 batch, zstd from v7; transactional batches pass (the coordinator checks them)", () => {
    const b = batch(3);
    expect(checkBatch(b, 7)).toBe(0);
    expect(checkBatch(null, 7)).toBe(87);
    expect(checkBatch(new Uint8Array(0), 7)).toBe(87);
    expect(checkBatch(b.subarray(0, 10), 7)).toBe(2);
    expect(checkBatch(b.subarray(0, b.length - 1), 7)).toBe(2);
    expect(checkBatch(concat([b, b]), 7)).toBe(87);
    const magic1 = new Uint8Array(b);
    magic1[16] = 1;
    expect(checkBatch(magic1, 7)).toBe(87);
    expect(checkBatch(withAttributes(b, 4), 6)).toBe(76);
    expect(checkBatch(withAttributes(b, 0x10), 7)).toBe(0);
  });

  it("errors are per partition: a bad partition does not fail the good one", async () => {
    const res = await call(ApiKey.Produce, 7, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 5000,
      topicData: [
        { name: "h", partitionData: [{ index: 0, records: batch(2) }, { index: 7, records: batch() }, { index: 1, records: concat([batch(), batch()]) }] },
        { name: "missing", partitionData: [{ index: 0, records: batch() }] },
      ],
    });
    if (res === NO_RESPONSE) throw new Error("expected a response");
    expect(res.responses.map((t) => t.partitionResponses.map((p) => [p.index, p.errorCode]))).toEqual([[[0, 0], [7, 3], [1, 87]], [[0, 3]]]);
    expect(res.responses[0]!.partitionResponses[0]!.logStartOffset).toBe(0n);
  });

  it("acks=0 answers nothing; bad acks are INVALID_REQUIRED_ACKS; a transactional batch outside a transaction is INVALID_TXN_STATE", async () => {
    const req = (acks: number, transactionalId: string | null = null) => ({ transactionalId, acks, timeoutMs: 1000, topicData: [{ name: "h", partitionData: [{ index: 0, records: batch() }] }] });
    expect(await call(ApiKey.Produce, 7, req(0))).toBe(NO_RESPONSE);
    const bad = await call(ApiKey.Produce, 7, req(2));
    expect(bad !== NO_RESPONSE && bad.responses[0]!.partitionResponses[0]!.errorCode).toBe(21);
    const plain = await call(ApiKey.Produce, 7, req(1, "tx"));
    expect(plain !== NO_RESPONSE && plain.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    const transactional = encodeRecordBatch([{ value: "t" }], { producerId: 999n, producerEpoch: 0, baseSequence: 0, attributes: 0x10 });
    const txn = await call(ApiKey.Produce, 7, { ...req(1, "tx"), topicData: [{ name: "h", partitionData: [{ index: 0, records: transactional }] }] });
    expect(txn !== NO_RESPONSE && txn.responses[0]!.partitionResponses[0]!.errorCode).toBe(48);
  });
});

describe("Fetch", () => {
  it("wholeBatchesWithin cuts at batch boundaries", () => {
    const a = batch(1);
    const b = batch(5);
    const both = concat([a, b]);
    expect(wholeBatchesWithin(both, both.length)).toBe(both);
    expect(wholeBatchesWithin(both, a.length + 3).length).toBe(a.length);
    expect(wholeBatchesWithin(both, a.length - 1).length).toBe(0);
  });

  it("keeps the response within maxBytes across partitions (the first partition whole), errors per partition", async () => {
    await s.server.broker.createTopic("hf", { partitions: 2 });
    for (let i = 0; i < 4; i++) {
      await s.server.broker.produce("hf", 0, batch(50));
      await s.server.broker.produce("hf", 1, batch(50));
    }
    const one = batch(50).length;
    const res = await call(ApiKey.Fetch, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: one * 3, isolationLevel: 1, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: "hf", partitions: [0, 1, 9].map((partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 })) }],
      forgottenTopicsData: [], rackId: "",
    });
    if (res === NO_RESPONSE) throw new Error("expected a response");
    const parts = res.responses[0]!.partitions;
    expect(parts.map((p) => p.errorCode)).toEqual([0, 0, 3]);
    const sizes = parts.map((p) => (p.records as Uint8Array | null)?.length ?? 0);
    expect(sizes[0]! + sizes[1]!).toBeLessThanOrEqual(one * 3);
    expect(sizes[0]).toBeGreaterThan(0);
    expect(parts[0]).toMatchObject({ highWatermark: 200n, lastStableOffset: 200n, logStartOffset: 0n, preferredReadReplica: -1 });
    expect(res.sessionId).toBe(0);
  });
});

describe("Metadata and CreateTopics", () => {
  it("unknown topics are UNKNOWN_TOPIC_OR_PARTITION unless auto-creation is on; bad names INVALID_TOPIC_EXCEPTION", async () => {
    const res = await call(ApiKey.Metadata, 6, { topics: [{ name: "h" }, { name: "nope" }, { name: "bad name" }], allowAutoTopicCreation: true });
    if (res === NO_RESPONSE) throw new Error("expected a response");
    expect(res.topics.map((t) => [t.name, t.errorCode, t.partitions.length])).toEqual([["h", 0, 2], ["nope", 3, 0], ["bad name", 17, 0]]);
    expect(res).toMatchObject({ controllerId: 1, clusterId: "test-cluster", brokers: [{ nodeId: 1, host: "127.0.0.1", port: s.kafkaPort }] });
    const auto = { ...ctx, autoCreateTopics: true, defaultPartitions: 3 };
    const saved = ctx;
    ctx = auto;
    try {
      const created = await call(ApiKey.Metadata, 6, { topics: [{ name: "auto-created" }], allowAutoTopicCreation: true });
      expect(created !== NO_RESPONSE && created.topics[0]!.partitions.length).toBe(3);
      const notAsked = await call(ApiKey.Metadata, 6, { topics: [{ name: "auto-no" }], allowAutoTopicCreation: false });
      expect(notAsked !== NO_RESPONSE && notAsked.topics[0]!.errorCode).toBe(3);
    } finally {
      ctx = saved;
    }
  });

  it("CreateTopics: per-topic errors, validateOnly creates nothing", async () => {
    const topic = (name: string, numPartitions = 1, replicationFactor = 1, configs: { name: string; value: string | null }[] = []) => ({ name, numPartitions, replicationFactor, assignments: [], configs });
    const res = await call(ApiKey.CreateTopics, 4, {
      topics: [topic("c1", 2), topic("h"), topic("c2", 1, 3), topic("c3", 0), topic("c4", 1, 1, [{ name: "retention.ms", value: "x" }]), topic("dup"), topic("dup"), topic("c5", -1, -1, [{ name: "cleanup.policy", value: "compact" }])],
      timeoutMs: 1000,
      validateOnly: false,
    });
    if (res === NO_RESPONSE) throw new Error("expected a response");
    expect(res.topics.map((t) => [t.name, t.errorCode])).toEqual([["c1", 0], ["h", 36], ["c2", 38], ["c3", 37], ["c4", 40], ["dup", 42], ["dup", 42], ["c5", 0]]);
    expect(s.server.broker.topic("c5")).toMatchObject({ partitions: 1, configs: { "cleanup.policy": "compact" } });
    const dry = await call(ApiKey.CreateTopics, 4, { topics: [topic("dry", 4)], timeoutMs: 1000, validateOnly: true });
    expect(dry !== NO_RESPONSE && dry.topics[0]!.errorCode).toBe(0);
    expect(s.server.broker.topic("dry")).toBeUndefined();
  });
});
