// The pipelined producer against a real server: an idempotent producer keeps five requests in flight
// while the server restarts under it (producer state survives on disk), and records the broker refuses
// (too large; keyless on a compacted topic) fail alone while their batch-mates are stored.
import { describe, expect, it } from "vitest";
import { wsServers, sleep, text } from "../helpers/ws-server.js";
import type { RivuletClient } from "../../src/client/index.js";

const servers = wsServers();

async function readAll(client: RivuletClient, topic: string): Promise<{ key: string | null; value: string | null }[]> {
  const [meta] = await client.admin.metadata([topic]);
  const end = Number(meta!.partitions[0]!.logEndOffset);
  const out: { key: string | null; value: string | null }[] = [];
  if (end === 0) return out;
  const consumer = client.consumer({ topic, from: "earliest", partitions: [0] });
  for await (const record of consumer) {
    out.push({ key: text(record.key), value: text(record.value) });
    if (Number(record.offset) + 1 >= end) break;
  }
  await consumer.close();
  return out;
}

describe("producer against a real server", () => {
  it("idempotent, 5 in flight, three server restarts mid-stream: every record once, in order, offsets as acknowledged", async () => {
    const server = await servers.start();
    const client = await servers.client(server.url, { reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
    await client.admin.createTopic("restarts", { partitions: 1 });
    let retries = 0;
    const producer = client.producer({ idempotent: true, lingerMs: 1, retryBackoffMs: 20, retryBackoffMaxMs: 200, onRetry: () => retries++ });
    const total = 20_000;
    const sends: Promise<{ offset: bigint }>[] = [];
    let settledSoFar = 0;
    /** Sends not yet settled when each restart began: the restarts must land mid-stream. */
    const pendingAtRestart: number[] = [];
    const restarts = (async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(300);
        pendingAtRestart.push(total - settledSoFar);
        await server.restart();
      }
    })();
    for (let i = 0; i < total; i++) {
      if (producer.congested) await producer.drained();
      const sent = producer.send({ topic: "restarts", value: String(i) });
      void sent.then(() => settledSoFar++, () => settledSoFar++);
      sends.push(sent);
      if (i % 100 === 99) await sleep(5);
    }
    await restarts;
    const settled = await Promise.allSettled(sends);
    const bad = settled.findIndex((r) => r.status === "rejected");
    if (bad >= 0) throw new Error(`send ${bad} of ${total} failed: ${String((settled[bad] as PromiseRejectedResult).reason)} ${(settled[bad] as PromiseRejectedResult).reason.stack}`);
    const acked = settled.map((r) => (r as PromiseFulfilledResult<{ offset: bigint }>).value);
    await producer.flush();
    // The restarts landed while records were still to be delivered (whether a batch was in flight at that
    // instant, and so retried, or waited for the reconnect, depends on timing: `retries` may be 0).
    expect(pendingAtRestart[0]).toBeGreaterThan(0);
    // A fresh client to read: the producer's may still be reconnecting after the last restart.
    const reader = await servers.client(server.url);
    const values = (await readAll(reader, "restarts")).map((r) => r.value);
    expect(values.length).toBe(total);
    expect(values).toEqual(Array.from({ length: total }, (_, i) => String(i)));
    acked.forEach((meta, i) => expect(meta.offset).toBe(BigInt(i)));
  }, 60_000);

  it("a 2 MB line among small ones: only it fails (MESSAGE_TOO_LARGE), with acks all, 1 and 0", async () => {
    const server = await servers.start();
    const client = await servers.client(server.url);
    for (const acks of ["all", 1, 0] as const) {
      const topic = `big-${acks}`;
      await client.admin.createTopic(topic, { partitions: 1 });
      const producer = client.producer({ acks, lingerMs: 20 });
      const values = ["one", "two", "x".repeat(2_000_000), "four", "five"];
      const results = await Promise.allSettled(values.map((value) => producer.send({ topic, value })));
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
      expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: "MESSAGE_TOO_LARGE", retriable: false });
      await sleep(acks === 0 ? 200 : 0);
      expect((await readAll(client, topic)).map((r) => r.value)).toEqual(["one", "two", "four", "five"]);
    }
  });

  it("keyless records on a compacted topic fail alone; the keyed ones of the same batch are stored in order", async () => {
    const server = await servers.start();
    const client = await servers.client(server.url);
    await client.admin.createTopic("compacted", { partitions: 1, configs: { "cleanup.policy": "compact" } });
    const producer = client.producer({ idempotent: true, lingerMs: 20 });
    const records = Array.from({ length: 40 }, (_, i) => ({ topic: "compacted", partition: 0, key: i % 7 === 3 ? null : `k${i}`, value: `v${i}` }));
    const results = await Promise.allSettled(records.map((r) => producer.send(r)));
    results.forEach((r, i) => expect(r.status, `record ${i}`).toBe(records[i]!.key === null ? "rejected" : "fulfilled"));
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "INVALID_RECORD" });
    const stored = await readAll(client, "compacted");
    expect(stored).toEqual(records.filter((r) => r.key !== null).map((r) => ({ key: r.key, value: r.value })));
  });

  it("default options: batches fill up to batchBytes (256 KiB), or the topic's smaller max.message.bytes, and are all accepted", async () => {
    const server = await servers.start();
    const client = await servers.client(server.url);
    // Every PRODUCE frame this connection sends, by size (the producer writes them in place).
    const frames: number[] = [];
    const connection = client.connection;
    const requestFrame = connection.requestFrame.bind(connection);
    connection.requestFrame = (write, options) =>
      requestFrame((id) => {
        const bytes = write(id);
        if (bytes) frames.push(bytes.length);
        return bytes;
      }, options);
    // batchBytes seals a batch once it is reached (the record that reaches it is in it: one record's slack);
    // max.message.bytes is a hard limit the batch never passes.
    for (const [topic, limit, slack] of [["full", 256 * 1024, 200], ["small", 100_000, 0]] as const) {
      await client.admin.createTopic(topic, { partitions: 1, configs: topic === "small" ? { "max.message.bytes": String(limit) } : {} });
      frames.length = 0;
      const producer = client.producer();
      const total = 25_000;
      const value = (i: number) => String(i).padStart(100, "0");
      await producer.sendAll(Array.from({ length: total }, (_, i) => ({ topic, value: value(i) })));
      await producer.close();
      const head = 22 + topic.length; // the PRODUCE frame's bytes before its batch
      expect(Math.max(...frames) - head).toBeLessThanOrEqual(limit + slack);
      expect(Math.max(...frames) - head).toBeGreaterThan(limit * 0.85); // full batches, not the per-record bound's 75%
      const stored = await readAll(client, topic);
      expect(stored.map((r) => r.value)).toEqual(Array.from({ length: total }, (_, i) => value(i)));
    }
  }, 60_000);
});
