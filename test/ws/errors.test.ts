// Every class of bad input over the wire gets its defined outcome (an error code in the response, an ERROR
// frame, or a close code), and after each one the broker keeps serving a second, healthy client.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RivuletClient } from "../../src/client/index.js";
import { encodeRecordBatch } from "../../src/core/index.js";
import { CloseCode, encodeClientFrame, FrameType, RivuletErrorCode, StartKind, type ServerFrame } from "../../src/protocol/ws/index.js";
import { take } from "../helpers/consume.js";
import { assertHealthy, sleep, wsServers, type RawSocket, type TestServer } from "../helpers/ws-server.js";
import { flip } from "../helpers/flip.js";

const env = wsServers();
let srv: TestServer;
let healthy: RivuletClient;
const MAX_FRAME = 256 * 1024;

type Frame<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

beforeAll(async () => {
  srv = await env.start({ ws: { maxFrameBytes: MAX_FRAME, limits: { maxSubscriptions: 2 } } });
  healthy = await env.client(srv.url);
  await healthy.admin.createTopic("ok", { partitions: 2, configs: { "max.message.bytes": "2000" } });
  await healthy.admin.createTopic("compacted", { partitions: 1, configs: { "cleanup.policy": "compact" } });
});

// After every case: a fresh connection works, and the long-lived client still produces and consumes.
let healthyRound = 0;
afterEach(async () => {
  await assertHealthy(srv.url);
  const value = `healthy-${healthyRound++}`;
  const meta = await healthy.producer().send({ topic: "ok", partition: 1, value });
  const consumer = healthy.consumer({ topic: "ok", partitions: [1], positions: { 1: meta.offset } });
  expect(new TextDecoder().decode((await take(consumer, 1))[0]!.value!)).toBe(value);
  await consumer.close();
});

const produce = async (raw: RawSocket, topic: string, partition: number, batch: Uint8Array) =>
  (await raw.request({ type: FrameType.PRODUCE, acks: -1, timeoutMs: 5000, items: [{ topic, partition, batch }] })) as Frame<typeof FrameType.PRODUCE_RESULT>;

const expectError = (frame: ServerFrame, errorCode: number, code: string) => {
  expect(frame).toMatchObject({ type: FrameType.ERROR, errorCode, code });
};

