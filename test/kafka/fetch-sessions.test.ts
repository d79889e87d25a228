// Fetch sessions (KIP-227) at the handler level: full fetches that open a session, incremental fetches
// that answer only what changed, forgotten partitions, the two session errors, closing, and the bounded
// cache's eviction rules (FetchSessionCache unit tests with a fake clock). Also the same over a real
// socket: the listener keeps the session across connections, and a restarted broker has forgotten it.

import { createConnection } from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeRecordBatch } from "../../src/core/index.js";
import { dispatch, type KafkaBrokerContext } from "../../src/frontends/kafka/handlers/index.js";
import { FetchSessionCache, type SessionPartition } from "../../src/frontends/kafka/handlers/fetch-sessions.js";
import {
  ApiKey,
  FrameDecoder,
  concat,
  decodeResponseFrame,
  encodeRequestFrame,
  type DecodedRequest,
  type FetchRequest,
  type FetchResponse,
} from "../../src/protocol/kafka/index.js";
import { kafkaServers, type KafkaTestServer } from "./helpers.js";
import { handlerContext } from "./handler-context.js";

const servers = kafkaServers();
let s: KafkaTestServer;
let ctx: KafkaBrokerContext;

async function fetch(version: number, request: Partial<FetchRequest>): Promise<FetchResponse> {
  const full: FetchRequest = {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [],
    forgottenTopicsData: [],
    rackId: "",
    ...request,
  };
  const header = { apiKey: ApiKey.Fetch, apiVersion: version, correlationId: 1, clientId: "t" };
  const decoded = { apiKey: ApiKey.Fetch, header, request: full } as DecodedRequest;
  const parts = await dispatch(ctx, decoded, { header, clientHost: "/127.0.0.1", signal: new AbortController().signal });
  return decodeResponseFrame(ApiKey.Fetch, version, concat(parts!).subarray(4)).response;
}

