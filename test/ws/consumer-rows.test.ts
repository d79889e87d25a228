// consumer.rows() against a real broker: the records a Kafka client (kafkajs) wrote, gzip-compressed and in
// committed and aborted transactions, come out exactly as batches() hands them out (markers skipped, both
// isolation levels, from an offset inside a batch); iteration goes on across a broker restart with nothing
// lost or repeated; and a group member reads with rows() and commits what it was handed.

import { gunzipSync } from "node:zlib";
import { CompressionTypes, Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type ConsumedRows, type ConsumerOptions, type RivuletClient } from "../../src/client/index.js";
import { kafkaServers, type KafkaTestServer } from "../kafka/helpers.js";

const servers = kafkaServers();
let s: KafkaTestServer;
let kafka: Kafka;
const clients: RivuletClient[] = [];

async function client(): Promise<RivuletClient> {
  const c = await connect({ url: s.wsUrl, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  s = await servers.start();
  kafka = new Kafka({ brokers: [s.bootstrap], clientId: "rows", logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
});

afterAll(() => {
  for (const c of clients) c.close();
});

const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString());
const decompress = (_id: number, data: Uint8Array) => gunzipSync(data);

interface Flat {
  partition: number;
  offset: bigint;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: string;
}

function flatRows(rows: ConsumedRows): Flat[] {
  const out: Flat[] = [];
  for (let i = 0; i < rows.count; i++) {
    const headers = JSON.stringify(rows.headers(i).map((h) => [h.key, text(h.value)]));
    out.push({ partition: rows.partition, offset: rows.offset(i), timestamp: rows.timestamp(i), key: text(rows.key(i)), value: text(rows.value(i)), headers });
  }
  return out;
}

/** `count` records through batches() and through rows() of two consumers made with `options`. */
async function bothWays(options: ConsumerOptions, count: number): Promise<{ batches: Flat[]; rows: Flat[] }> {
  const c = await client();
  const batches: Flat[] = [];
  const a = c.consumer(options);
  for await (const records of a.batches()) {
    for (const r of records) batches.push({ partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: text(r.key), value: text(r.value), headers: JSON.stringify(r.headers.map((h) => [h.key, text(h.value)])) });
    if (batches.length >= count) break;
  }
  await a.close();
  const rows: Flat[] = [];
  const b = c.consumer(options);
  for await (const step of b.rows()) {
    rows.push(...flatRows(step));
    if (rows.length >= count) break;
  }
  expect(b.positions()).toEqual(a.positions());
  await b.close();
  return { batches, rows };
}

describe("consumer.rows() on a real broker", () => {
  it("kafkajs gzip batches and transactions: the same records as batches(), markers skipped, both isolations, from inside a batch", async () => {
    await s.server.broker.createTopic("rows-kafkajs", { partitions: 1 });
    const producer = kafka.producer({ transactionalId: "rows-tx", maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const plain = kafka.producer();
    await plain.connect();
    const messages = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ key: i % 3 ? `${prefix}-k${i}` : null, value: `${prefix}-${i}`, headers: i % 2 ? { h: `${prefix}${i}` } : {} }));
    await plain.send({ topic: "rows-kafkajs", compression: CompressionTypes.GZIP, messages: messages("gz", 10) }); // offsets 0-9
    let tx = await producer.transaction();
    await tx.send({ topic: "rows-kafkajs", compression: CompressionTypes.GZIP, messages: messages("committed", 4) }); // 10-13, marker 14
    await tx.commit();
    tx = await producer.transaction();
    await tx.send({ topic: "rows-kafkajs", messages: messages("aborted", 3) }); // 15-17, marker 18
    await tx.abort();
    await plain.send({ topic: "rows-kafkajs", messages: messages("plain", 5) }); // 19-23
    await producer.disconnect();
    await plain.disconnect();

    const all = await bothWays({ topic: "rows-kafkajs", from: "earliest", decompress }, 22);
    expect(all.rows).toEqual(all.batches);
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => BigInt(from + i));
    expect(all.rows.map((r) => r.offset)).toEqual([...range(0, 13), ...range(15, 17), ...range(19, 23)]);
    expect(all.rows[10]!.value).toBe("committed-0");

    const committed = await bothWays({ topic: "rows-kafkajs", from: "earliest", decompress, isolation: "read_committed" }, 19);
    expect(committed.rows).toEqual(committed.batches);
    expect(committed.rows.some((r) => r.value!.startsWith("aborted"))).toBe(false);
    expect(committed.rows.map((r) => r.value).slice(-5)).toEqual(["plain-0", "plain-1", "plain-2", "plain-3", "plain-4"]);

    const inside = await bothWays({ topic: "rows-kafkajs", from: { offset: 6n }, decompress }, 16);
    expect(inside.rows).toEqual(inside.batches);
    expect(inside.rows[0]!.offset).toBe(6n);
  });

  it("goes on across a broker restart: every offset once, in order", async () => {
    const c = await client();
    await c.admin.createTopic("rows-restart", { partitions: 1 });
    const producer = c.producer({ lingerMs: 2 });
    const total = 3000;
    for (let i = 0; i < total; i += 100) await producer.sendMany(Array.from({ length: 100 }, (_, j) => ({ topic: "rows-restart", partition: 0, value: `v${i + j}` })));
    const consumer = c.consumer({ topic: "rows-restart", from: "earliest", maxChunkBytes: 4096, windowBytes: 16384 });
    const offsets: bigint[] = [];
    let restarted = false;
    for await (const rows of consumer.rows()) {
      for (let i = 0; i < rows.count; i++) {
        offsets.push(rows.offset(i));
        expect(text(rows.value(i))).toBe(`v${rows.offset(i)}`);
      }
      if (!restarted && offsets.length >= total / 3) {
        restarted = true;
        // Read on only once the client is back: what it held (the rest of this step's chunk and more) is
        // dropped then, and it resubscribes from the positions, which must be right after this step.
        const reconnected = new Promise<void>((resolve) => {
          const off = c.on("reconnected", () => (off(), resolve()));
        });
        await s.restart();
        await reconnected;
      }
      if (offsets.length >= total) break;
    }
    expect(restarted).toBe(true);
    expect(offsets).toEqual(Array.from({ length: total }, (_, i) => BigInt(i)));
    await consumer.close();
  });

  it("a group member reads with rows() and commits what it was handed on close", async () => {
    const c = await client();
    await c.admin.createTopic("rows-group", { partitions: 2 });
    const producer = c.producer({ lingerMs: 2 });
    await producer.sendMany(Array.from({ length: 40 }, (_, i) => ({ topic: "rows-group", partition: i % 2, value: `g${i}` })));
    const member = c.consumer({ topic: "rows-group", group: "rows-g", from: "earliest" });
    const values: string[] = [];
    for await (const rows of member.rows()) {
      for (let i = 0; i < rows.count; i++) values.push(text(rows.value(i))!);
      if (values.length >= 40) break;
    }
    await member.close();
    expect(values.sort()).toEqual(Array.from({ length: 40 }, (_, i) => `g${i}`).sort());
    const committed = await c.admin.committedOffsets("rows-g", ["rows-group"]);
    expect(committed.map((o) => [o.partition, o.offset]).sort()).toEqual([
      [0, 20n],
      [1, 20n],
    ]);
  });
});