describe("errors as data: codes in PRODUCE / FETCH / LIST_OFFSETS results", () => {
  it("unknown topic (3) and bad partition (3), per item; the good item in the same frame is appended", async () => {
    const raw = await env.raw(srv.url);
    const r = (await raw.request({
      type: FrameType.PRODUCE,
      acks: 1,
      timeoutMs: 5000,
      items: [
        { topic: "missing", partition: 0, batch: encodeRecordBatch([{ value: "x" }]) },
        { topic: "ok", partition: 7, batch: encodeRecordBatch([{ value: "x" }]) },
        { topic: "ok", partition: -1, batch: encodeRecordBatch([{ value: "x" }]) },
        { topic: "ok", partition: 0, batch: encodeRecordBatch([{ value: "good" }]) },
      ],
    })) as Frame<typeof FrameType.PRODUCE_RESULT>;
    expect(r.items.map((i) => i.errorCode)).toEqual([3, 3, 3, 0]);
    expect(r.items[0]!.errorMessage).toMatch(/missing/);
    expect(r.items[3]!.baseOffset).toBeGreaterThanOrEqual(0n);
    expect(raw.isOpen).toBe(true);
    // Whole-request errors for unknown topics: DESCRIBE and SUBSCRIBE answer with an ERROR frame.
    expectError(await raw.request({ type: FrameType.DESCRIBE_TOPIC, name: "missing" }), 3, "UNKNOWN_TOPIC_OR_PARTITION");
    expectError(await raw.request({ type: FrameType.SUBSCRIBE, topic: "missing", credit: 1024, maxChunkBytes: 1024, start: { kind: StartKind.EARLIEST, value: 0n }, partitions: [] }), 3, "UNKNOWN_TOPIC_OR_PARTITION");
    // A bad partition in a SUBSCRIBE is reported per partition.
    const sub = (await raw.request({ type: FrameType.SUBSCRIBE, topic: "ok", credit: 1024, maxChunkBytes: 1024, start: { kind: StartKind.LATEST, value: 0n }, partitions: [{ partition: 9, start: { kind: StartKind.LATEST, value: 0n } }] })) as Frame<typeof FrameType.SUBSCRIBED>;
    expect(sub.partitions.map((p) => [p.partition, p.errorCode])).toEqual([[9, 3]]);
    // The client surfaces them as typed errors.
    await expect(healthy.producer({ retries: 0 }).send({ topic: "missing", partition: 0, value: "x" })).rejects.toMatchObject({ code: "UNKNOWN_TOPIC_OR_PARTITION", kafkaCode: 3 });
    raw.close();
  });

  it("corrupt batch (2): a flipped CRC byte, a flipped payload byte, garbage", async () => {
    const raw = await env.raw(srv.url);
    const crcByte = encodeRecordBatch([{ key: "k", value: "v" }]);
    flip(crcByte, 17, 0x01); // the CRC field is bytes 17..20
    const payload = encodeRecordBatch([{ key: "k", value: "v" }]);
    flip(payload, payload.length - 1, 0xff);
    for (const batch of [crcByte, payload, new Uint8Array(30), new Uint8Array(0)]) {
      const r = await produce(raw, "ok", 0, batch);
      expect(r.items[0]!.errorCode).toBe(2);
    }
    expect(raw.isOpen).toBe(true);
    raw.close();
  });

  it("oversized batch (10) and invalid records (87): control batch, keyless record to a compacted topic", async () => {
    const raw = await env.raw(srv.url);
    expect((await produce(raw, "ok", 0, encodeRecordBatch([{ value: "y".repeat(3000) }]))).items[0]!.errorCode).toBe(10);
    expect((await produce(raw, "ok", 0, encodeRecordBatch([{ key: "k", value: "v" }], { attributes: 0x20 }))).items[0]!.errorCode).toBe(87);
    expect((await produce(raw, "compacted", 0, encodeRecordBatch([{ key: null, value: "v" }]))).items[0]!.errorCode).toBe(87);
    expect((await produce(raw, "compacted", 0, encodeRecordBatch([{ key: "k", value: "v" }]))).items[0]!.errorCode).toBe(0);
    await expect(healthy.producer().send({ topic: "ok", partition: 0, value: "z".repeat(3000) })).rejects.toMatchObject({ code: "MESSAGE_TOO_LARGE", kafkaCode: 10 });
    raw.close();
  });

  it("offset out of range (1): FETCH past the end and below zero; SEEK to a negative offset", async () => {
    const raw = await env.raw(srv.url);
    const r = (await raw.request({
      type: FrameType.FETCH,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 65536,
      items: [
        { topic: "ok", partition: 0, offset: 1_000_000n, maxBytes: 65536 },
        { topic: "ok", partition: 0, offset: -1n, maxBytes: 65536 },
        { topic: "ok", partition: 0, offset: 0n, maxBytes: 65536 },
      ],
    })) as Frame<typeof FrameType.FETCH_RESULT>;
    expect(r.items.map((i) => i.errorCode)).toEqual([1, 1, 0]);
    const subscribed = await raw.request({ type: FrameType.SUBSCRIBE, topic: "ok", credit: 65536, maxChunkBytes: 65536, start: { kind: StartKind.LATEST, value: 0n }, partitions: [] });
    expect(subscribed.type).toBe(FrameType.SUBSCRIBED);
    expectError(await raw.request({ type: FrameType.SEEK, subscriptionId: subscribed.requestId, partition: 0, start: { kind: StartKind.OFFSET, value: -5n } }), RivuletErrorCode.INVALID_ARGUMENT, "INVALID_ARGUMENT");
    expectError(await raw.request({ type: FrameType.SEEK, subscriptionId: subscribed.requestId, partition: 5, start: { kind: StartKind.OFFSET, value: 0n } }), 3, "UNKNOWN_TOPIC_OR_PARTITION");
    raw.close();
  });

  it("topic administration: invalid name (17), exists (36), bad partition count (37)", async () => {
    const raw = await env.raw(srv.url);
    expectError(await raw.request({ type: FrameType.CREATE_TOPIC, name: "bad/name", partitions: 1, configs: {} }), 17, "INVALID_TOPIC_EXCEPTION");
    expectError(await raw.request({ type: FrameType.CREATE_TOPIC, name: "ok", partitions: 1, configs: {} }), 36, "TOPIC_ALREADY_EXISTS");
    expectError(await raw.request({ type: FrameType.CREATE_TOPIC, name: "zero-partitions", partitions: 0, configs: {} }), 37, "INVALID_PARTITIONS");
    const bad = await raw.request({ type: FrameType.CREATE_TOPIC, name: "bad-config", partitions: 1, configs: { "segment.bytes": "-5" } });
    expect(bad.type).toBe(FrameType.ERROR);
    raw.close();
  });
});

