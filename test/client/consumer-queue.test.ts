// The consumer's held queue (src/client/consumer.ts) driven with a fake connection: chunks of two
// partitions arrive interleaved, the application pulls record by record. Every record comes out exactly
// once, in order per partition, as the decoded record itself with its topic and partition; positions()
// follows what was handed out, also in the middle of a chunk; credit is returned for exactly the bytes
// consumed and never before they are; and a seek drops what is held for its partition only.
import { describe, expect, it } from "vitest";
import { Consumer } from "../../src/client/consumer.js";
import type { Connection } from "../../src/client/connection.js";
import type { Admin } from "../../src/client/admin.js";
import { Attributes, encodeRecordBatch } from "../../src/core/index.js";
import { FrameType, type ChunkFrame, type ClientFrame } from "../../src/protocol/ws/index.js";

function chunk(partition: number, from: number, values: string[]): ChunkFrame {
  const records = encodeRecordBatch(values.map((v, i) => ({ key: null, value: new TextEncoder().encode(v), timestamp: 1_700_000_000_000 + i }))).slice();
  new DataView(records.buffer).setBigInt64(0, BigInt(from)); // the base offset (outside the CRC)
  return { type: FrameType.CHUNK, requestId: 7, partition, fromOffset: BigInt(from), nextOffset: BigInt(from + values.length), highWatermark: 0n, records };
}

function consumerWithFakeConnection(windowBytes = 1 << 20) {
  const posted: ClientFrame[] = [];
  const connection = {
    streams: new Map(),
    isOpen: true,
    allocateId: () => 7,
    post: (frame: ClientFrame) => posted.push(frame),
    async request(frame: ClientFrame, _id?: number, onResponse?: (response: unknown) => void) {
      if (frame.type === FrameType.SUBSCRIBE) return { type: FrameType.SUBSCRIBED, requestId: 7, partitions: [0, 1].map((partition) => ({ partition, errorCode: 0, startOffset: 0n })) };
      const response = { type: FrameType.OK, requestId: 7 };
      onResponse?.(response);
      return response;
    },
  } as unknown as Connection;
  const consumer = new Consumer(connection, {} as Admin, { topic: "t", partitions: [0, 1], from: "earliest", windowBytes });
  const credit = () => posted.reduce((n, f) => n + (f.type === FrameType.CREDIT ? f.bytes : 0), 0);
  return { consumer, credit };
}

const text = (v: Uint8Array | null) => new TextDecoder().decode(v!);

