// Serving parked subscribers from the appended batch itself (issue 14: AppendWatch.appendedAt,
// TailFanout.direct). The shard sends the batch back with its produce result when readers wait at the log
// end, and the fan-out delivers those bytes without a read. Checked on a real server: the bytes delivered
// are exactly what a read of the log returns (offsets stamped), with acks=1 and acks=all, and from both the
// WebSocket and the broker API; a batch larger than a subscriber's chunk size still goes through a read;
// a library consumer tailing across a server restart gets every record once, in order.
import { describe, expect, it } from "vitest";
import { encodeRecordBatch } from "../../src/core/index.js";
import { tailFanoutOf } from "../../src/frontends/ws/tail-fanout.js";
import { FrameType, StartKind, type ServerFrame } from "../../src/protocol/ws/index.js";
import { sharedServer, sleep, wsServers, type RawSocket } from "../helpers/ws-server.js";

type Chunk = Extract<ServerFrame, { type: typeof FrameType.CHUNK }>;

const env = wsServers();
const shared = sharedServer(env, {}, { reconnect: false });

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function subscribeAtEnd(raw: RawSocket, topic: string, id: number, maxChunkBytes = 1 << 20): Promise<void> {
  const reply = await raw.request({ type: FrameType.SUBSCRIBE, requestId: id, topic, credit: 1 << 30, maxChunkBytes, start: { kind: StartKind.LATEST, value: 0n }, partitions: [] });
  expect(reply.type).toBe(FrameType.SUBSCRIBED);
}

/** Every CHUNK's record bytes, concatenated, checking the chunks are contiguous from `from`. */
function deliveredBytes(raw: RawSocket, from: bigint): { bytes: Uint8Array; next: bigint } {
  const parts: Uint8Array[] = [];
  let next = from;
  for (const frame of raw.frames) {
    if (frame.type !== FrameType.CHUNK) continue;
    const chunk = frame as Chunk;
    expect(chunk.fromOffset).toBe(next);
    parts.push(chunk.records.slice());
    next = chunk.nextOffset;
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, next };
}

/** The log's own bytes for [from, to): fetched from the broker. */
async function logBytes(topic: string, from: bigint, to: bigint): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let offset = from; offset < to; ) {
    const read = await shared.srv.server.broker.fetch(topic, 0, offset, { maxBytes: 1 << 20 });
    expect(read.records.length).toBeGreaterThan(0);
    parts.push(read.records.slice());
    // Whole batches: the last one's last offset is base + lastOffsetDelta (bytes 0-7 and 23-26).
    const view = new DataView(read.records.buffer, read.records.byteOffset, read.records.byteLength);
    let last = 0;
    for (let at = 0; at < read.records.length; at += view.getInt32(at + 8) + 12) last = at;
    offset = view.getBigInt64(last) + BigInt(view.getInt32(last + 23)) + 1n;
  }
  return new Uint8Array(parts.flatMap((p) => [...p]));
}

