// The Node client against a real broker over real sockets: what is produced comes back byte for byte, in
// order, on the partition Kafka's default partitioner picks, with every acks mode, idempotence, one-shot
// FETCH, offset queries, every start position and seek.
import { createRequire } from "node:module";
import { beforeAll, describe, expect, it } from "vitest";
import type { RivuletClient } from "../../src/client/index.js";
import { decodeRecordBatch, encodeRecordBatch } from "../../src/core/index.js";
import { FrameType, type ServerFrame } from "../../src/protocol/ws/index.js";
import { take } from "../helpers/consume.js";
import { randomBytes, seededRandom } from "../helpers/random.js";
import { sharedServer, sleep, text, wsServers } from "../helpers/ws-server.js";

const require = createRequire(import.meta.url);
const { Partitioners } = require("kafkajs") as { Partitioners: { DefaultPartitioner: () => (args: unknown) => number } };

const env = wsServers();
const shared = sharedServer(env);

type Frame<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

describe("produce / consume round trips", () => {
  it("keys, null keys and values, headers and binary values come back exactly, in order", async () => {
    await shared.client.admin.createTopic("rt-basic", { partitions: 1 });
    const random = seededRandom(1);
    const binary = randomBytes(random, 4096);
    binary[0] = 0;
    binary[1] = 0xff;
    const sent = [
      { key: "k1", value: "hello", headers: [] },
      { key: null, value: "no key", headers: [] },
      { key: "k-null", value: null, headers: [] },
      { key: new Uint8Array([0, 1, 2, 255]), value: binary, headers: [{ key: "h1", value: "v1" }, { key: "h-null", value: null }, { key: "h-bin", value: new Uint8Array([9, 0, 9]) }] },
      { key: "", value: "", headers: [{ key: "", value: "" }] },
      { key: "clé-ü-😀", value: "välue-😀", headers: [] },
    ];
    const producer = shared.client.producer({ lingerMs: 1 });
    const metas = await Promise.all(sent.map((r) => producer.send({ topic: "rt-basic", partition: 0, ...r })));
    expect(metas.map((m) => m.offset)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);

    const consumer = shared.client.consumer({ topic: "rt-basic", from: "earliest" });
    const got = await take(consumer, sent.length);
    await consumer.close();
    const bytes = (v: Uint8Array | string | null) => (v === null ? null : typeof v === "string" ? new TextEncoder().encode(v) : v);
    got.forEach((r, i) => {
      expect(r.offset).toBe(BigInt(i));
      expect(r.partition).toBe(0);
      expect(r.topic).toBe("rt-basic");
      expect(r.key).toEqual(bytes(sent[i]!.key));
      expect(r.value).toEqual(bytes(sent[i]!.value));
      expect(r.headers).toEqual(sent[i]!.headers.map((h) => ({ key: h.key, value: bytes(h.value) })));
    });
    expect(Buffer.from(got[3]!.value!).equals(Buffer.from(binary))).toBe(true);
  });

  it("12 partitions: keyed records land where kafkajs's DefaultPartitioner puts them, in order per partition", async () => {
    const partitions = 12;
    await shared.client.admin.createTopic("rt-keyed", { partitions });
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
    const expectedPartition = (key: string) => partitioner({ topic: "rt-keyed", partitionMetadata, message: { key: Buffer.from(key) } });

    const producer = shared.client.producer({ lingerMs: 2 });
    const keys = Array.from({ length: 600 }, (_, i) => `user-${i % 97}-${(i * 7919) % 1000}`);
    const metas = await Promise.all(keys.map((key, i) => producer.send({ topic: "rt-keyed", key, value: `v${i}` })));
    const used = new Set<number>();
    metas.forEach((m, i) => {
      expect(m.partition, keys[i]).toBe(expectedPartition(keys[i]!));
      used.add(m.partition);
    });
    expect(used.size).toBe(partitions); // the keys spread over every partition

    const consumer = shared.client.consumer({ topic: "rt-keyed", from: "earliest" });
    const got = await take(consumer, keys.length);
    await consumer.close();
    const lastOffset = new Map<number, bigint>();
    const lastIndex = new Map<string, number>();
    for (const r of got) {
      const key = text(r.key)!;
      const index = Number(text(r.value)!.slice(1));
      expect(keys[index]).toBe(key);
      expect(r.partition).toBe(expectedPartition(key));
      // Offsets strictly increase per partition; records of one key keep their send order.
      expect(r.offset).toBeGreaterThan(lastOffset.get(r.partition) ?? -1n);
      lastOffset.set(r.partition, r.offset);
      expect(index).toBeGreaterThan(lastIndex.get(key) ?? -1);
      lastIndex.set(key, index);
    }
    expect(new Set(got.map((r) => text(r.value))).size).toBe(keys.length);
  });

  it("acks 0, 1 and all all append; acks=0 gets no response frame", async () => {
    await shared.client.admin.createTopic("rt-acks", { partitions: 1 });
    const p1 = shared.client.producer({ acks: 1 });
    const pAll = shared.client.producer({ acks: "all" });
    const p0 = shared.client.producer({ acks: 0 });
    expect((await p1.send({ topic: "rt-acks", partition: 0, value: "one" })).offset).toBe(0n);
    expect((await pAll.send({ topic: "rt-acks", partition: 0, value: "all" })).offset).toBe(1n);
    expect((await p0.send({ topic: "rt-acks", partition: 0, value: "zero" })).offset).toBe(-1n);
    // acks=0 resolves once sent; the append shows up shortly after.
    const deadline = Date.now() + 5000;
    while ((await shared.client.admin.listOffsets("rt-acks", 0, "latest")).offset < 3n && Date.now() < deadline) await sleep(20);
    const consumer = shared.client.consumer({ topic: "rt-acks", from: "earliest" });
    expect((await take(consumer, 3)).map((r) => text(r.value))).toEqual(["one", "all", "zero"]);
    await consumer.close();

    // At the protocol level: acks=0 has no PRODUCE_RESULT, acks 1 and -1 do.
    const raw = await env.raw(shared.srv.url);
    const silent = raw.send({ type: FrameType.PRODUCE, acks: 0, timeoutMs: 5000, items: [{ topic: "rt-acks", partition: 0, batch: encodeRecordBatch([{ value: "raw0" }]) }] });
    for (const acks of [1, -1] as const) {
      const r = (await raw.request({ type: FrameType.PRODUCE, acks, timeoutMs: 5000, items: [{ topic: "rt-acks", partition: 0, batch: encodeRecordBatch([{ value: `raw${acks}` }]) }] })) as Frame<typeof FrameType.PRODUCE_RESULT>;
      expect(r.type).toBe(FrameType.PRODUCE_RESULT);
      expect(r.items[0]!.errorCode).toBe(0);
    }
    await raw.request({ type: FrameType.PING });
    await sleep(100);
    expect(raw.frames.filter((f) => f.requestId === silent)).toEqual([]);
    expect((await shared.client.admin.listOffsets("rt-acks", 0, "latest")).offset).toBe(6n);
    raw.close();
  });

  it("idempotent producer: contiguous offsets; a resent batch (same producer id and sequence) is not appended twice", async () => {
    await shared.client.admin.createTopic("rt-idem", { partitions: 2 });
    const producer = shared.client.producer({ idempotent: true, lingerMs: 1 });
    const metas = await Promise.all(Array.from({ length: 50 }, (_, i) => producer.send({ topic: "rt-idem", partition: i % 2, value: `v${i}` })));
    expect(metas.filter((m) => m.partition === 0).map((m) => m.offset)).toEqual(Array.from({ length: 25 }, (_, i) => BigInt(i)));

    const raw = await env.raw(shared.srv.url);
    const id = (await raw.request({ type: FrameType.INIT_PRODUCER_ID })) as Frame<typeof FrameType.PRODUCER_ID>;
    expect(id.type).toBe(FrameType.PRODUCER_ID);
    expect(id.producerId).toBeGreaterThanOrEqual(0n);
    const batch = encodeRecordBatch([{ value: "a" }, { value: "b" }], { producerId: id.producerId, producerEpoch: id.producerEpoch, baseSequence: 0 });
    const produce = () => raw.request({ type: FrameType.PRODUCE, acks: -1, timeoutMs: 5000, items: [{ topic: "rt-idem", partition: 1, batch }] }) as Promise<Frame<typeof FrameType.PRODUCE_RESULT>>;
    const first = await produce();
    const again = await produce();
    expect(first.items[0]!.errorCode).toBe(0);
    expect(again.items[0]!.errorCode).toBe(0);
    expect(again.items[0]!.baseOffset).toBe(first.items[0]!.baseOffset);
    expect((await shared.client.admin.listOffsets("rt-idem", 1, "latest")).offset).toBe(first.items[0]!.baseOffset + 2n);
    raw.close();
  });
});

