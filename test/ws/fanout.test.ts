// Fan-out at the log end (src/frontends/ws/tail-fanout.ts): subscribers parked at the same offset share one
// wake-up, one read and one encoded CHUNK (its subscription id patched per subscriber). Checked on a real
// server with raw sockets: every subscriber gets every record exactly once, in order, under its own
// subscription id; the shared path was really taken (its counters move); credit is respected per
// subscriber; a subscriber whose socket stops reading or whose credit runs out does not hold back the others;
// subscribers disconnecting in the middle of deliveries leave the rest whole and nothing parked behind.
import { describe, expect, it } from "vitest";
import { decodeRecordBatch } from "../../src/core/index.js";
import { FrameType, StartKind, type ServerFrame } from "../../src/protocol/ws/index.js";
import { tailFanoutOf } from "../../src/frontends/ws/tail-fanout.js";
import { sharedServer, sleep, wsServers, type RawSocket } from "../helpers/ws-server.js";

type Chunk = Extract<ServerFrame, { type: typeof FrameType.CHUNK }>;

const env = wsServers();
// A small socket high-water mark, so a subscriber that stops reading is paused after a few chunks.
const shared = sharedServer(env, { ws: { limits: { highWaterBytes: 16 * 1024 } } }, { reconnect: false });

/** Subscribes from the log end with `credit`, under a distinct subscription id per socket. */
async function subscribeAtEnd(raw: RawSocket, topic: string, id: number, credit: number): Promise<void> {
  const reply = await raw.request({ type: FrameType.SUBSCRIBE, requestId: id, topic, credit, maxChunkBytes: 1 << 20, start: { kind: StartKind.LATEST, value: 0n }, partitions: [] });
  expect(reply.type).toBe(FrameType.SUBSCRIBED);
}

/** The values of every record in `raw`'s chunks so far, checking offsets are contiguous from `from`. */
function valuesOf(raw: RawSocket, id: number, from: bigint): string[] {
  const out: string[] = [];
  let next = from;
  for (const frame of raw.frames) {
    if (frame.type !== FrameType.CHUNK) continue;
    const chunk = frame as Chunk;
    expect(chunk.requestId).toBe(id);
    expect(chunk.fromOffset).toBe(next);
    for (const batch of decodeRecordBatchAll(chunk.records)) {
      for (const record of batch) {
        expect(record.offset).toBe(next);
        next++;
        out.push(new TextDecoder().decode(record.value!));
      }
    }
    expect(chunk.nextOffset).toBe(next);
  }
  return out;
}