describe("parked subscribers served from the appended batch", () => {
  it("delivers exactly the log's bytes without a read, for acks=1 and acks=all, from the client and the broker API", async () => {
    const topic = "direct-bytes";
    await shared.client.admin.createTopic(topic, { partitions: 1 });
    const subscribers = await Promise.all(Array.from({ length: 8 }, () => env.raw(shared.srv.url)));
    await Promise.all(subscribers.map((raw, i) => subscribeAtEnd(raw, topic, 300 + i)));
    const fanout = tailFanoutOf(shared.srv.server.broker);
    await until(() => fanout.parkedOn(topic, 0) === 8, "8 parked cursors");
    const before = { direct: fanout.direct, wakes: fanout.wakes };
    for (const acks of [1, "all"] as const) {
      const producer = shared.client.producer({ acks, lingerMs: 0 });
      for (let i = 0; i < 15; i++) await producer.send({ topic, partition: 0, value: `${acks}-${i}` });
      await producer.close();
    }
    // The broker API (what the Kafka front end calls) takes the same path.
    for (let i = 0; i < 5; i++) await shared.srv.server.broker.produce(topic, 0, encodeRecordBatch([{ value: new TextEncoder().encode(`api-${i}`) }]));
    await until(() => subscribers.every((raw) => deliveredBytes(raw, 0n).next === 35n), "35 records everywhere");
    const expected = await logBytes(topic, 0n, 35n);
    for (const raw of subscribers) expect(deliveredBytes(raw, 0n).bytes).toEqual(expected);
    // One-at-a-time appends with everyone parked: every wake-up served from the appended batch.
    expect(fanout.direct - before.direct).toBe(35);
    expect(fanout.wakes - before.wakes).toBe(35);
    subscribers.forEach((raw) => raw.terminate());
    await until(() => fanout.parkedOn(topic, 0) === 0, "nothing parked");
  });

  it("a batch larger than the subscriber's chunk size goes through a read, and still arrives", async () => {
    const topic = "direct-large";
    await shared.client.admin.createTopic(topic, { partitions: 1 });
    const raw = await env.raw(shared.srv.url);
    await subscribeAtEnd(raw, topic, 7, 1024);
    const fanout = tailFanoutOf(shared.srv.server.broker);
    await until(() => fanout.parkedOn(topic, 0) === 1, "parked");
    const before = fanout.direct;
    const producer = shared.client.producer({ acks: 1, lingerMs: 0 });
    await producer.send({ topic, partition: 0, value: "x".repeat(4000) });
    await until(() => deliveredBytes(raw, 0n).next === 1n && fanout.parkedOn(topic, 0) === 1, "the large one, then parked again");
    expect(fanout.direct).toBe(before);
    await producer.send({ topic, partition: 0, value: "small" });
    await until(() => deliveredBytes(raw, 0n).next === 2n, "both records");
    expect(deliveredBytes(raw, 0n).bytes).toEqual(await logBytes(topic, 0n, 2n));
    expect(fanout.direct - before).toBe(1); // the small one
    await producer.close();
    raw.terminate();
  });

  it("without parked readers the shard sends nothing back; a consumer tailing across a restart gets every record once, in order", async () => {
    const topic = "direct-restart";
    await shared.client.admin.createTopic(topic, { partitions: 1 });
    const fanout = tailFanoutOf(shared.srv.server.broker);
    const idle = fanout.direct;
    const producer = shared.client.producer({ acks: 1, lingerMs: 0 });
    await producer.send({ topic, partition: 0, value: "before-anyone" });
    expect(fanout.direct).toBe(idle);

    const tailing = await env.client(shared.srv.url);
    const consumer = tailing.consumer({ topic, from: "latest" });
    await consumer.start();
    const got: string[] = [];
    const reading = (async () => {
      for await (const record of consumer) {
        got.push(new TextDecoder().decode(record.value!));
        if (got.length === 40) break;
      }
    })();
    await until(() => tailFanoutOf(shared.srv.server.broker).parked >= 1, "the consumer parked");
    for (let i = 0; i < 20; i++) await producer.send({ topic, partition: 0, value: `a${i}` });
    await until(() => got.length === 20, "20 before the restart");
    await producer.close();
    await shared.srv.restart();
    const after = await env.client(shared.srv.url, { reconnect: false });
    const producer2 = after.producer({ acks: 1, lingerMs: 0 });
    await until(() => tailFanoutOf(shared.srv.server.broker).parked >= 1, "the consumer parked on the new server", 30_000);
    for (let i = 0; i < 20; i++) await producer2.send({ topic, partition: 0, value: `b${i}` });
    await reading;
    expect(got).toEqual([...Array.from({ length: 20 }, (_, i) => `a${i}`), ...Array.from({ length: 20 }, (_, i) => `b${i}`)]);
    expect(tailFanoutOf(shared.srv.server.broker).direct).toBeGreaterThan(0);
    await producer2.close();
    await consumer.close();
  });
});