describe("one-shot FETCH (raw frames)", () => {
  it("returns stored batches with the high watermark; long-polls until data arrives; per-item errors", async () => {
    await shared.client.admin.createTopic("rt-fetch", { partitions: 2 });
    const producer = shared.client.producer();
    for (let i = 0; i < 5; i++) await producer.send({ topic: "rt-fetch", partition: 0, key: `k${i}`, value: `v${i}` });
    const raw = await env.raw(shared.srv.url);
    const r = (await raw.request({
      type: FrameType.FETCH,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      items: [
        { topic: "rt-fetch", partition: 0, offset: 2n, maxBytes: 1 << 20 },
        { topic: "rt-fetch", partition: 1, offset: 0n, maxBytes: 1 << 20 },
        { topic: "rt-fetch-missing", partition: 0, offset: 0n, maxBytes: 1 << 20 },
        { topic: "rt-fetch", partition: 0, offset: 99n, maxBytes: 1 << 20 },
      ],
    })) as Frame<typeof FrameType.FETCH_RESULT>;
    expect(r.type).toBe(FrameType.FETCH_RESULT);
    expect(r.items.map((i) => i.errorCode)).toEqual([0, 0, 3, 1]);
    expect(r.items[0]!.highWatermark).toBe(5n);
    expect(r.items[1]!.records.length).toBe(0);
    const values: string[] = [];
    let at = 0;
    const records = r.items[0]!.records;
    const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
    while (at < records.length) {
      const size = view.getInt32(at + 8) + 12;
      for (const rec of decodeRecordBatch(records.subarray(at, at + size)).records) if (rec.offset >= 2n) values.push(text(rec.value)!);
      at += size;
    }
    expect(values).toEqual(["v2", "v3", "v4"]);

    // Long poll: waits at the log end and answers once a record arrives, well before maxWaitMs.
    const started = Date.now();
    const id = raw.send({ type: FrameType.FETCH, maxWaitMs: 10_000, minBytes: 1, maxBytes: 1 << 20, items: [{ topic: "rt-fetch", partition: 1, offset: 0n, maxBytes: 1 << 20 }] });
    await sleep(200);
    expect(raw.frames.some((f) => f.requestId === id)).toBe(false);
    await producer.send({ topic: "rt-fetch", partition: 1, value: "late" });
    const polled = (await raw.waitFor((f) => f.requestId === id, 5000)) as Frame<typeof FrameType.FETCH_RESULT>;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(decodeRecordBatch(polled.items[0]!.records).records.map((x) => text(x.value))).toEqual(["late"]);
    raw.close();
  });
});

