// Credit: the server never sends a subscriber more record bytes than it granted; a batch that does not fit
// in what is left is announced once with STALLED (its size), and CREDIT resumes the stream exactly where
// it paused. The client consumer lends the credit a batch larger than its whole window needs.
import { describe, expect, it } from "vitest";
import { FrameType, StartKind, type ServerFrame } from "../../src/protocol/ws/index.js";
import { take } from "../helpers/consume.js";
import { sharedServer, sleep, text, wsServers, type RawSocket } from "../helpers/ws-server.js";

const env = wsServers();
const shared = sharedServer(env);

type Chunk = Extract<ServerFrame, { type: typeof FrameType.CHUNK }>;

/** One ~1 KiB record per batch, `count` batches; returns the size of one stored batch. */
async function fill(topic: string, partitions: number, count: number): Promise<number> {
  await shared.client.admin.createTopic(topic, { partitions });
  const producer = shared.client.producer({ lingerMs: 0 });
  for (let i = 0; i < count; i++) await producer.send({ topic, partition: i % partitions, key: "k", value: `${String(i).padStart(4, "0")}${"x".repeat(1000)}` });
  const fetched = await shared.srv.server.broker.fetch(topic, 0, 0n, { maxBytes: 1 });
  return new DataView(fetched.records.buffer, fetched.records.byteOffset).getInt32(8) + 12;
}

const chunks = (raw: RawSocket, id: number) => raw.frames.filter((f): f is Chunk => f.type === FrameType.CHUNK && f.requestId === id);
const bytesOf = (list: Chunk[]) => list.reduce((n, c) => n + c.records.length, 0);

describe("credit", () => {
  it("never sends past the grant; STALLED names the batch that does not fit; CREDIT resumes exactly", async () => {
    const size = await fill("credit-one", 1, 20);
    const raw = await env.raw(shared.srv.url);
    const id = raw.send({ type: FrameType.SUBSCRIBE, topic: "credit-one", credit: Math.floor(size * 3.5), maxChunkBytes: 1 << 20, start: { kind: StartKind.EARLIEST, value: 0n }, partitions: [] });
    const stalled = await raw.waitFor((f) => f.type === FrameType.STALLED && f.requestId === id);
    expect(stalled).toMatchObject({ partition: 0, neededBytes: size });
    await sleep(100);
    expect(bytesOf(chunks(raw, id))).toBe(3 * size);
    expect(chunks(raw, id).at(-1)!.nextOffset).toBe(3n);

    raw.send({ type: FrameType.CREDIT, requestId: id, bytes: 2 * size });
    await raw.waitFor((f) => f.type === FrameType.STALLED && f.requestId === id);
    await sleep(100);
    expect(bytesOf(chunks(raw, id))).toBe(5 * size);

    raw.send({ type: FrameType.CREDIT, requestId: id, bytes: 100 * size });
    const deadline = Date.now() + 5000;
    while (bytesOf(chunks(raw, id)) < 20 * size && Date.now() < deadline) await sleep(10);
    const all = chunks(raw, id);
    expect(bytesOf(all)).toBe(20 * size);
    // Contiguous: each chunk starts where the previous ended.
    let next = 0n;
    for (const c of all) {
      expect(c.fromOffset).toBe(next);
      next = c.nextOffset;
    }
    expect(next).toBe(20n);
    raw.close();
  });

  it("zero credit sends nothing at all; the grant is shared by all partitions of a subscription", async () => {
    const size = await fill("credit-many", 4, 40);
    const raw = await env.raw(shared.srv.url);
    const id = raw.send({ type: FrameType.SUBSCRIBE, topic: "credit-many", credit: 0, maxChunkBytes: 1 << 20, start: { kind: StartKind.EARLIEST, value: 0n }, partitions: [] });
    await raw.waitFor((f) => f.type === FrameType.SUBSCRIBED && f.requestId === id);
    await sleep(200);
    expect(raw.frames.filter((f) => f.requestId === id)).toEqual([]);

    // 7.5 batches of credit across 4 partitions with 10 batches each: exactly 7 batches arrive, in total.
    raw.send({ type: FrameType.CREDIT, requestId: id, bytes: Math.floor(size * 7.5) });
    await sleep(300);
    expect(bytesOf(chunks(raw, id))).toBe(7 * size);
    // Each partition's chunks are contiguous from 0.
    for (let p = 0; p < 4; p++) {
      let next = 0n;
      for (const c of chunks(raw, id).filter((c) => c.partition === p)) {
        expect(c.fromOffset).toBe(next);
        next = c.nextOffset;
      }
    }
    raw.close();
  });

  it("the client consumer lends the credit for a batch larger than its whole window", async () => {
    await shared.client.admin.createTopic("credit-big", { partitions: 1 });
    const producer = shared.client.producer();
    await producer.send({ topic: "credit-big", partition: 0, value: "small" });
    await producer.send({ topic: "credit-big", partition: 0, value: "B".repeat(20_000) });
    await producer.send({ topic: "credit-big", partition: 0, value: "after" });
    const consumer = shared.client.consumer({ topic: "credit-big", from: "earliest", windowBytes: 1024 });
    const got = await take(consumer, 3);
    expect(got.map((r) => text(r.value)!.length)).toEqual([5, 20_000, 5]);
    await consumer.close();
  });
});
