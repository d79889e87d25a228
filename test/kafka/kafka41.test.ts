// The Kafka 4.1 versions end to end on a running broker: Produce v13 and Fetch v18 by topic id, InitProducerId
// v6 refusing two-phase commit as Kafka 4.1 does without transaction.two.phase.commit.enable, ListTransactions
// v2's id pattern, and ConsumerGroupDescribe v1's member type. Handlers are driven through dispatch (requests
// are encoded and decoded again before it, and so are responses after it, so the wire format is in the loop); the last block talks to the
// Kafka listener over a socket across a broker restart, and sends it a hostile v13 frame.

import { createConnection } from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { batchSpans, decodeRecordBatch, encodeRecordBatch } from "../../src/core/index.js";
import { dispatch, NO_RESPONSE, type KafkaBrokerContext } from "../../src/frontends/kafka/handlers/index.js";
import { topicIdBytes } from "../../src/frontends/kafka/handlers/topic-ids.js";
import { produceGuard, fetchGuard } from "../../src/frontends/kafka/handlers/guards-data.js";
import {
  ApiKey,
  FrameDecoder,
  concat,
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  type ApiKeyValue,
  type DecodedRequest,
  type FetchRequest,
  type ProduceRequest,
  type RequestOf,
  type ResponseOf,
} from "../../src/protocol/kafka/index.js";
import { Operation, ResourceType, type Operation as Op, type ResourceType as RT } from "../../src/security/index.js";
import { kafkaServers, type KafkaTestServer } from "./helpers.js";
import { handlerContext } from "./handler-context.js";

const servers = kafkaServers();
let s: KafkaTestServer;
let ctx: KafkaBrokerContext;

/** Encodes the request frame and decodes it again before dispatch, so fields a version lacks are dropped. */
async function call<K extends ApiKeyValue>(apiKey: K, version: number, request: RequestOf<K>): Promise<ResponseOf<K>> {
  const decoded = decodeRequestFrame(concat(encodeRequestFrame(apiKey, version, 1, "k41", request)).subarray(4));
  const parts = await dispatch(ctx, decoded, { header: decoded.header, clientHost: "/127.0.0.1", signal: new AbortController().signal });
  if (parts === null) throw new Error("no response");
  return decodeResponseFrame(apiKey, version, concat(parts).subarray(4)).response;
}

