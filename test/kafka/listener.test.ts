// The Kafka TCP listener with raw sockets: pipelined requests answered in order, frames split across
// reads, no response for acks=0, TCP backpressure (a client that stops reading stalls only itself), and
// garbage (random bytes, a 2 GiB size prefix, a truncated frame, an unknown API key, an unsupported Produce
// version) closing that connection only with one log line while other clients keep working.

import { connect, type Socket } from "node:net";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeRecordBatch } from "../../src/core/index.js";
import { ApiKey, FrameDecoder, concat, decodeResponseFrame, encodeRequestFrame, type ApiKeyValue, type RequestOf } from "../../src/protocol/kafka/index.js";
import { eventually, kafkaServers, sleep, type KafkaTestServer } from "./helpers.js";

const servers = kafkaServers();
let s: KafkaTestServer;
const sockets = new Set<Socket>();

class Raw {
  readonly frames: Uint8Array[] = [];
  readonly decoder = new FrameDecoder();
  closed = false;
  readonly closedPromise: Promise<void>;
  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk) => this.frames.push(...this.decoder.push(new Uint8Array(chunk))));
    socket.on("error", () => {});
    this.closedPromise = new Promise((resolve) => socket.on("close", () => ((this.closed = true), resolve())));
  }
  static async open(): Promise<Raw> {
    const socket = connect(s.kafkaPort, "127.0.0.1");
    sockets.add(socket);
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    return new Raw(socket);
  }
  write(bytes: Uint8Array | number[]): void {
    this.socket.write(Uint8Array.from(bytes));
  }
  request<K extends ApiKeyValue>(key: K, version: number, correlationId: number, request: RequestOf<K>): void {
    this.write(concat(encodeRequestFrame(key, version, correlationId, "raw-test", request)));
  }
  async closedWithin(ms: number): Promise<boolean> {
    await Promise.race([this.closedPromise, sleep(ms)]);
    return this.closed;
  }
  correlationIds(): number[] {
    return this.frames.map((f) => new DataView(f.buffer, f.byteOffset).getInt32(0));
  }
}

const closeLines = () => s.logger.entries.filter((e) => e.msg.startsWith("kafka connection closed"));

async function healthy(): Promise<void> {
  const kafka = new Kafka({ brokers: [s.bootstrap], clientId: "healthy", logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    expect(await admin.listTopics()).toContain("raw");
  } finally {
    await admin.disconnect();
  }
}

const batch = encodeRecordBatch([{ key: "k", value: "v".repeat(100), timestamp: 1_700_000_000_000 }]);
const produce = (acks: number): RequestOf<0> => ({ transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: "raw", partitionData: [{ index: 0, records: batch }] }] });

beforeAll(async () => {
  s = await servers.start();
  await s.server.broker.createTopic("raw", { partitions: 1 });
});
afterAll(() => {
  for (const socket of sockets) socket.destroy();
});

describe("ordering and framing", () => {
  it("answers pipelined requests in request order, a long-poll fetch included", async () => {
    const raw = await Raw.open();
    const bytes = concat([
      ...encodeRequestFrame(ApiKey.ApiVersions, 2, 1, "raw", { clientSoftwareName: "", clientSoftwareVersion: "" }),
      ...encodeRequestFrame(ApiKey.Fetch, 11, 2, "raw", {
        replicaId: -1, maxWaitMs: 300, minBytes: 1 << 20, maxBytes: 1 << 20, isolationLevel: 1, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: "raw", partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
        forgottenTopicsData: [], rackId: "",
      }),
      ...encodeRequestFrame(ApiKey.Metadata, 6, 3, "raw", { topics: null, allowAutoTopicCreation: false }),
      ...encodeRequestFrame(ApiKey.ApiVersions, 0, 4, "raw", { clientSoftwareName: "", clientSoftwareVersion: "" }),
    ]);
    raw.write(bytes); // four requests in one write
    await eventually(() => raw.frames.length === 4, 5000, "four responses");
    expect(raw.correlationIds()).toEqual([1, 2, 3, 4]);
  });

  it("reassembles frames written one byte at a time", async () => {
    const raw = await Raw.open();
    const bytes = concat([
      ...encodeRequestFrame(ApiKey.ApiVersions, 3, 7, "raw", { clientSoftwareName: "t", clientSoftwareVersion: "1" }),
      ...encodeRequestFrame(ApiKey.Metadata, 0, 8, "raw", { topics: null, allowAutoTopicCreation: true }),
    ]);
    for (const b of bytes) {
      raw.write([b]);
      await new Promise((r) => setImmediate(r));
    }
    await eventually(() => raw.frames.length === 2, 5000, "two responses");
    expect(raw.correlationIds()).toEqual([7, 8]);
    const meta = decodeResponseFrame(ApiKey.Metadata, 0, raw.frames[1]!).response;
    expect(meta.topics.map((t) => t.name)).toContain("raw");
  });

  it("sends nothing for acks=0 and answers the next request", async () => {
    const raw = await Raw.open();
    raw.request(ApiKey.Produce, 7, 20, produce(0));
    raw.request(ApiKey.Produce, 7, 21, produce(1));
    await eventually(() => raw.frames.length >= 1, 5000, "a response");
    await sleep(100);
    expect(raw.correlationIds()).toEqual([21]);
    const res = decodeResponseFrame(ApiKey.Produce, 7, raw.frames[0]!).response;
    expect(res.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 1n });
  });

  it("answers ApiVersions newer than ours with the v0 error reply, and keeps the connection", async () => {
    const raw = await Raw.open();
    const header = [0, 18, 0, 9, 0, 0, 0, 30, 0, 1, 0x78]; // ApiVersions v9, correlation 30, client id "x"
    raw.write([0, 0, 0, header.length + 3, ...header, 0, 0, 0]);
    await eventually(() => raw.frames.length === 1, 5000, "the error reply");
    const reply = decodeResponseFrame(ApiKey.ApiVersions, 9, raw.frames[0]!).response;
    expect(reply.errorCode).toBe(35);
    raw.request(ApiKey.ApiVersions, 3, 31, { clientSoftwareName: "x", clientSoftwareVersion: "1" });
    await eventually(() => raw.frames.length === 2, 5000, "the retried ApiVersions");
    expect(raw.closed).toBe(false);
  });
});