describe("offsets and start positions", () => {
  const T0 = 1_700_000_000_000;
  let topic: string;
  beforeAll(async () => {
    topic = "rt-positions";
    await shared.client.admin.createTopic(topic, { partitions: 1 });
    const producer = shared.client.producer({ lingerMs: 0 });
    // Ten records at T0, T0+1000, ..., one per batch so the time index sees each.
    for (let i = 0; i < 10; i++) await producer.send({ topic, partition: 0, value: `v${i}`, timestamp: T0 + i * 1000 });
  });

  it("listOffsets: earliest, latest, by timestamp (first at or after), past the newest (-1)", async () => {
    expect((await shared.client.admin.listOffsets(topic, 0, "earliest")).offset).toBe(0n);
    expect((await shared.client.admin.listOffsets(topic, 0, "latest")).offset).toBe(10n);
    expect((await shared.client.admin.listOffsets(topic, 0, { timestamp: T0 + 3000 })).offset).toBe(3n);
    expect((await shared.client.admin.listOffsets(topic, 0, { timestamp: T0 + 3500 })).offset).toBe(4n);
    expect((await shared.client.admin.listOffsets(topic, 0, { timestamp: 0 })).offset).toBe(0n);
    expect((await shared.client.admin.listOffsets(topic, 0, { timestamp: T0 + 60_000 })).offset).toBe(-1n);
    await expect(shared.client.admin.listOffsets("rt-nope", 0, "latest")).rejects.toMatchObject({ code: "UNKNOWN_TOPIC_OR_PARTITION" });
  });

  it("consumers start at earliest, latest, an offset and a timestamp", async () => {
    const first = async (from: Parameters<RivuletClient["consumer"]>[0]["from"]) => {
      const c = shared.client.consumer({ topic, from });
      const [r] = await take(c, 1);
      await c.close();
      return text(r!.value);
    };
    expect(await first("earliest")).toBe("v0");
    expect(await first({ offset: 7n })).toBe("v7");
    expect(await first({ timestamp: T0 + 5000 })).toBe("v5");
    expect(await first({ timestamp: T0 + 5001 })).toBe("v6");

    // latest: only what is produced after the subscription.
    const latest = shared.client.consumer({ topic, from: "latest" });
    await latest.start();
    expect(latest.positions().get(0)).toBe(10n);
    const producer = shared.client.producer();
    await producer.send({ topic, partition: 0, value: "after" });
    expect((await take(latest, 1)).map((r) => [r.offset, text(r.value)])).toEqual([[10n, "after"]]);
    await latest.close();
  });

  it("seek moves a live consumer back and forward; positions() follows what was consumed", async () => {
    const consumer = shared.client.consumer({ topic, from: "earliest" });
    expect((await take(consumer, 3)).map((r) => r.offset)).toEqual([0n, 1n, 2n]);
    expect(consumer.positions().get(0)).toBe(3n);
    await consumer.seek(0, 8n);
    expect(consumer.positions().get(0)).toBe(8n);
    expect((await take(consumer, 2)).map((r) => r.offset)).toEqual([8n, 9n]);
    await consumer.seek(0, 1n);
    expect((await take(consumer, 2)).map((r) => text(r.value))).toEqual(["v1", "v2"]);
    await consumer.seek(0, "earliest");
    expect((await take(consumer, 1))[0]!.offset).toBe(0n);
    await consumer.close();
  });
});