const batch = (...values: string[]) => encodeRecordBatch(values.map((value) => ({ value, timestamp: 1_700_000_000_000 })));
const idOf = (topic: string) => topicIdBytes(s.server.broker.topic(topic)!);
const UNKNOWN = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const produceById = (topicId: Uint8Array, partitions: Array<[number, Uint8Array]>, acks = -1): ProduceRequest => ({
  transactionalId: null,
  acks,
  timeoutMs: 5000,
  topicData: [{ name: "", topicId, partitionData: partitions.map(([index, records]) => ({ index, records })) }],
});
const fetchById = (topicId: Uint8Array, partition: number, fetchOffset: bigint): FetchRequest => ({
  replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
  topics: [{ topic: "", topicId, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
  forgottenTopicsData: [], rackId: "",
});
const values = (records: unknown) => {
  const bytes = records as Uint8Array;
  return [...batchSpans(bytes)].flatMap((span) => decodeRecordBatch(bytes.subarray(span.start, span.start + span.size)).records.map((r) => new TextDecoder().decode(r.value!)));
};

beforeAll(async () => {
  s = await servers.start();
  await s.server.broker.createTopic("k41", { partitions: 2 });
  await s.server.broker.createTopic("k41-other", { partitions: 1 });
  ctx = handlerContext(s);
});

describe("Produce v13 and Fetch v18 by topic id", () => {
  it("appends by id, echoes the id, and Fetch v18 reads the records back by id", async () => {
    const id = idOf("k41");
    const res = await call(ApiKey.Produce, 13, produceById(id, [[0, batch("a", "b")], [1, batch("c")]]));
    expect(res.responses).toHaveLength(1);
    expect(res.responses[0]!.name).toBe("");
    expect(res.responses[0]!.topicId).toEqual(id);
    expect(res.responses[0]!.partitionResponses.map((p) => [p.index, p.errorCode, p.baseOffset])).toEqual([[0, 0, 0n], [1, 0, 0n]]);

    const fetched = await call(ApiKey.Fetch, 18, { ...fetchById(id, 0, 0n), topics: [{ topic: "", topicId: id, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20, highWatermark: 1n }] }] });
    expect(fetched.errorCode).toBe(0);
    expect(fetched.responses[0]!.topicId).toEqual(id);
    const p = fetched.responses[0]!.partitions[0]!;
    expect([p.errorCode, p.highWatermark]).toEqual([0, 2n]);
    expect(values(p.records)).toEqual(["a", "b"]);
  });

  it("an id no topic has is UNKNOWN_TOPIC_ID on each of its partitions, next to a good topic that still appends", async () => {
    const good = idOf("k41-other");
    const res = await call(ApiKey.Produce, 13, {
      transactionalId: null, acks: 1, timeoutMs: 5000,
      topicData: [
        { name: "", topicId: UNKNOWN, partitionData: [{ index: 0, records: batch("lost") }, { index: 1, records: batch("lost") }] },
        { name: "", topicId: new Uint8Array(16), partitionData: [{ index: 0, records: batch("lost") }] },
        { name: "", topicId: good, partitionData: [{ index: 0, records: batch("kept") }] },
      ],
    });
    expect(res.responses.map((t) => [t.topicId, t.partitionResponses.map((p) => p.errorCode)])).toEqual([[UNKNOWN, [100, 100]], [new Uint8Array(16), [100]], [good, [0]]]);
    expect(values((await call(ApiKey.Fetch, 18, fetchById(good, 0, 0n))).responses[0]!.partitions[0]!.records)).toEqual(["kept"]);
    // A known id with a partition it lacks is the ordinary unknown partition.
    const missing = await call(ApiKey.Produce, 13, produceById(good, [[5, batch("x")]]));
    expect(missing.responses[0]!.partitionResponses[0]!.errorCode).toBe(3);
  });

  it("a deleted and re-created topic has a new id: the old one is unknown, nothing lands in the new log", async () => {
    await s.server.broker.createTopic("k41-recreated", { partitions: 1 });
    const old = idOf("k41-recreated");
    await s.server.broker.deleteTopic("k41-recreated");
    await s.server.broker.createTopic("k41-recreated", { partitions: 1 });
    const fresh = idOf("k41-recreated");
    expect(fresh).not.toEqual(old);
    expect((await call(ApiKey.Produce, 13, produceById(old, [[0, batch("stale")]]))).responses[0]!.partitionResponses[0]!.errorCode).toBe(100);
    expect((await call(ApiKey.Produce, 13, produceById(fresh, [[0, batch("new")]]))).responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    expect(values((await call(ApiKey.Fetch, 18, fetchById(fresh, 0, 0n))).responses[0]!.partitions[0]!.records)).toEqual(["new"]);
    expect((await call(ApiKey.Fetch, 18, fetchById(old, 0, 0n))).responses[0]!.partitions[0]!.errorCode).toBe(100);
  });

  it("acks=0 by an unknown id answers nothing and appends nothing; v12 still produces by name", async () => {
    const before = s.server.broker.topic("k41-other")!;
    const header = { apiKey: ApiKey.Produce, apiVersion: 13, correlationId: 1, clientId: "k41" };
    const parts = await dispatch(ctx, { apiKey: ApiKey.Produce, header, request: produceById(UNKNOWN, [[0, batch("x")]], 0) } as DecodedRequest, { header, clientHost: "/127.0.0.1", signal: new AbortController().signal });
    expect(parts).toBeNull();
    expect(before).toBe(s.server.broker.topic("k41-other"));
    const byName = await call(ApiKey.Produce, 12, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: "k41-other", partitionData: [{ index: 0, records: batch("v12") }] }] });
    expect(byName.responses[0]).toMatchObject({ name: "k41-other", partitionResponses: [{ errorCode: 0, baseOffset: 1n }] });
  });
});

