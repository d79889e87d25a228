// acks=all through the WebSocket front end with the fdatasync held open and then failing
// (docs/storage.md, "When consumers see a record"; the broker-level half is
// test/broker/acks-all-visibility.test.ts). A subscriber parked at the log end gets the record as soon as it
// is written (the shard's AppendedNotice), with the high watermark at the log end in its CHUNK (a second
// subscription in raw frames reads it), while the producer's acknowledgement waits for the fsync; when
// that fsync fails, the producer gets the KAFKA_STORAGE_ERROR the docs promise, the subscriber's stream
// carries on with the next record (no gap, no repeat), and after a restart every acknowledged record is at
// its offset. An idempotent producer that retries through the failure is answered at the offset of its first
// append, which the subscriber saw once. The server runs in process, so the tests can see that the
// subscription is parked first.
import { describe, expect, it } from "vitest";
import type { RetryEvent } from "../../src/client/index.js";
import type { RivuletError } from "../../src/errors/index.js";
import { tailFanoutOf } from "../../src/frontends/ws/tail-fanout.js";
import { FrameType, StartKind, type ServerFrame } from "../../src/protocol/ws/index.js";
import { nextWithin, take } from "../helpers/consume.js";
import { heldFsync, outcomeOf, settlesWithin } from "../helpers/held-fsync.js";
import { text, wsServers } from "../helpers/ws-server.js";

