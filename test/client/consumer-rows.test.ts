// consumer.rows() (src/client/chunk-rows.ts) against an in-memory broker (fake-broker.ts): the same records
// as the record readers on the same chunks (headers, null keys, a kafkajs gzip batch, a transaction marker
// skipped, records before the position skipped), positions as steps are handed out, a corrupt batch, a seek
// and a reconnect mid-iteration, views that stay valid while other batches are decoded, and a consumer
// read both ways refused.

import { createRequire } from "node:module";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { Admin, Connection, Consumer, CorruptBatchError, type ConsumedRows } from "../../src/client/index.js";
import { Attributes, decodeBatchRows, encodeRecordBatch } from "../../src/core/index.js";
import { FrameType, StartKind, type ClientFrame, type ServerFrame } from "../../src/protocol/ws/index.js";
import { FakeBroker, sleep, until, type FakeSocket } from "./fake-broker.js";

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0/index.js") as { RecordBatch: (o: any) => Promise<{ buffer: Buffer }> };
const KafkajsRecord = require("kafkajs/src/protocol/recordBatch/record/v0/index.js") as (o: any) => unknown;
const Long = require("kafkajs/src/utils/long.js") as { fromString(s: string): unknown };
const { Types } = require("kafkajs/src/protocol/message/compression/index.js") as { Types: { GZIP: number } };

const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

type Subscribe = Extract<ClientFrame, { type: typeof FrameType.SUBSCRIBE }>;

/** One topic "t" of 2 partitions: SUBSCRIBE (at the asked offset, else 10), SEEK and UNSUBSCRIBE answered; chunks are sent by the test. */
function topicBroker(): FakeBroker & { subscribes: Subscribe[] } {
  const broker = new FakeBroker() as FakeBroker & { subscribes: Subscribe[] };
  broker.subscribes = [];
  broker.answer = (frame) => {
    if (frame.type === FrameType.SUBSCRIBE) {
      broker.subscribes.push(frame);
      const partitions = frame.partitions.map((p) => ({ partition: p.partition, errorCode: 0, startOffset: p.start.kind === StartKind.OFFSET ? p.start.value : 10n, logStartOffset: 0n, logEndOffset: 10n }));
      return [{ type: FrameType.SUBSCRIBED, requestId: frame.requestId, partitions }];
    }
    if (frame.type === FrameType.SEEK || frame.type === FrameType.UNSUBSCRIBE) return [{ type: FrameType.OK, requestId: frame.requestId }];
    if (frame.type === FrameType.PING) return [{ type: FrameType.PONG, requestId: frame.requestId, serverTimeMs: 0n }];
    return [];
  };
  return broker;
}

function batch(baseOffset: bigint, values: string[], headers = false): Uint8Array {
  return encodeRecordBatch(
    values.map((value, i) => ({ key: i % 2 ? `k${value}` : null, value, timestamp: 1_700_000_000_000 + i, headers: headers && i % 2 === 0 ? [{ key: "h", value: value.toUpperCase() }] : undefined })),
    { baseOffset },
  );
}

/** A COMMIT marker of a transaction, as a broker writes it: a control batch of one record. */
function commitMarker(offset: bigint): Uint8Array {
  const key = new Uint8Array([0, 0, 0, 1]); // version 0, type 1 (COMMIT)
  return encodeRecordBatch([{ key, value: new Uint8Array(6), timestamp: 1 }], { baseOffset: offset, producerId: 7n, producerEpoch: 0, attributes: Attributes.CONTROL | Attributes.TRANSACTIONAL });
}

