// GAP: when retention deleted records a subscriber had not read, it is told exactly which offsets are gone
// ([fromOffset, toOffset)), never silently moved; with onGap "skip" it carries on from the new log start.
import { describe, expect, it } from "vitest";
import { GapError } from "../../src/client/index.js";
import { FrameType, StartKind, type ServerFrame } from "../../src/protocol/ws/index.js";
import { nextWithin, take } from "../helpers/consume.js";
import { sharedServer, text, wsServers } from "../helpers/ws-server.js";

const env = wsServers();
const shared = sharedServer(env);

// ~170-byte batches in ~1 KB segments; retention keeps ~2 KB of closed segments.
const CONFIGS = { "segment.bytes": "1000", "retention.bytes": "2000", "retention.ms": "-1" };
const RECORDS = 60;

async function fill(topic: string): Promise<void> {
  await shared.client.admin.createTopic(topic, { partitions: 1, configs: CONFIGS });
  const producer = shared.client.producer({ lingerMs: 0 });
  // One record per batch (each send is acknowledged before the next), so segments roll often.
  for (let i = 0; i < RECORDS; i++) await producer.send({ topic, partition: 0, key: `k${i}`, value: `${i}:${"x".repeat(96)}` });
}

async function retain(topic: string): Promise<bigint> {
  await shared.srv.server.broker.runMaintenance();
  const start = (await shared.client.admin.listOffsets(topic, 0, "earliest")).offset;
  expect(start).toBeGreaterThan(10n); // retention really deleted segments
  expect(start).toBeLessThan(BigInt(RECORDS));
  return start;
}

describe("GAP after retention", () => {
  it("a consumer positioned below the log start gets a GapError with exactly [position, logStart)", async () => {
    await fill("gap-fresh");
    const logStart = await retain("gap-fresh");
    const consumer = shared.client.consumer({ topic: "gap-fresh", positions: { 0: 3n } });
    const error = await nextWithin(consumer, 5000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GapError);
    expect(error).toMatchObject({ code: "GAP", topic: "gap-fresh", partition: 0, fromOffset: 3n, toOffset: logStart });
    // Recovering by hand: seek to the log start and read on.
    await consumer.seek(0, (error as GapError).toOffset);
    const rest = await take(consumer, RECORDS - Number(logStart));
    expect(rest.map((r) => r.offset)).toEqual(Array.from({ length: RECORDS - Number(logStart) }, (_, i) => logStart + BigInt(i)));
    await consumer.close();
  });

  it("on the wire: SUBSCRIBED reports the log start, then a GAP frame with the exact range", async () => {
    await fill("gap-raw");
    const logStart = await retain("gap-raw");
    const raw = await env.raw(shared.srv.url);
    const id = raw.send({ type: FrameType.SUBSCRIBE, topic: "gap-raw", credit: 1 << 20, maxChunkBytes: 1 << 16, start: { kind: StartKind.EARLIEST, value: 0n }, partitions: [{ partition: 0, start: { kind: StartKind.OFFSET, value: 0n } }] });
    const subscribed = (await raw.waitFor((f) => f.requestId === id && f.type === FrameType.SUBSCRIBED)) as Extract<ServerFrame, { type: typeof FrameType.SUBSCRIBED }>;
    expect(subscribed.partitions).toEqual([{ partition: 0, errorCode: 0, startOffset: 0n, logStartOffset: logStart, logEndOffset: BigInt(RECORDS) }]);
    const gap = await raw.waitFor((f) => f.requestId === id && f.type !== FrameType.SUBSCRIBED);
    expect(gap).toEqual({ type: FrameType.GAP, requestId: id, partition: 0, fromOffset: 0n, toOffset: logStart });
    // The cursor waits for a SEEK: no CHUNK of deleted (or any) data follows on its own.
    const pong = await raw.request({ type: FrameType.PING });
    expect(pong.type).toBe(FrameType.PONG);
    expect(raw.frames.filter((f) => f.type === FrameType.CHUNK)).toEqual([]);
    raw.close();
  });

  it("a live consumer whose unread records are deleted: what it got plus the gap covers every offset once", async () => {
    await fill("gap-live");
    // A tiny window: the server's cursor stays a batch or two ahead of the application.
    const consumer = shared.client.consumer({ topic: "gap-live", from: "earliest", windowBytes: 400, maxChunkBytes: 400 });
    const got = await take(consumer, 3);
    const logStart = await retain("gap-live");
    let gap: GapError | undefined;
    while (!gap) {
      const next = await nextWithin(consumer, 5000).catch((e: unknown) => e);
      if (next instanceof GapError) gap = next;
      else if (next instanceof Error) throw next;
      else got.push(next as (typeof got)[number]);
    }
    expect(got.map((r) => r.offset)).toEqual(Array.from({ length: got.length }, (_, i) => BigInt(i)));
    expect(gap.fromOffset).toBe(BigInt(got.length));
    expect(gap.toOffset).toBe(logStart);
    expect(consumer.positions().get(0)).toBe(gap.fromOffset);
    await consumer.close();
  });

  it('onGap "skip": the consumer continues from the log start, in order', async () => {
    await fill("gap-skip");
    const logStart = await retain("gap-skip");
    const consumer = shared.client.consumer({ topic: "gap-skip", positions: { 0: 0n }, onGap: "skip" });
    const rest = await take(consumer, RECORDS - Number(logStart));
    expect(rest.map((r) => r.offset)).toEqual(Array.from({ length: RECORDS - Number(logStart) }, (_, i) => logStart + BigInt(i)));
    expect(text(rest[0]!.value)!.split(":")[0]).toBe(String(logStart));
    expect(consumer.positions().get(0)).toBe(BigInt(RECORDS));
    // And it keeps streaming new records.
    await shared.client.producer().send({ topic: "gap-skip", partition: 0, key: "k", value: "new" });
    expect(text((await take(consumer, 1))[0]!.value)).toBe("new");
    await consumer.close();
  });
});