describe("backpressure", () => {
  it("a client that stops reading stalls only its own connection, and gets every response in order after", async () => {
    // ~64 KiB of records, fetched 400 times: ~25 MiB of responses the client will not read for a while.
    const big = encodeRecordBatch(Array.from({ length: 64 }, (_, i) => ({ value: "x".repeat(1000), timestamp: 1_700_000_000_000 + i })));
    await s.server.broker.createTopic("bp", { partitions: 1 });
    await s.server.broker.produce("bp", 0, big);
    const raw = await Raw.open();
    raw.socket.pause();
    const fetch = (id: number) =>
      encodeRequestFrame(ApiKey.Fetch, 11, id, "bp", {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: "bp", partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
        forgottenTopicsData: [], rackId: "",
      });
    for (let i = 0; i < 400; i++) raw.socket.write(concat(fetch(i)));
    await sleep(1000);
    const stats = s.server.kafka!.connectionStats().find((c) => c.remote.endsWith(`:${raw.socket.localPort}`))!;
    expect(stats.requests, "the server stopped answering once the socket buffer filled").toBeLessThan(400);
    expect(stats.readingPaused || stats.pendingFrames > 0).toBe(true);
    await healthy(); // other connections are unaffected
    raw.socket.resume();
    await eventually(() => raw.frames.length === 400, 20_000, "400 responses");
    expect(raw.correlationIds()).toEqual(Array.from({ length: 400 }, (_, i) => i));
  });
});

describe("garbage closes that connection only, with one log line", () => {
  const cases: Array<[string, (raw: Raw) => void, RegExp]> = [
    ["random bytes", (raw) => {
      let x = 12345;
      const bytes = Array.from({ length: 4096 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24));
      bytes[0] = 0x9f; // a negative size prefix, whatever the generator gives
      raw.write(bytes);
    }, /bad frame size/],
    ["a 2 GiB size prefix", (raw) => raw.write([0x80, 0, 0, 0, 1, 2, 3]), /bad frame size/],
    ["a size prefix just under 2 GiB", (raw) => raw.write([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]), /bad frame size/],
    ["a truncated frame, then close", (raw) => {
      raw.write([0, 0, 0, 100, 0, 18, 0, 2, 0, 0, 0, 1]);
      raw.socket.end();
    }, /ended inside a frame/],
    ["an unknown API key", (raw) => raw.write([0, 0, 0, 10, 0x03, 0xe7, 0, 0, 0, 0, 0, 1, 0xff, 0xff]), /unknown API key/],
    ["an unsupported Produce version (v2, legacy MessageSet)", (raw) => raw.write([0, 0, 0, 12, 0, 0, 0, 2, 0, 0, 0, 1, 0xff, 0xff, 0, 1]), /unsupported version/],
    ["a body that does not decode", (raw) => raw.write([0, 0, 0, 12, 0, 3, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0, 9]), /malformed request/],
  ];
  for (const [name, send, reason] of cases) {
    it(name, async () => {
      const before = closeLines().length;
      const bystander = await Raw.open();
      const raw = await Raw.open();
      send(raw);
      expect(await raw.closedWithin(5000), "the connection was closed").toBe(true);
      await eventually(() => closeLines().length > before, 2000, "the log line");
      await sleep(50);
      const added = closeLines().slice(before);
      expect(added).toHaveLength(1);
      expect(added[0]!.msg).toMatch(reason);
      expect(added[0]!.level).toBe("warn");
      // The other connection and new clients keep working.
      bystander.request(ApiKey.ApiVersions, 2, 5, { clientSoftwareName: "", clientSoftwareVersion: "" });
      await eventually(() => bystander.frames.length === 1, 5000, "the bystander's answer");
      await healthy();
    });
  }
});