describe("Produce v13 and Fetch v18 under an authorizer", () => {
  function ctxAllowing(allowed: Array<[Op, RT, string]>): KafkaBrokerContext {
    const key = (op: Op, type: RT, name: string) => `${op}/${type}/${name}`;
    const set = new Set(allowed.map(([op, type, name]) => key(op, type, name)));
    return { ...ctx, security: { authorizer: {}, allowed: (_p: unknown, _h: string, op: Op, type: RT, name: string) => set.has(key(op, type, name)) } } as unknown as KafkaBrokerContext;
  }
  const info = { header: { apiKey: 0, apiVersion: 13, correlationId: 1, clientId: "c" }, clientHost: "/127.0.0.1", signal: new AbortController().signal };

  it("a known id is checked by its topic's name; an unknown id reaches the handler (UNKNOWN_TOPIC_ID before authorization, as in Kafka)", async () => {
    const id = idOf("k41");
    const other = idOf("k41-other");
    const seen: Uint8Array[][] = [];
    const request: ProduceRequest = {
      transactionalId: null, acks: 1, timeoutMs: 1000,
      topicData: [
        { name: "", topicId: id, partitionData: [{ index: 0, records: batch("a") }] },
        { name: "", topicId: other, partitionData: [{ index: 0, records: batch("b") }] },
        { name: "", topicId: UNKNOWN, partitionData: [{ index: 0, records: batch("c") }] },
      ],
    };
    const res = await produceGuard(ctxAllowing([[Operation.WRITE, ResourceType.TOPIC, "k41"]]), request, info, async (r) => {
      seen.push(r.topicData.map((t) => t.topicId!));
      return { responses: r.topicData.map((t) => ({ name: "", topicId: t.topicId, partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 0n }] })) };
    });
    expect(seen).toEqual([[id, UNKNOWN]]);
    if (res === NO_RESPONSE) throw new Error("expected a response");
    expect(res.responses.map((t) => [t.topicId, t.partitionResponses[0]!.errorCode])).toEqual([[id, 0], [other, 29], [UNKNOWN, 0]]);
  });

  it("Fetch by id: READ on the topic's name, denied entries keep their id", async () => {
    const id = idOf("k41");
    const other = idOf("k41-other");
    const request = { ...fetchById(id, 0, 0n), topics: [...fetchById(id, 0, 0n).topics, ...fetchById(other, 0, 0n).topics] };
    const res = await fetchGuard(ctxAllowing([[Operation.READ, ResourceType.TOPIC, "k41"]]), request, { ...info, header: { ...info.header, apiKey: 1, apiVersion: 18 } }, async (r) => ({
      throttleTimeMs: 0, errorCode: 0, sessionId: 0,
      responses: r.topics.map((t) => ({ topic: "", topicId: t.topicId, partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 1n, lastStableOffset: 1n, logStartOffset: 0n, abortedTransactions: null, records: null }] })),
    }));
    if (res === NO_RESPONSE) throw new Error("expected a response");
    expect(res.responses.map((t) => [t.topicId, t.partitions[0]!.errorCode])).toEqual([[id, 0], [other, 29]]);
  });
});