const part = (partition: number, fetchOffset: bigint) => ({ partition, currentLeaderEpoch: -1, fetchOffset, logStartOffset: -1n, partitionMaxBytes: 1 << 20 });
const summary = (r: FetchResponse) => r.responses.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p.partitionIndex}:${p.errorCode}:${(p.records as Uint8Array).length > 0 ? "data" : "none"}`));
const produce = (topic: string, partition: number, n = 1) =>
  s.server.broker.produce(topic, partition, encodeRecordBatch(Array.from({ length: n }, (_, i) => ({ value: `v${i}`, timestamp: 1_700_000_000_000 }))));

beforeAll(async () => {
  s = await servers.start();
  await s.server.broker.createTopic("fs", { partitions: 3 });
  ctx = handlerContext(s);
});

describe("fetch sessions through the handler", () => {
  it("epoch 0 opens a session with a full answer; incremental fetches answer only changes", async () => {
    await produce("fs", 0, 2);
    const opened = await fetch(11, { sessionId: 0, sessionEpoch: 0, topics: [{ topic: "fs", partitions: [part(0, 0n), part(1, 0n), part(2, 0n)] }] });
    expect(opened.errorCode).toBe(0);
    expect(opened.sessionId).toBeGreaterThan(0);
    expect(summary(opened)).toEqual(["fs/0:0:data", "fs/1:0:none", "fs/2:0:none"]);
    const id = opened.sessionId!;

    // Nothing new: an empty incremental answer, same session.
    const quiet = await fetch(11, { sessionId: id, sessionEpoch: 1, topics: [{ topic: "fs", partitions: [part(0, 2n)] }] });
    expect(quiet).toMatchObject({ errorCode: 0, sessionId: id });
    expect(summary(quiet)).toEqual([]);

    // A record on partition 2, which the client did not mention: the session fetches it anyway.
    await produce("fs", 2);
    const news = await fetch(11, { sessionId: id, sessionEpoch: 2, topics: [] });
    expect(summary(news)).toEqual(["fs/2:0:data"]);

    // Forget partition 2; produce there again: no longer answered.
    await produce("fs", 2);
    const forgot = await fetch(11, { sessionId: id, sessionEpoch: 3, topics: [], forgottenTopicsData: [{ topic: "fs", partitions: [2] }] });
    expect(summary(forgot)).toEqual([]);

    // A stale epoch, then an unknown id: top-level errors, no partitions, no session.
    expect(await fetch(11, { sessionId: id, sessionEpoch: 3, topics: [] })).toMatchObject({ errorCode: 71, sessionId: 0, responses: [] });
    expect(await fetch(11, { sessionId: 987654, sessionEpoch: 1, topics: [] })).toMatchObject({ errorCode: 70, sessionId: 0, responses: [] });
    // The session survived the bad epoch: epoch 4 still works.
    expect((await fetch(11, { sessionId: id, sessionEpoch: 4, topics: [] })).errorCode).toBe(0);

    // Epoch -1 closes it: a sessionless full answer, and the id is gone.
    const closed = await fetch(11, { sessionId: id, sessionEpoch: -1, topics: [{ topic: "fs", partitions: [part(1, 0n)] }] });
    expect(closed).toMatchObject({ errorCode: 0, sessionId: 0 });
    expect(summary(closed)).toEqual(["fs/1:0:none"]);
    expect((await fetch(11, { sessionId: id, sessionEpoch: 5, topics: [] })).errorCode).toBe(70);
  });

  it("sessionless fetches (id 0, epoch -1, what kafkajs and librdkafka send) never open a session", async () => {
    const r = await fetch(11, { topics: [{ topic: "fs", partitions: [part(0, 0n)] }] });
    expect(r.sessionId).toBe(0);
    expect(summary(r)).toEqual(["fs/0:0:data"]);
  });

  it("v13+ sessions name topics by id; an unknown id is UNKNOWN_TOPIC_ID and not kept", async () => {
    const id = new Uint8Array(16);
    const record = s.server.broker.topic("fs")!;
    Buffer.from(record.id.replace(/-/g, ""), "hex").copy(id);
    const bogus = new Uint8Array(16).fill(7);
    const opened = await fetch(13, {
      sessionEpoch: 0,
      topics: [
        { topic: "", topicId: id, partitions: [part(0, 2n)] },
        { topic: "", topicId: bogus, partitions: [part(0, 0n)] },
      ],
    });
    expect(opened.responses.map((t) => [Buffer.from(t.topicId!).toString("hex"), t.partitions[0]!.errorCode])).toEqual([
      [Buffer.from(id).toString("hex"), 0],
      [Buffer.from(bogus).toString("hex"), 100],
    ]);
    // Fetching at the log end: nothing changed, nothing answered (the unknown id was not kept).
    const next = await fetch(13, { sessionId: opened.sessionId!, sessionEpoch: 1, topics: [] });
    expect(next.responses).toEqual([]);
    await produce("fs", 0);
    const news = await fetch(13, { sessionId: opened.sessionId!, sessionEpoch: 2, topics: [] });
    expect(news.responses.map((t) => [Buffer.from(t.topicId!).toString("hex"), t.topic, t.partitions.length])).toEqual([[Buffer.from(id).toString("hex"), "", 1]]);
  });
});

describe("FetchSessionCache", () => {
  const parts = (n: number): SessionPartition[] =>
    Array.from({ length: n }, (_, partition) => ({ topic: "t", topicId: undefined, partition, fetchOffset: 0n, maxBytes: 1, lastHighWatermark: -2n, lastLogStartOffset: -2n }));

  it("is bounded: evicts an idle session first, else a smaller one, else refuses", () => {
    let now = 0;
    const cache = new FetchSessionCache({ maxSessions: 2, evictionMs: 1000, now: () => now });
    const a = cache.create(parts(3))!;
    const b = cache.create(parts(3))!;
    expect(cache.size).toBe(2);
    // Both busy and not smaller than a 2-partition session: refused.
    now = 500;
    expect(cache.create(parts(2))).toBeUndefined();
    expect(cache.refused).toBe(1);
    // A bigger session may evict a smaller one (the least recently used of those).
    const c = cache.create(parts(5))!;
    expect(c).toBeDefined();
    expect(cache.get(a.id)).toBeUndefined();
    expect(cache.get(b.id)).toBeDefined();
    // After evictionMs of idleness anything goes, least recently used first.
    now = 2000;
    cache.touch(c);
    const d = cache.create(parts(1))!;
    expect(cache.get(b.id)).toBeUndefined();
    expect(cache.get(c.id)).toBeDefined();
    expect(cache.get(d.id)).toBeDefined();
    expect(cache.evictions).toBe(2);
    expect(new Set([a.id, b.id, c.id, d.id]).size).toBe(4);
  });
});

describe("fetch sessions over the Kafka listener", () => {
  async function roundTrip(version: number, request: FetchRequest): Promise<FetchResponse> {
    const socket = createConnection({ host: "127.0.0.1", port: s.kafkaPort });
    const frames = new FrameDecoder();
    const reply = new Promise<Uint8Array>((resolve, reject) => {
      socket.on("data", (chunk) => {
        const [frame] = frames.push(chunk);
        if (frame) resolve(frame);
      });
      socket.on("error", reject);
    });
    socket.write(concat(encodeRequestFrame(ApiKey.Fetch, version, 5, "session-client", request)));
    const frame = await reply;
    socket.destroy();
    return decodeResponseFrame(ApiKey.Fetch, version, frame).response;
  }
  const base: FetchRequest = { replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: 0, topics: [], forgottenTopicsData: [], rackId: "" };

  it("a session outlives its connection but not a broker restart", async () => {
    const opened = await roundTrip(12, { ...base, topics: [{ topic: "fs", partitions: [part(1, 0n)] }] });
    expect(opened.sessionId).toBeGreaterThan(0);
    await produce("fs", 1, 3);
    const next = await roundTrip(12, { ...base, sessionId: opened.sessionId!, sessionEpoch: 1 });
    expect(summary(next)).toEqual(["fs/1:0:data"]);
    await s.restart();
    ctx = { ...ctx, broker: s.server.broker, coordinator: s.server.coordinator };
    const after = await roundTrip(12, { ...base, sessionId: opened.sessionId!, sessionEpoch: 2 });
    expect(after).toMatchObject({ errorCode: 70, sessionId: 0, responses: [] });
  });
});