function decodeRecordBatchAll(bytes: Uint8Array): { offset: bigint; value: Uint8Array | null }[][] {
  const batches = [];
  for (let at = 0; at < bytes.length; ) {
    const size = new DataView(bytes.buffer, bytes.byteOffset + at).getInt32(8) + 12;
    batches.push(decodeRecordBatch(bytes.subarray(at, at + size)).records);
    at += size;
  }
  return batches;
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const chunkCount = (raw: RawSocket) => raw.frames.filter((f) => f.type === FrameType.CHUNK).length;

describe("fan-out at the log end", () => {
  it("every parked subscriber gets every record exactly once, in order, under its own id, from one shared read per wake-up", async () => {
    const topic = "fan-all";
    await shared.client.admin.createTopic(topic, { partitions: 1 });
    const subscribers = await Promise.all(Array.from({ length: 40 }, () => env.raw(shared.srv.url)));
    await Promise.all(subscribers.map((raw, i) => subscribeAtEnd(raw, topic, 1000 + i, 1 << 30)));
    const fanout = tailFanoutOf(shared.srv.server.broker);
    await until(() => fanout.parkedOn(topic, 0) >= 40, "40 parked cursors");
    const before = { wakes: fanout.wakes, shared: fanout.sharedSends };
    const producer = shared.client.producer({ acks: 1, lingerMs: 0 });
    const expected: string[] = [];
    // One record at a time (each parks everyone again), then bursts of pipelined batches.
    for (let i = 0; i < 20; i++) {
      expected.push(`one-${i}`);
      await producer.send({ topic, partition: 0, value: `one-${i}` });
    }
    const burst = [];
    for (let i = 0; i < 300; i++) {
      expected.push(`burst-${i}`);
      burst.push(producer.send({ topic, partition: 0, value: `burst-${i}` }));
    }
    await Promise.all(burst);
    await until(() => subscribers.every((raw) => valuesOf(raw, 1000 + subscribers.indexOf(raw), 0n).length >= expected.length), "every record everywhere");
    await sleep(100); // nothing more may arrive
    subscribers.forEach((raw, i) => expect(valuesOf(raw, 1000 + i, 0n)).toEqual(expected));
    // The shared path carried the records: far fewer wake-ups (reads) than deliveries.
    const wakes = fanout.wakes - before.wakes;
    const sharedSends = fanout.sharedSends - before.shared;
    expect(wakes).toBeGreaterThanOrEqual(1);
    expect(sharedSends).toBeGreaterThanOrEqual(20 * 40);
    expect(sharedSends / wakes).toBeGreaterThan(20);
    await producer.close();
    subscribers.forEach((raw) => raw.terminate());
    await until(() => fanout.parkedOn(topic, 0) === 0, "no parked cursor left after the sockets closed");
  });

  it("respects each subscriber's credit: one that runs out is STALLED alone, resumes exactly on CREDIT, and the others never wait", async () => {
    const topic = "fan-credit";
    await shared.client.admin.createTopic(topic, { partitions: 1 });
    const producer = shared.client.producer({ acks: 1, lingerMs: 0 });
    await producer.send({ topic, partition: 0, value: "size-probe" });
    const probe = await shared.srv.server.broker.fetch(topic, 0, 0n, { maxBytes: 1 });
    const batchSize = new DataView(probe.records.buffer, probe.records.byteOffset).getInt32(8) + 12;
    const rich = await Promise.all(Array.from({ length: 5 }, () => env.raw(shared.srv.url)));
    await Promise.all(rich.map((raw, i) => subscribeAtEnd(raw, topic, 10 + i, 1 << 30)));
    const poor = await env.raw(shared.srv.url);
    await subscribeAtEnd(poor, topic, 99, Math.floor(batchSize * 3.5)); // room for three one-record batches and a half
    await until(() => tailFanoutOf(shared.srv.server.broker).parkedOn(topic, 0) >= 6, "6 parked cursors");
    const values = Array.from({ length: 10 }, (_, i) => `v${String(i).padStart(9, "0")}`); // same size as the probe
    for (const value of values) await producer.send({ topic, partition: 0, value });
    await until(() => rich.every((raw, i) => valuesOf(raw, 10 + i, 1n).length === 10), "the others get all 10");
    const stalled = await poor.waitFor((f) => f.type === FrameType.STALLED);
    expect(stalled).toMatchObject({ requestId: 99, partition: 0, neededBytes: batchSize });
    expect(valuesOf(poor, 99, 1n)).toEqual(values.slice(0, 3));
    const received = poor.frames.filter((f) => f.type === FrameType.CHUNK).reduce((n, f) => n + (f as Chunk).records.length, 0);
    expect(received).toBeLessThanOrEqual(batchSize * 3);
    poor.send({ type: FrameType.CREDIT, requestId: 99, bytes: batchSize * 100 });
    await until(() => valuesOf(poor, 99, 1n).length === 10, "the poor one resumes");
    expect(valuesOf(poor, 99, 1n)).toEqual(values);
    // Back at the end, it parks with the others and shares the next record.
    await until(() => tailFanoutOf(shared.srv.server.broker).parkedOn(topic, 0) >= 6, "all 6 parked again");
    await producer.send({ topic, partition: 0, value: "after" });
    await until(() => valuesOf(poor, 99, 1n).length === 11 && rich.every((raw, i) => valuesOf(raw, 10 + i, 1n).length === 11), "the last record everywhere");
    await producer.close();
    [...rich, poor].forEach((raw) => raw.terminate());
  });

  it("a subscriber whose socket stops reading does not hold back the others, and later gets everything in order", async () => {
    const topic = "fan-slow";
    await shared.client.admin.createTopic(topic, { partitions: 1 });
    const fast = await Promise.all(Array.from({ length: 5 }, () => env.raw(shared.srv.url)));
    await Promise.all(fast.map((raw, i) => subscribeAtEnd(raw, topic, 20 + i, 1 << 30)));
    const slow = await env.raw(shared.srv.url);
    await subscribeAtEnd(slow, topic, 77, 1 << 30);
    await until(() => tailFanoutOf(shared.srv.server.broker).parkedOn(topic, 0) >= 6, "6 parked cursors");
    slow.tcp.pause();
    const producer = shared.client.producer({ acks: 1, lingerMs: 0 });
    const value = "x".repeat(4000);
    const expected: string[] = [];
    // ~800 KB: far past the 16 KiB high-water mark plus what the kernel buffers for the paused socket.
    for (let round = 0; round < 20; round++) {
      const sends = [];
      for (let i = 0; i < 10; i++) {
        const v = `${round}-${i}-${value}`;
        expected.push(v);
        sends.push(producer.send({ topic, partition: 0, value: v }));
      }
      await Promise.all(sends);
    }
    await until(() => fast.every((raw, i) => valuesOf(raw, 20 + i, 0n).length === expected.length), "the fast ones get everything while the slow one is paused");
    const slowSoFar = valuesOf(slow, 77, 0n).length;
    expect(slowSoFar).toBeLessThan(expected.length);
    slow.tcp.resume();
    await until(() => valuesOf(slow, 77, 0n).length === expected.length, "the slow one catches up");
    expect(valuesOf(slow, 77, 0n)).toEqual(expected);
    fast.forEach((raw, i) => expect(valuesOf(raw, 20 + i, 0n)).toEqual(expected));
    await producer.close();
    [...fast, slow].forEach((raw) => raw.terminate());
  });

  it("subscribers disconnecting in the middle of deliveries: the rest get every record once, nothing stays parked", async () => {
    const topic = "fan-leave";
    await shared.client.admin.createTopic(topic, { partitions: 1 });
    const subscribers = await Promise.all(Array.from({ length: 30 }, () => env.raw(shared.srv.url)));
    await Promise.all(subscribers.map((raw, i) => subscribeAtEnd(raw, topic, 500 + i, 1 << 30)));
    const fanout = tailFanoutOf(shared.srv.server.broker);
    await until(() => fanout.parkedOn(topic, 0) >= 30, "30 parked cursors");
    const producer = shared.client.producer({ acks: 1, lingerMs: 0 });
    const expected: string[] = [];
    const leaving = subscribers.filter((_, i) => i % 2 === 1);
    for (let i = 0; i < 200; i++) {
      expected.push(`r${i}`);
      const sent = producer.send({ topic, partition: 0, value: `r${i}` });
      if (i === 50) leaving.slice(0, 8).forEach((raw) => raw.terminate()); // abrupt
      if (i === 120) leaving.slice(8).forEach((raw) => raw.close()); // clean close
      if (i % 10 === 9) await sent;
    }
    const staying = subscribers.filter((_, i) => i % 2 === 0);
    await until(() => staying.every((raw) => valuesOf(raw, 500 + subscribers.indexOf(raw), 0n).length === expected.length), "the staying ones get all 200");
    staying.forEach((raw) => expect(valuesOf(raw, 500 + subscribers.indexOf(raw), 0n)).toEqual(expected));
    // Those that left got a prefix, in order, with no duplicate.
    leaving.forEach((raw) => expect(expected.slice(0, valuesOf(raw, 500 + subscribers.indexOf(raw), 0n).length)).toEqual(valuesOf(raw, 500 + subscribers.indexOf(raw), 0n)));
    await until(() => fanout.parkedOn(topic, 0) === staying.length, "only the staying ones parked");
    expect(shared.srv.server.ws.sessions.size).toBeGreaterThanOrEqual(staying.length);
    await producer.close();
    staying.forEach((raw) => raw.terminate());
    await until(() => fanout.parkedOn(topic, 0) === 0, "nothing parked after everyone left");
    expect(chunkCount(staying[0]!)).toBeGreaterThan(0);
  });
});