describe("subscription errors (Rivulet codes)", () => {
  it("too many subscriptions (1001), duplicate id (1003), unknown subscription (1002)", async () => {
    const raw = await env.raw(srv.url);
    const sub = (requestId?: number) => raw.request({ type: FrameType.SUBSCRIBE, requestId, topic: "ok", credit: 1024, maxChunkBytes: 1024, start: { kind: StartKind.LATEST, value: 0n }, partitions: [] });
    const a = await sub();
    expect(a.type).toBe(FrameType.SUBSCRIBED);
    expectError(await sub(a.requestId), RivuletErrorCode.SUBSCRIPTION_EXISTS, "SUBSCRIPTION_EXISTS");
    expect((await sub()).type).toBe(FrameType.SUBSCRIBED);
    expectError(await sub(), RivuletErrorCode.TOO_MANY_SUBSCRIPTIONS, "TOO_MANY_SUBSCRIPTIONS");
    expectError(await raw.request({ type: FrameType.UNSUBSCRIBE, subscriptionId: 999 }), RivuletErrorCode.UNKNOWN_SUBSCRIPTION, "UNKNOWN_SUBSCRIPTION");
    expectError(await raw.request({ type: FrameType.SEEK, subscriptionId: 999, partition: 0, start: { kind: StartKind.EARLIEST, value: 0n } }), RivuletErrorCode.UNKNOWN_SUBSCRIPTION, "UNKNOWN_SUBSCRIPTION");
    // Unsubscribing frees a slot.
    expect((await raw.request({ type: FrameType.UNSUBSCRIBE, subscriptionId: a.requestId })).type).toBe(FrameType.OK);
    expect((await sub()).type).toBe(FrameType.SUBSCRIBED);
    // CREDIT for an unknown subscription is ignored (no response, no close).
    raw.send({ type: FrameType.CREDIT, requestId: 12345, bytes: 100 });
    expect((await raw.request({ type: FrameType.PING })).type).toBe(FrameType.PONG);
    // The client maps the codes to typed errors.
    const limited = healthy.consumer({ topic: "ok", from: "latest" });
    const limited2 = healthy.consumer({ topic: "ok", from: "latest" });
    const third = healthy.consumer({ topic: "ok", from: "latest" });
    await limited.start();
    await limited2.start();
    await expect(third.start()).rejects.toMatchObject({ code: "TOO_MANY_SUBSCRIPTIONS" });
    await Promise.all([limited.close(), limited2.close(), third.close()]);
    raw.close();
  });
});