describe("consumer queue", () => {
  it("hands out every record once, in order per partition, with positions mid-chunk and credit only for what was consumed", async () => {
    const { consumer, credit } = consumerWithFakeConnection();
    await consumer.start();
    const a = chunk(0, 0, ["a0", "a1", "a2"]);
    const b = chunk(1, 0, ["b0", "b1"]);
    const c = chunk(0, 3, ["a3"]);
    for (const frame of [a, b, c]) consumer.onFrame(frame);
    expect(consumer.bufferedBytes).toBe(a.records.length + b.records.length + c.records.length);

    const first = await consumer.next();
    expect([first.topic, first.partition, first.offset, text(first.value)]).toEqual(["t", 0, 0n, "a0"]);
    expect(consumer.positions().get(0)).toBe(1n); // mid-chunk: what was handed out
    await consumer.next();
    expect(credit()).toBe(0); // nothing returned while the chunk is still held
    const rest = [await consumer.next(), ...(await consumer.nextBatch())];
    expect(rest.map((r) => `${r.partition}:${r.offset}:${text(r.value)}`)).toEqual(["0:2:a2", "1:0:b0", "1:1:b1", "0:3:a3"]);
    // The last chunk's end is taken on the next pull (nothing held: it returns at once).
    const pending = consumer.next();
    await new Promise((resolve) => setImmediate(resolve));
    expect(credit()).toBe(a.records.length + b.records.length + c.records.length);
    expect(consumer.bufferedBytes).toBe(0);
    expect(consumer.positions()).toEqual(new Map([[0, 4n], [1, 2n]]));
    consumer.onFrame(chunk(1, 2, ["b2"]));
    const late = await pending;
    expect([late.partition, late.offset, text(late.value)]).toEqual([1, 2n, "b2"]);
  });

  it("a seek drops what is held for its partition and keeps the others' records in order", async () => {
    const { consumer, credit } = consumerWithFakeConnection();
    await consumer.start();
    const a = chunk(0, 0, ["a0", "a1", "a2"]);
    const b = chunk(1, 0, ["b0", "b1"]);
    consumer.onFrame(a);
    consumer.onFrame(b);
    expect(text((await consumer.next()).value)).toBe("a0");
    await consumer.seek(0, 10n);
    expect(consumer.bufferedBytes).toBe(b.records.length); // the dropped chunk is no longer held
    const got = await consumer.nextBatch();
    expect(got.map((r) => text(r.value))).toEqual(["b0", "b1"]);
    expect(consumer.positions().get(0)).toBe(10n);
    consumer.onFrame(chunk(0, 10, ["a10"]));
    expect(text((await consumer.next()).value)).toBe("a10");
    // Every byte received was given back once: the dropped chunk's credit, then b's (taken with a10's pull).
    expect(credit()).toBe(a.records.length + b.records.length);
  });

  it("credit lent for a batch bigger than the window is paid back: the grant outstanding returns to the window", async () => {
    const window = 100;
    const { consumer, credit } = consumerWithFakeConnection(window);
    await consumer.start();
    let received = 0;
    const outstanding = () => window + credit() - received;
    {
      const round = 0;
      const big = chunk(0, round * 3, [`big${round}-${"x".repeat(200)}`, "y", "z"]);
      // The broker cannot send it within 100 bytes: it says so, and the caught-up consumer lends the need.
      consumer.onFrame({ type: FrameType.STALLED, requestId: 7, partition: 0, neededBytes: big.records.length });
      expect(outstanding()).toBe(window + big.records.length);
      consumer.onFrame(big);
      received += big.records.length;
      expect((await consumer.nextBatch()).map((r) => r.offset)).toEqual([0, 1, 2].map((i) => BigInt(round * 3 + i)));
      const pending = consumer.next(); // takes the chunk's end: its bytes pay the loan back
      await new Promise((resolve) => setImmediate(resolve));
      expect(outstanding()).toBe(window);
      consumer.onFrame(chunk(0, round * 3 + 3, ["s"])); // a small one fits the window as before
      received += chunk(0, 0, ["s"]).records.length;
      await pending;
      const after = consumer.next();
      await new Promise((resolve) => setImmediate(resolve));
      expect(outstanding()).toBe(window);
      // One more small chunk, taken in turn: still nothing beyond the window.
      consumer.onFrame(chunk(0, round * 3 + 4, ["t"]));
      received += chunk(0, 0, ["t"]).records.length;
      await after;
      const rest = consumer.next();
      await new Promise((resolve) => setImmediate(resolve));
      expect(outstanding()).toBe(window);
      void rest.catch(() => undefined);
    }
  });

  it("a chunk starting inside its first batch, with a control batch in the middle: each record once, positions exact after every pull", async () => {
    const { consumer } = consumerWithFakeConnection();
    await consumer.start();
    const enc = (values: string[], base: number, attributes = 0) => {
      const b = encodeRecordBatch(values.map((v) => ({ value: v, timestamp: 1 })), { attributes }).slice();
      new DataView(b.buffer).setBigInt64(0, BigInt(base));
      return b;
    };
    // Offsets 0-3 (read from 2), a control marker at 4, offsets 5-6.
    const parts = [enc(["x0", "x1", "x2", "x3"], 0), enc(["marker"], 4, Attributes.CONTROL | Attributes.TRANSACTIONAL), enc(["x5", "x6"], 5)];
    const records = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (records.set(p, at), at + p.length), 0);
    consumer.onFrame({ type: FrameType.CHUNK, requestId: 7, partition: 0, fromOffset: 2n, nextOffset: 7n, highWatermark: 0n, records });
    consumer.onFrame(chunk(1, 0, ["y0"]));
    const seen: string[] = [];
    for (const expected of [[0, 2n], [0, 3n], [0, 5n], [0, 6n], [1, 0n]] as const) {
      const r = await consumer.next();
      seen.push(text(r.value));
      expect([r.partition, r.offset]).toEqual(expected);
      expect(consumer.positions().get(r.partition)).toBe(r.offset + 1n); // brought up to date on every read
    }
    expect(seen).toEqual(["x2", "x3", "x5", "x6", "y0"]);
    expect(consumer.positions()).toEqual(new Map([[0, 7n], [1, 1n]]));
    // A seek back to 0 after records of the chunk were handed out: the new position wins.
    await consumer.seek(0, 0n);
    expect(consumer.positions().get(0)).toBe(0n);
  });
});