describe("InitProducerId v6: no two-phase commit, as Kafka 4.1 with transaction.two.phase.commit.enable=false", () => {
  const init = (transactionalId: string | null, enable2Pc: boolean, keepPreparedTxn: boolean) =>
    call(ApiKey.InitProducerId, 6, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1, enable2Pc, keepPreparedTxn });

  it("Enable2Pc=true is TRANSACTIONAL_ID_AUTHORIZATION_FAILED and creates no transactional id", async () => {
    expect(await init("k41-2pc", true, false)).toEqual({ throttleTimeMs: 0, errorCode: 53, producerId: -1n, producerEpoch: -1, ongoingTxnProducerId: -1n, ongoingTxnProducerEpoch: -1 });
    expect(await init("k41-2pc", true, true)).toMatchObject({ errorCode: 53 });
    const listed = await call(ApiKey.ListTransactions, 2, { stateFilters: [], producerIdFilters: [], transactionalIdPattern: "k41-2pc" });
    expect(listed.transactionStates).toEqual([]);
  });

  it("KeepPreparedTxn=true is UNSUPPORTED_VERSION (not implemented in 4.1 either)", async () => {
    expect(await init("k41-keep", false, true)).toMatchObject({ errorCode: 35, producerId: -1n, producerEpoch: -1 });
  });

  it("without the flags v6 is v5: a producer id and epoch, no ongoing transaction; an idempotent producer ignores the flags", async () => {
    const first = await init("k41-plain", false, false);
    expect(first).toMatchObject({ errorCode: 0, producerEpoch: 0, ongoingTxnProducerId: -1n, ongoingTxnProducerEpoch: -1 });
    expect(first.producerId).toBeGreaterThanOrEqual(0n);
    const again = await init("k41-plain", false, false);
    expect(again).toMatchObject({ errorCode: 0, producerId: first.producerId, producerEpoch: 1 });
    const idempotent = await init(null, true, true);
    expect(idempotent).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    expect(await init("", true, false)).toMatchObject({ errorCode: 42 });
  });
});

describe("ListTransactions v2: transactional id pattern (KIP-1152)", () => {
  beforeAll(async () => {
    for (const id of ["orders-1", "orders-2", "audit-1", `${"a".repeat(40)}!`]) await call(ApiKey.InitProducerId, 5, { transactionalId: id, transactionTimeoutMs: 60_000 });
  });
  const list = async (version: number, transactionalIdPattern: string | null) =>
    call(ApiKey.ListTransactions, version, { stateFilters: [], producerIdFilters: [], transactionalIdPattern });
  const ids = (r: ResponseOf<66>) => r.transactionStates.map((t) => t.transactionalId).filter((t) => /^(orders|audit)-/.test(t)).sort();

  it("keeps ids the pattern matches whole; null and empty filter nothing; v1 ignores it", async () => {
    expect(ids(await list(2, "orders-.*"))).toEqual(["orders-1", "orders-2"]);
    expect(ids(await list(2, "orders"))).toEqual([]); // a whole match (Java's matches()), not a search
    expect(ids(await list(2, "(orders|audit)-1"))).toEqual(["audit-1", "orders-1"]);
    expect(ids(await list(2, null))).toEqual(["audit-1", "orders-1", "orders-2"]);
    expect(ids(await list(2, ""))).toEqual(["audit-1", "orders-1", "orders-2"]);
    expect(ids(await list(1, "orders-.*"))).toEqual(["audit-1", "orders-1", "orders-2"]);
  });

  it("a pattern that backtracking would take exponential time on answers at once (linear-time matcher)", async () => {
    const started = Date.now();
    const r = await list(2, "(a+)+b");
    expect(r.errorCode).toBe(0);
    expect(r.transactionStates).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000); // a backtracking RegExp takes minutes on 40 a's
  });

  it("a pattern that does not compile is INVALID_REGULAR_EXPRESSION (128), with no transactions", async () => {
    for (const bad of ["(orders", "a)|(b", "[", "*x"]) {
      expect(await list(2, bad), bad).toMatchObject({ errorCode: 128, transactionStates: [] });
    }
  });
});