describe("connection-fatal input closes that connection only", () => {
  it("bad acks (decode-level): closed with 4000", async () => {
    const raw = await env.raw(srv.url);
    raw.sendBytes(encodeClientFrame({ type: FrameType.PRODUCE, requestId: 1, acks: 2 as never, timeoutMs: 1000, items: [{ topic: "ok", partition: 0, batch: encodeRecordBatch([{ value: "v" }]) }] }));
    expect(await raw.closeCodeWithin(5000)).toBe(CloseCode.PROTOCOL_ERROR);
    expect(raw.closeReason).toMatch(/acks/);
    expect(raw.frames.filter((f) => f.requestId === 1)).toEqual([]);
  });

  it("a frame larger than maxFrameBytes: uWS drops the connection (1006), the node transport closes with 1009; the client refuses to send one", async () => {
    const raw = await env.raw(srv.url);
    expect(raw.welcome.maxFrameBytes).toBe(MAX_FRAME);
    raw.sendBytes(new Uint8Array(MAX_FRAME + 1));
    // uWS enforces maxPayloadLength by closing the TCP connection without a close frame: no 1009 reaches
    // the peer. The node transport (`ws`) sends a real 1009 (Message Too Big) close frame.
    expect(await raw.closeCodeWithin(5000)).toBe(srv.server.ws.transport === "uws" ? 1006 : 1009);

    // Exactly maxFrameBytes is accepted (it is the limit, not one past it): the batch inside is answered
    // (MESSAGE_TOO_LARGE for the topic's max.message.bytes of 2000), not the connection dropped.
    const edge = await env.raw(srv.url);
    const head = encodeClientFrame({ type: FrameType.PRODUCE, requestId: 7, acks: 1, timeoutMs: 5000, items: [{ topic: "ok", partition: 0, batch: new Uint8Array(0) }] });
    const frame = new Uint8Array(MAX_FRAME);
    frame.set(head);
    new DataView(frame.buffer).setUint32(head.length - 4, MAX_FRAME - head.length);
    edge.sendBytes(frame);
    const r = (await edge.waitFor((f) => f.requestId === 7)) as Frame<typeof FrameType.PRODUCE_RESULT>;
    expect(r.items[0]!.errorCode).toBe(10);
    edge.close();

    // The client knows the limit from WELCOME: an oversized request fails at once with a typed,
    // non-retriable error, and the connection (with everything else on it) stays up.
    const client = await env.client(srv.url, { reconnect: false });
    const consumer = client.consumer({ topic: "ok", partitions: [0], from: "latest" });
    await consumer.start();
    const error = await client.connection.request({ type: FrameType.PRODUCE, acks: 1, timeoutMs: 5000, items: [{ topic: "ok", partition: 0, batch: new Uint8Array(MAX_FRAME) }] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "MESSAGE_TOO_LARGE", kafkaCode: 10, retriable: false });
    const started = Date.now();
    await expect(client.producer().send({ topic: "ok", partition: 0, value: new Uint8Array(MAX_FRAME) })).rejects.toMatchObject({ code: "MESSAGE_TOO_LARGE" });
    await expect(client.producer({ acks: 0 }).send({ topic: "ok", partition: 0, value: new Uint8Array(MAX_FRAME) })).rejects.toMatchObject({ code: "MESSAGE_TOO_LARGE" });
    expect(Date.now() - started).toBeLessThan(1000); // not retried
    expect(client.connection.isOpen).toBe(true);
    const meta = await client.producer().send({ topic: "ok", partition: 0, value: "after" });
    const [record] = await take(consumer, 1);
    expect(record!.offset).toBe(meta.offset);
    await consumer.close();
  });

  it("a text frame: closed with 4000", async () => {
    const raw = await env.raw(srv.url);
    raw.sendBytes("hello", false);
    expect(await raw.closeCodeWithin(5000)).toBe(CloseCode.PROTOCOL_ERROR);
  });

  it("unknown frame types (client range and server range): closed with 4000", async () => {
    for (const type of [0x00, 0x7e, 0x14, 0x80, 0xff]) {
      const raw = await env.raw(srv.url);
      raw.sendBytes(new Uint8Array([type, 0, 0, 0, 1]));
      expect(await raw.closeCodeWithin(5000), `type 0x${type.toString(16)}`).toBe(CloseCode.PROTOCOL_ERROR);
      expect(raw.closeReason).toMatch(/unknown client frame type/);
    }
    // And frames shorter than the header.
    for (const bytes of [new Uint8Array(0), new Uint8Array([FrameType.PING, 0, 0])]) {
      const raw = await env.raw(srv.url);
      raw.sendBytes(bytes);
      expect(await raw.closeCodeWithin(5000)).toBe(CloseCode.PROTOCOL_ERROR);
    }
  });

  it("a valid frame with trailing bytes: closed with 4000", async () => {
    const raw = await env.raw(srv.url);
    const ping = encodeClientFrame({ type: FrameType.PING, requestId: 3 });
    raw.sendBytes(new Uint8Array([...ping, 0]));
    expect(await raw.closeCodeWithin(5000)).toBe(CloseCode.PROTOCOL_ERROR);
  });
});

describe("idle timeout", () => {
  it("a connection that sends nothing is closed with 4001 after idleTimeoutMs; one that pings is not", async () => {
    const idle = await env.start({ ws: { idleTimeoutMs: 500 } });
    const quiet = await env.raw(idle.url);
    const chatty = await env.raw(idle.url);
    expect(quiet.welcome.idleTimeoutMs).toBe(500);
    const started = Date.now();
    const pinger = setInterval(() => chatty.send({ type: FrameType.PING }), 150);
    try {
      expect(await quiet.closeCodeWithin(5000)).toBe(CloseCode.IDLE_TIMEOUT);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(450);
      expect(elapsed).toBeLessThan(2500);
      await sleep(600);
      expect(chatty.isOpen).toBe(true);
    } finally {
      clearInterval(pinger);
    }
    // The Node client pings within the timeout the server announced, so it stays connected.
    const client = await env.client(idle.url, { reconnect: false });
    await sleep(1500);
    expect(client.connection.isOpen).toBe(true);
    await assertHealthy(idle.url);
    chatty.close();
  });
});
