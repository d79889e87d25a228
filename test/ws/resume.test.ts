// Resumable streams: a consumer that loses its server (the server restarts on the same data dir and port)
// reconnects with backoff and carries on from what the application consumed, with no gap and no duplicate;
// a consumer closed and re-created from positions() continues exactly where the first one stopped.
import { describe, expect, it } from "vitest";
import type { ConsumedRecord, RivuletClient } from "../../src/client/index.js";
import { take } from "../helpers/consume.js";
import { sleep, text, wsServers } from "../helpers/ws-server.js";

const env = wsServers();
const reconnect = { initialDelayMs: 50, maxDelayMs: 400 };

/** Every partition's offsets are exactly 0..n-1 in order, and the values are exactly the ones expected. */
function expectExactlyOnceInOrder(records: ConsumedRecord[], expectedValues: number): void {
  const next = new Map<number, bigint>();
  for (const r of records) {
    expect(r.offset, `partition ${r.partition}`).toBe(next.get(r.partition) ?? 0n);
    next.set(r.partition, r.offset + 1n);
  }
  const values = records.map((r) => Number(text(r.value)));
  expect(new Set(values).size).toBe(values.length);
  expect(values.length).toBe(expectedValues);
  expect(Math.max(...values)).toBe(expectedValues - 1);
}

async function produceRange(client: RivuletClient, topic: string, from: number, to: number): Promise<void> {
  const producer = client.producer({ lingerMs: 2, idempotent: true });
  const sends = [];
  for (let i = from; i < to; i++) sends.push(producer.send({ topic, key: `key-${i % 31}`, value: String(i) }));
  await Promise.all(sends);
}

async function waitUntil(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe("resume across a server restart", () => {
  it("a consumer reading while the server restarts receives every record exactly once, in order", async () => {
    const srv = await env.start();
    const topic = "resume-restart";
    const client = await env.client(srv.url, { reconnect });
    await client.admin.createTopic(topic, { partitions: 3 });
    await produceRange(client, topic, 0, 3000);

    // Small windows keep the server's cursors close behind the applications, so records are in flight
    // when the server goes away. `reader` keeps reading all along; `holder` stops reading before the
    // restart with records received but not yet handed out, which it must drop and fetch again.
    const options = { topic, from: "earliest" as const, windowBytes: 8 * 1024, maxChunkBytes: 4 * 1024 };
    const reader = client.consumer(options);
    const holder = client.consumer(options);
    const received = await take(reader, 1000);
    const held = await take(holder, 500);
    await waitUntil("the holder to hold records", () => holder.bufferedBytes > 0);

    let reconnects = 0;
    for (const consumer of [reader, holder]) {
      const resubscribe = consumer.onReconnect.bind(consumer);
      consumer.onReconnect = () => {
        reconnects++;
        resubscribe();
      };
    }
    const connection = client.connection;
    const restarted = srv.restart();
    // Keep reading while the server is down and while it comes back.
    const reading = (async () => {
      while (received.length < 5000) received.push(...(await take(reader, 1, 30_000)));
    })();
    await restarted;
    await waitUntil("the client to reconnect", () => connection.isOpen && reconnects === 2);
    // Records written after the restart, through the reconnected client.
    await produceRange(client, topic, 3000, 5000);
    await reading;
    held.push(...(await take(holder, 4500, 30_000)));
    await Promise.all([reader.close(), holder.close()]);
    expectExactlyOnceInOrder(received, 5000);
    expectExactlyOnceInOrder(held, 5000);
  }, 60_000);

  it("records produced while the server is down are sent after it is back (idempotent producer, no duplicate)", async () => {
    const srv = await env.start();
    const topic = "resume-produce";
    const client = await env.client(srv.url, { reconnect });
    await client.admin.createTopic(topic, { partitions: 2 });
    const producer = client.producer({ lingerMs: 1, idempotent: true, retries: 20 });
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 500; i++) sends.push(producer.send({ topic, key: `k${i % 7}`, value: String(i) }));
    await Promise.all(sends);
    const restarted = srv.restart();
    for (let i = 500; i < 1000; i++) sends.push(producer.send({ topic, key: `k${i % 7}`, value: String(i) }));
    await restarted;
    await Promise.all(sends);

    const consumer = client.consumer({ topic, from: "earliest" });
    const got = await take(consumer, 1000, 20_000);
    await consumer.close();
    expectExactlyOnceInOrder(got, 1000);
    // Nothing beyond the 1000 records: the log ends exactly there.
    const ends = await Promise.all([0, 1].map((p) => client.admin.listOffsets(topic, p, "latest")));
    expect(ends.reduce((n, e) => n + e.offset, 0n)).toBe(1000n);
  }, 60_000);
});

describe("resume from positions()", () => {
  it("a consumer closed and re-created with positions continues exactly", async () => {
    const srv = await env.start();
    const topic = "resume-positions";
    const client = await env.client(srv.url);
    await client.admin.createTopic(topic, { partitions: 4 });
    await produceRange(client, topic, 0, 2000);

    const first = client.consumer({ topic, from: "earliest", windowBytes: 16 * 1024 });
    const part1 = await take(first, 700);
    const positions = first.positions();
    await first.close();
    // positions() is what the application consumed: one past the last record it got, per partition.
    for (const [partition, position] of positions) {
      const last = part1.filter((r) => r.partition === partition).at(-1);
      expect(position).toBe(last ? last.offset + 1n : 0n);
    }
    expect(positions.size).toBe(4);

    // Saved as plain JSON-ish numbers and restored: the second consumer takes over exactly.
    const saved = Object.fromEntries([...positions].map(([p, o]) => [p, o.toString()]));
    const restored = Object.fromEntries(Object.entries(saved).map(([p, o]) => [p, BigInt(o)]));
    const second = client.consumer({ topic, from: "latest", positions: restored });
    const part2 = await take(second, 1300);
    await second.close();
    expectExactlyOnceInOrder([...part1, ...part2], 2000);
  });
});