/** A gzip batch as kafkajs (a Kafka client) encodes it. */
async function kafkajsGzip(baseOffset: bigint, values: string[]): Promise<Uint8Array> {
  const encoded = await RecordBatch({
    compression: Types.GZIP,
    firstOffset: Long.fromString(String(baseOffset)),
    firstTimestamp: 1_700_000_000_000,
    maxTimestamp: 1_700_000_000_000 + values.length,
    lastOffsetDelta: values.length - 1,
    records: values.map((value, i) =>
      KafkajsRecord({ offsetDelta: i, timestampDelta: i, key: Buffer.from(`z${i}`), value: Buffer.from(value), headers: { zh: Buffer.from(String(i)) } }),
    ),
  });
  return new Uint8Array(encoded.buffer);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function chunk(socket: FakeSocket, subscriptionId: number, partition: number, fromOffset: bigint, records: Uint8Array, nextOffset: bigint): void {
  // A copy per delivery, as a socket hands each message its own buffer.
  socket.deliver({ type: FrameType.CHUNK, requestId: subscriptionId, partition, fromOffset, nextOffset, highWatermark: nextOffset, records: records.slice() } as ServerFrame);
}

async function setup(options: Partial<ConstructorParameters<typeof Consumer>[2]> = {}) {
  const broker = topicBroker();
  const connection = new Connection({ WebSocket: broker.WebSocket, requestTimeoutMs: 300, reconnect: { initialDelayMs: 10, maxDelayMs: 40 } });
  const consumer = new Consumer(connection, new Admin(connection), { topic: "t", from: "earliest", partitions: [0, 1], decompress: (_id, data) => gunzipSync(data), ...options });
  await connection.connect();
  await consumer.start();
  const send = (partition: number, fromOffset: bigint, records: Uint8Array, nextOffset: bigint) => chunk(broker.current!, broker.subscribes.at(-1)!.requestId, partition, fromOffset, records, nextOffset);
  const done = async () => {
    await consumer.close();
    connection.close();
  };
  return { broker, connection, consumer, send, done };
}

interface Flat {
  partition: number;
  offset: bigint;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
}

function flatten(rows: ConsumedRows): Flat[] {
  const out: Flat[] = [];
  for (let i = 0; i < rows.count; i++) {
    out.push({ partition: rows.partition, offset: rows.offset(i), timestamp: rows.timestamp(i), key: text(rows.key(i)), value: text(rows.value(i)), headers: rows.headers(i).map((h) => [h.key, text(h.value)]) });
  }
  return out;
}

/** Reads steps until `count` records were handed out. */
async function readRows(iterator: AsyncIterator<ConsumedRows>, count: number): Promise<{ records: Flat[]; steps: ConsumedRows[] }> {
  const records: Flat[] = [];
  const steps: ConsumedRows[] = [];
  while (records.length < count) {
    const step = await iterator.next();
    if (step.done) throw new Error("ended early");
    steps.push(step.value);
    records.push(...flatten(step.value));
  }
  return { records, steps };
}

describe("consumer.rows()", () => {
  it("hands out the same records as batches() on the same chunks, without markers or records before the position", async () => {
    const chunks: [number, bigint, Uint8Array, bigint][] = [
      // Partition 0 starts at 12, inside its first batch: 10 and 11 are skipped.
      [0, 12n, concat(batch(10n, ["a", "b", "c", "d"], true), commitMarker(14n), batch(15n, ["e", "f"])), 17n],
      [1, 10n, concat(await kafkajsGzip(10n, ["g1", "g2", "g3"]), batch(13n, ["x"], true)), 14n],
      // A chunk of only a marker, then a chunk entirely before the position.
      [0, 17n, commitMarker(17n), 18n],
      [1, 20n, batch(14n, ["old"]), 20n],
      [0, 18n, batch(18n, ["h", "i", "j"], true), 21n],
    ];
    const expected: Flat[] = [];
    {
      const { consumer, send, done } = await setup();
      for (const c of chunks) send(...c);
      for await (const records of consumer.batches()) {
        for (const r of records) expected.push({ partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: text(r.key), value: text(r.value), headers: r.headers.map((h) => [h.key, text(h.value)]) });
        if (expected.length >= 11) break;
      }
      await done();
    }
    expect(expected.map((r) => r.value)).toEqual(["c", "d", "e", "f", "g1", "g2", "g3", "x", "h", "i", "j"]);
    const { consumer, send, done } = await setup();
    for (const c of chunks) send(...c);
    const { records, steps } = await readRows(consumer.rows()[Symbol.asyncIterator](), 11);
    expect(records).toEqual(expected);
    // One step per batch with records to hand out, each of one partition.
    expect(steps.map((s) => [s.partition, s.count])).toEqual([
      [0, 2],
      [0, 2],
      [1, 3],
      [1, 1],
      [0, 3],
    ]);
    expect(consumer.positions()).toEqual(new Map([[0, 21n], [1, 20n]]));
    await done();
  });

  it("the allocation-free accessors read the same fields as the views", async () => {
    const { consumer, send, done } = await setup({ partitions: [0] });
    send(0, 10n, concat(batch(10n, ["a", "bb", "ccc"], true), await kafkajsGzip(13n, ["zz"])), 14n);
    const iterator = consumer.rows()[Symbol.asyncIterator]();
    for (let step = 0; step < 2; step++) {
      const rows = (await iterator.next()).value as ConsumedRows;
      for (let i = 0; i < rows.count; i++) {
        expect(rows.offsetNumber(i)).toBe(Number(rows.offset(i)));
        const key = rows.key(i);
        expect(rows.keyLength(i)).toBe(key === null ? -1 : key.length);
        const bytes = (start: number, length: number) => [...rows.bytes.subarray(start, start + length)];
        if (key) expect(bytes(rows.keyStart(i), rows.keyLength(i))).toEqual([...key]);
        expect(bytes(rows.valueStart(i), rows.valueLength(i))).toEqual([...rows.value(i)!]);
      }
    }
    await done();
  });

  it("a step stays readable while other batches are decoded on the thread; key/value views outlive it", async () => {
    const { consumer, send, done } = await setup({ partitions: [0] });
    send(0, 10n, concat(batch(10n, ["a", "b", "c"], true), batch(13n, ["d", "e"])), 15n);
    const iterator = consumer.rows()[Symbol.asyncIterator]();
    const first = (await iterator.next()).value as ConsumedRows;
    const before = flatten(first);
    const values = [first.value(0), first.value(1), first.value(2)];
    // Another decode (another consumer, a batch of the application's own) overwrites the core's tables.
    const other = decodeBatchRows(batch(500n, ["p", "q", "r", "s", "t", "u"], true));
    expect(other.offset(0)).toBe(500n);
    expect(flatten(first)).toEqual(before);
    const second = (await iterator.next()).value as ConsumedRows;
    expect(flatten(second).map((r) => r.value)).toEqual(["d", "e"]);
    expect(values.map(text)).toEqual(["a", "b", "c"]);
    await done();
  });

  it("positions move as steps are handed out; chunk ends move them on and return credit", async () => {
    const { broker, consumer, send, done } = await setup({ partitions: [0], windowBytes: 4096 });
    const records = concat(batch(10n, ["a", "b"]), batch(12n, ["c"]), commitMarker(13n));
    send(0, 10n, records, 14n);
    const iterator = consumer.rows()[Symbol.asyncIterator]();
    await iterator.next();
    expect(consumer.positions().get(0)).toBe(12n);
    expect(consumer.bufferedBytes).toBe(records.length);
    await iterator.next();
    expect(consumer.positions().get(0)).toBe(13n);
    const credits = () => broker.current!.received.filter((f) => f.type === FrameType.CREDIT);
    expect(credits()).toHaveLength(0);
    // The next step passes the chunk's end (past the marker) before waiting for more.
    const pending = iterator.next();
    await until("the chunk's credit", () => credits().length === 1);
    expect(credits()[0]).toMatchObject({ bytes: records.length });
    expect(consumer.positions().get(0)).toBe(14n);
    expect(consumer.bufferedBytes).toBe(0);
    send(0, 14n, batch(14n, ["d"]), 15n);
    expect(flatten((await pending).value as ConsumedRows).map((r) => r.value)).toEqual(["d"]);
    await done();
  });

  it("a corrupt batch: the good batches first, then CORRUPT_MESSAGE at its offset; the partition waits for a seek", async () => {
    const { consumer, send, done } = await setup();
    const bad = batch(12n, ["c", "d", "e"]);
    bad[bad.length - 1]! ^= 0xff; // CRC no longer matches
    const after = batch(15n, ["f"]);
    const first = concat(batch(10n, ["a", "b"]), bad, after);
    const g = batch(16n, ["g"]);
    const x = batch(10n, ["x"]);
    send(0, 10n, first, 16n);
    send(0, 16n, g, 17n); // arrived before the corrupt batch was found: dropped with it
    send(1, 10n, x, 11n);
    await until("all three chunks held", () => consumer.bufferedBytes === first.length + g.length + x.length);
    const iterator = consumer.rows()[Symbol.asyncIterator]();
    expect(flatten((await iterator.next()).value as ConsumedRows).map((r) => r.value)).toEqual(["a", "b"]);
    const error = await iterator.next().catch((e: Error) => e);
    expect(error).toBeInstanceOf(CorruptBatchError);
    const corrupt = error as CorruptBatchError;
    expect([corrupt.code, corrupt.partition, corrupt.offset, corrupt.nextOffset]).toEqual(["CORRUPT_MESSAGE", 0, 12n, 15n]);
    expect(consumer.positions().get(0)).toBe(12n);
    expect(consumer.bufferedBytes).toBe(x.length);
    send(0, 17n, batch(17n, ["h"]), 18n); // the halted partition takes nothing until a seek
    const rows = consumer.rows()[Symbol.asyncIterator]();
    expect(flatten((await rows.next()).value as ConsumedRows).map((r) => [r.partition, r.value])).toEqual([[1, "x"]]);
    await sleep(20);
    expect(consumer.bufferedBytes).toBe(x.length);
    await consumer.seek(0, corrupt.nextOffset);
    send(0, 15n, after, 16n);
    expect(flatten((await rows.next()).value as ConsumedRows).map((r) => [r.offset, r.value])).toEqual([[15n, "f"]]);
    await done();
  });

  it("a seek mid-iteration drops what is held for the partition and resumes at the new offset", async () => {
    const { consumer, send, done } = await setup({ partitions: [0] });
    send(0, 10n, concat(batch(10n, ["a", "b"]), batch(12n, ["c", "d"])), 14n);
    send(0, 14n, batch(14n, ["e"]), 15n);
    const iterator = consumer.rows()[Symbol.asyncIterator]();
    expect(flatten((await iterator.next()).value as ConsumedRows).map((r) => r.value)).toEqual(["a", "b"]);
    await consumer.seek(0, 40n);
    expect(consumer.positions().get(0)).toBe(40n);
    expect(consumer.bufferedBytes).toBe(0);
    send(0, 40n, batch(40n, ["y", "z"]), 42n);
    expect(flatten((await iterator.next()).value as ConsumedRows).map((r) => [r.offset, r.value])).toEqual([
      [40n, "y"],
      [41n, "z"],
    ]);
    await done();
  });

  it("after a reconnect it resubscribes right after the last step handed out", async () => {
    const { broker, consumer, send, done } = await setup({ partitions: [0] });
    send(0, 10n, concat(batch(10n, ["a", "b"]), batch(12n, ["c", "d"])), 14n);
    const iterator = consumer.rows()[Symbol.asyncIterator]();
    expect(flatten((await iterator.next()).value as ConsumedRows).map((r) => r.value)).toEqual(["a", "b"]);
    broker.mode = "refuse";
    broker.current!.drop();
    await sleep(60);
    broker.mode = "welcome";
    await until("a second SUBSCRIBE", () => broker.subscribes.length >= 2);
    expect(broker.subscribes[1]!.partitions[0]!.start).toEqual({ kind: StartKind.OFFSET, value: 12n });
    send(0, 12n, concat(batch(10n, ["a", "b"]), batch(12n, ["c", "d"])), 14n);
    expect(flatten((await iterator.next()).value as ConsumedRows).map((r) => [r.offset, r.value])).toEqual([
      [12n, "c"],
      [13n, "d"],
    ]);
    await done();
  });

  it("close() ends the iteration quietly", async () => {
    const { consumer, done } = await setup({ partitions: [0] });
    const iterator = consumer.rows()[Symbol.asyncIterator]();
    const pending = iterator.next();
    await sleep(10);
    await done();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it("a consumer is read as rows or as records, not both", async () => {
    {
      const { consumer, send, done } = await setup({ partitions: [0] });
      send(0, 10n, batch(10n, ["a", "b"]), 12n);
      await consumer.rows()[Symbol.asyncIterator]().next();
      await expect(consumer.next()).rejects.toThrow(/read with rows\(\)/);
      expect(() => consumer[Symbol.asyncIterator]()).toThrow(/read with rows\(\)/);
      await expect(consumer.batches().next()).rejects.toThrow(/read with rows\(\)/);
      await done();
    }
    {
      const { consumer, send, done } = await setup({ partitions: [0] });
      send(0, 10n, batch(10n, ["a", "b"]), 12n);
      expect(text((await consumer.next()).value)).toBe("a");
      await expect(consumer.rows().next()).rejects.toThrow(/rows\(\) cannot be used/);
      await done();
    }
  });
});

describe("record readers on chunks held before the first read", () => {
  it("decode them when taken, as on arrival: records, then a corrupt batch stops its partition", async () => {
    const { consumer, send, done } = await setup();
    const bad = batch(12n, ["c", "d", "e"]);
    bad[bad.length - 1]! ^= 0xff;
    const first = concat(batch(10n, ["a", "b"]), bad, batch(15n, ["f"]));
    const g = batch(16n, ["g"]);
    const x = batch(10n, ["x"]);
    send(0, 10n, first, 16n);
    send(0, 16n, g, 17n);
    send(1, 10n, x, 11n);
    // All held before anything reads: the consumer does not know its reader yet.
    await until("all three chunks held", () => consumer.bufferedBytes === first.length + g.length + x.length);
    expect([await consumer.next(), await consumer.next()].map((r) => text(r.value))).toEqual(["a", "b"]);
    const error = await consumer.next().catch((e: Error) => e);
    expect(error).toBeInstanceOf(CorruptBatchError);
    expect([(error as CorruptBatchError).offset, consumer.positions().get(0)]).toEqual([12n, 12n]);
    const other = await consumer.next();
    expect([other.partition, text(other.value)]).toEqual([1, "x"]);
    expect(consumer.bufferedBytes).toBe(x.length); // g's chunk was dropped with the corrupt one
    send(0, 17n, batch(17n, ["h"]), 18n);
    await sleep(20);
    expect(consumer.bufferedBytes).toBe(x.length);
    await done();
  });
});