describe("ConsumerGroupDescribe v1: member type", () => {
  it("a KIP-848 member is a consumer-protocol member (1); v0 has no such field", async () => {
    const joined = await call(ApiKey.ConsumerGroupHeartbeat, 1, { groupId: "k41-g", memberId: "k41-member-1", memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ["k41"], serverAssignor: null, topicPartitions: [] });
    expect(joined.errorCode).toBe(0);
    const v1 = await call(ApiKey.ConsumerGroupDescribe, 1, { groupIds: ["k41-g", "k41-none"], includeAuthorizedOperations: false });
    expect(v1.groups[0]!.members.map((m) => [m.memberId, m.memberType])).toEqual([["k41-member-1", 1]]);
    expect(v1.groups[1]!.errorCode).toBe(69);
    const v0 = await call(ApiKey.ConsumerGroupDescribe, 0, { groupIds: ["k41-g"], includeAuthorizedOperations: false });
    expect(v0.groups[0]!.members[0]!.memberType).toBe(-1); // not on the v0 wire: the decoder's default
  });
});

describe("over the Kafka listener", () => {
  async function exchange(frame: Uint8Array): Promise<Uint8Array | "closed"> {
    const socket = createConnection({ host: "127.0.0.1", port: s.kafkaPort });
    const frames = new FrameDecoder();
    const reply = new Promise<Uint8Array | "closed">((resolve, reject) => {
      socket.on("data", (chunk) => {
        const [f] = frames.push(chunk);
        if (f) resolve(f);
      });
      socket.on("close", () => resolve("closed"));
      socket.on("error", reject);
    });
    socket.write(frame);
    const got = await reply;
    socket.destroy();
    return got;
  }
  async function roundTrip<K extends ApiKeyValue>(key: K, version: number, request: RequestOf<K>): Promise<ResponseOf<K>> {
    const got = await exchange(concat(encodeRequestFrame(key, version, 9, "k41-socket", request)));
    if (got === "closed") throw new Error("connection closed");
    return decodeResponseFrame(key, version, got).response;
  }

  it("topic ids survive a broker restart: Produce v13 before and after, Fetch v18 reads both", async () => {
    await s.server.broker.createTopic("k41-durable", { partitions: 1 });
    const id = idOf("k41-durable");
    expect((await roundTrip(ApiKey.Produce, 13, produceById(id, [[0, batch("before")]]))).responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    await s.restart();
    ctx = { ...ctx, broker: s.server.broker, coordinator: s.server.coordinator, transactions: s.server.transactions };
    expect(idOf("k41-durable")).toEqual(id);
    const after = await roundTrip(ApiKey.Produce, 13, produceById(id, [[0, batch("after")]]));
    expect(after.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 1n });
    const fetched = await roundTrip(ApiKey.Fetch, 18, fetchById(id, 0, 0n));
    expect(values(fetched.responses[0]!.partitions[0]!.records)).toEqual(["before", "after"]);
  });

  it("a v13 frame cut inside a topic id closes the connection; the broker keeps serving", async () => {
    const whole = concat(encodeRequestFrame(ApiKey.Produce, 13, 9, "k41-socket", produceById(idOf("k41"), [[0, batch("x")]])));
    // Header: size 4, key 2, version 2, correlation 4, client id 2+10, tags 1; body: null txn id 1, acks 2,
    // timeout 4, array length 1, then the 16-byte id. Keep 6 bytes of the id and fix the size prefix.
    const cut = whole.slice(0, 4 + 2 + 2 + 4 + 12 + 1 + 1 + 2 + 4 + 1 + 6);
    new DataView(cut.buffer).setInt32(0, cut.length - 4);
    expect(await exchange(cut)).toBe("closed");
    const ok = await roundTrip(ApiKey.Produce, 13, produceById(idOf("k41"), [[1, batch("still")]]));
    expect(ok.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
  });

  it("ApiVersions advertises the 4.1 maxima", async () => {
    const res = await roundTrip(ApiKey.ApiVersions, 3, { clientSoftwareName: "k41", clientSoftwareVersion: "1" });
    const max = new Map(res.apiKeys.map((a) => [a.apiKey, a.maxVersion]));
    expect([0, 1, 22, 66, 69].map((k) => max.get(k))).toEqual([13, 18, 6, 2, 1]);
  });
});