const env = wsServers();
const fsync = heldFsync("ws-early-wake");

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("acks=all over WebSocket while the fdatasync is held, then fails", () => {
  it("the subscriber sees the record before the producer's answer; the failure reaches only the producer; acknowledged records survive a restart", async () => {
    const srv = await env.start({ shards: 1, shardFaults: fsync.faults });
    const client = await env.client(srv.url, { reconnect: false });
    const topic = "early-wake";
    await client.admin.createTopic(topic, { partitions: 1 });
    const producer = client.producer({ acks: "all", lingerMs: 0, retries: 0 });
    const consumer = client.consumer({ topic, from: "earliest" });
    // A second subscription in raw frames, to read the high watermark each CHUNK carries.
    const raw = await env.raw(srv.url);
    raw.send({ type: FrameType.SUBSCRIBE, topic, credit: 1 << 20, maxChunkBytes: 1 << 16, start: { kind: StartKind.EARLIEST, value: 0n }, partitions: [] });
    const chunkFrom = async (offset: bigint) => (await raw.waitFor((f) => f.type === FrameType.CHUNK && f.fromOffset === offset, 5_000)) as Extract<ServerFrame, { type: typeof FrameType.CHUNK }>;

    // An ordinary acks=all record first: the subscriptions are live and then park at the log end (offset 1).
    expect((await producer.send({ topic, partition: 0, value: "before" })).offset).toBe(0n);
    const first = await nextWithin(consumer, 10_000);
    expect([first.offset, text(first.value)]).toEqual([0n, "before"]);
    expect((await chunkFrom(0n)).highWatermark).toBe(1n);
    await until(() => tailFanoutOf(srv.server.broker).parkedOn(topic, 0) === 2, "both subscriptions parked at the log end");

    // Held: the record reaches the subscriber while its producer has no answer.
    fsync.hold();
    let answered = false;
    const held = outcomeOf(producer.send({ topic, partition: 0, value: "held" })).finally(() => (answered = true));
    const seen = await nextWithin(consumer, 5_000, () => "the subscriber did not get the acks=all record while its fdatasync was held");
    expect([seen.offset, text(seen.value)]).toEqual([1n, "held"]);
    // The high watermark is the log end, fsynced or not (docs/storage.md: it moves at the append).
    expect(await chunkFrom(1n)).toMatchObject({ nextOffset: 2n, highWatermark: 2n });
    expect(answered).toBe(false);
    expect(await settlesWithin(held, 200)).toBe(false);

    // The held fdatasync fails: the producer is told, with the docs' error.
    fsync.fail();
    fsync.release();
    const outcome = await held;
    expect("error" in outcome && outcome.error).toMatchObject({ code: "KAFKA_STORAGE_ERROR", retriable: true });
    fsync.heal();

    // The stream carries on: the next record comes at the next offset, nothing repeated or skipped.
    expect((await producer.send({ topic, partition: 0, value: "after" })).offset).toBe(2n);
    const next = await nextWithin(consumer, 5_000);
    expect([next.offset, text(next.value)]).toEqual([2n, "after"]);
    expect(await chunkFrom(2n)).toMatchObject({ nextOffset: 3n, highWatermark: 3n });
    expect(await settlesWithin(consumer.next(), 200)).toBe(false);
    expect(raw.frames.filter((f) => f.type === FrameType.CHUNK || f.type === FrameType.ERROR)).toEqual([]);
    await consumer.close();
    client.close();
    raw.terminate();

    // A restart keeps every acknowledged record at its offset. The record whose fsync failed is there too:
    // it was written, and the next fsync (the one "after" waited for) covered it; offsets stay contiguous.
    await srv.restart();
    const again = await env.client(srv.url, { reconnect: false });
    const reread = again.consumer({ topic, from: "earliest" });
    const records = await take(reread, 3);
    expect(records.map((r) => [r.offset, text(r.value)])).toEqual([
      [0n, "before"],
      [1n, "held"],
      [2n, "after"],
    ]);
    expect(await settlesWithin(reread.next(), 200)).toBe(false);
    await reread.close();
    expect((await again.producer({ acks: "all", lingerMs: 0 }).send({ topic, partition: 0, value: "restarted" })).offset).toBe(3n);
    again.close();
  }, 60_000);
  it("an idempotent producer's retries after the failed fsync are answered at the first offset and the subscriber sees the record once", async () => {
    const srv = await env.start({ shards: 1, shardFaults: fsync.faults });
    const client = await env.client(srv.url, { reconnect: false });
    const topic = "early-wake-retried";
    await client.admin.createTopic(topic, { partitions: 1 });
    const retries: string[] = [];
    const onRetry = (event: RetryEvent) => void retries.push((event.error as RivuletError).code);
    const producer = client.producer({ acks: "all", lingerMs: 0, idempotent: true, retryBackoffMs: 50, retryBackoffMaxMs: 50, onRetry });
    const consumer = client.consumer({ topic, from: "earliest" });
    expect((await producer.send({ topic, partition: 0, value: "before" })).offset).toBe(0n);
    expect((await nextWithin(consumer, 10_000)).offset).toBe(0n);
    await until(() => tailFanoutOf(srv.server.broker).parkedOn(topic, 0) === 1, "the subscription parked at the log end");

    fsync.hold();
    const sent = outcomeOf(producer.send({ topic, partition: 0, value: "retried" }));
    const seen = await nextWithin(consumer, 5_000, () => "the subscriber did not get the acks=all record while its fdatasync was held");
    expect([seen.offset, text(seen.value)]).toEqual([1n, "retried"]);
    // The held fsync fails, and so do the retries' while the fault lasts; then one succeeds.
    fsync.fail();
    fsync.release();
    await until(() => retries.length >= 2, "two retries after the failed fsync");
    fsync.heal();
    const outcome = await sent;
    // The retry is the same batch (a duplicate to the broker): answered with the offset of its first append.
    expect("ok" in outcome && outcome.ok.offset).toBe(1n);
    expect(retries.slice(0, 2)).toEqual(["KAFKA_STORAGE_ERROR", "KAFKA_STORAGE_ERROR"]);
    expect((await producer.send({ topic, partition: 0, value: "after" })).offset).toBe(2n);
    const next = await nextWithin(consumer, 5_000);
    expect([next.offset, text(next.value)]).toEqual([2n, "after"]);
    expect(await settlesWithin(consumer.next(), 200)).toBe(false);
    await consumer.close();
    client.close();
  }, 60_000);
});
