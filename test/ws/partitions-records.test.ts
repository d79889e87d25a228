// Adding partitions and deleting records on both front ends and the CLI: the WebSocket frames
// (CREATE_PARTITIONS, DELETE_RECORDS) through the client's admin, `rivulet topics add-partitions` and
// `rivulet topics delete-records`, and Kafka's CreatePartitions/DeleteRecords through the handlers. Failures:
// shrinking is INVALID_PARTITIONS, an offset past the log end OFFSET_OUT_OF_RANGE, an unknown topic
// UNKNOWN_TOPIC_OR_PARTITION; a restart keeps the low watermark. The CLI runs from dist/ (npm run build:ts).

import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { connect, KafkaProtocolError, type RivuletClient } from "../../src/client/index.js";
import { encodeRecordBatch } from "../../src/core/index.js";
import { dispatch, type KafkaBrokerContext } from "../../src/frontends/kafka/handlers/index.js";
import { ApiKey, concat, decodeResponseFrame, type ApiKeyValue, type DecodedRequest, type RequestOf, type ResponseOf } from "../../src/protocol/kafka/index.js";
import { kafkaServers, type KafkaTestServer } from "../kafka/helpers.js";
import { handlerContext } from "../kafka/handler-context.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist", "cli", "main.js");
const servers = kafkaServers();
let s: KafkaTestServer;

beforeAll(async () => {
  s = await servers.start();
}, 30_000);

async function produce(topic: string, partition: number, n: number): Promise<void> {
  const batch = encodeRecordBatch(Array.from({ length: n }, (_, i) => ({ key: null, value: `v${i}` })));
  await s.server.broker.produce(topic, partition, batch);
}

/** Stops the server and starts another on the same data dir (new ports: the WebSocket port may linger). */
async function restart(): Promise<void> {
  const dataDir = s.dataDir;
  await s.stop();
  s = await servers.start({ dataDir });
}

async function client(): Promise<RivuletClient> {
  return connect({ url: s.wsUrl });
}

const logStart = async (c: RivuletClient, topic: string, partition = 0) => (await c.admin.describeTopic(topic)).partitions.find((p) => p.partition === partition)!.logStartOffset;

function rivulet(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, RIVULET_BROKER: s.wsUrl } });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

describe("WebSocket admin: addPartitions and deleteRecords", () => {
  it("grows a topic; shrinking or keeping the count is INVALID_PARTITIONS; an unknown topic is UNKNOWN_TOPIC_OR_PARTITION", async () => {
    const c = await client();
    try {
      await c.admin.createTopic("ws-grow", { partitions: 2 });
      await produce("ws-grow", 1, 3);
      await c.admin.addPartitions("ws-grow", 5);
      const d = await c.admin.describeTopic("ws-grow");
      expect(d.partitions.map((p) => [p.partition, p.logEndOffset])).toEqual([[0, 0n], [1, 3n], [2, 0n], [3, 0n], [4, 0n]]);
      for (const total of [3, 5]) {
        const err = await c.admin.addPartitions("ws-grow", total).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(KafkaProtocolError);
        expect((err as KafkaProtocolError).code).toBe("INVALID_PARTITIONS");
      }
      expect((await c.admin.describeTopic("ws-grow")).partitions).toHaveLength(5);
      const unknown = await c.admin.addPartitions("ws-nope", 3).catch((e: unknown) => e);
      expect((unknown as KafkaProtocolError).code).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    } finally {
      c.close();
    }
  });

  it("moves the log start; past the log end is OFFSET_OUT_OF_RANGE and changes nothing; a restart keeps it", async () => {
    const c = await client();
    try {
      await c.admin.createTopic("ws-trim", { partitions: 2 });
      await produce("ws-trim", 0, 10);
      await produce("ws-trim", 1, 4);
      expect(await c.admin.deleteRecords("ws-trim", [{ partition: 0, offset: 6n }, { partition: 1, offset: -1n }])).toEqual([
        { partition: 0, lowWatermark: 6n },
        { partition: 1, lowWatermark: 4n },
      ]);
      const past = await c.admin.deleteRecords("ws-trim", [{ partition: 0, offset: 11n }]).catch((e: unknown) => e);
      expect(past).toBeInstanceOf(KafkaProtocolError);
      expect((past as KafkaProtocolError).code).toBe("OFFSET_OUT_OF_RANGE");
      const unknown = await c.admin.deleteRecords("ws-trim", [{ partition: 7, offset: 1n }]).catch((e: unknown) => e);
      expect((unknown as KafkaProtocolError).code).toBe("UNKNOWN_TOPIC_OR_PARTITION");
      expect(await logStart(c, "ws-trim")).toBe(6n);
      // A lower offset than the current start changes nothing.
      expect(await c.admin.deleteRecords("ws-trim", [{ partition: 0, offset: 2n }])).toEqual([{ partition: 0, lowWatermark: 6n }]);
    } finally {
      c.close();
    }
    await restart();
    const again = await client();
    try {
      expect(await logStart(again, "ws-trim", 0)).toBe(6n);
      expect(await logStart(again, "ws-trim", 1)).toBe(4n);
    } finally {
      again.close();
    }
  }, 30_000);
});

describe("rivulet topics add-partitions / delete-records", () => {
  it("grow and trim from the command line; refusals are one line and exit 1", async () => {
    const c = await client();
    try {
      await c.admin.createTopic("cli-grow", { partitions: 1 });
      await produce("cli-grow", 0, 8);
    } finally {
      c.close();
    }
    const grown = await rivulet(["topics", "add-partitions", "cli-grow", "--total", "3"]);
    expect(grown.code, grown.stderr).toBe(0);
    expect(grown.stdout).toBe("topic cli-grow now has 3 partitions\n");
    const shrink = await rivulet(["topics", "add-partitions", "cli-grow", "--total", "2"]);
    expect(shrink.code).toBe(1);
    expect(shrink.stderr).toMatch(/partitions can only be added/);
    const missing = await rivulet(["topics", "add-partitions", "cli-grow"]);
    expect(missing.code).toBe(2);

    const trimmed = await rivulet(["topics", "delete-records", "cli-grow", "--partition", "0", "--before", "5", "--json"]);
    expect(trimmed.code, trimmed.stderr).toBe(0);
    expect(JSON.parse(trimmed.stdout)).toEqual([{ partition: 0, logStartOffset: "5" }]);
    const all = await rivulet(["topics", "delete-records", "cli-grow", "--before", "end"]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/PARTITION\s+LOG START/);
    const past = await rivulet(["topics", "delete-records", "cli-grow", "--partition", "0", "--before", "99"]);
    expect(past.code).toBe(1);
    expect(past.stderr).toMatch(/beyond the log end/);
    const bad = await rivulet(["topics", "delete-records", "cli-grow", "--before", "soon"]);
    expect(bad.code).toBe(2);
    const unknown = await rivulet(["topics", "delete-records", "cli-nope", "--before", "1"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown topic 'cli-nope'/);
  }, 60_000);
});

describe("Kafka front end: CreatePartitions and DeleteRecords", () => {
  let ctx: KafkaBrokerContext;
  async function call<K extends ApiKeyValue>(apiKey: K, version: number, request: RequestOf<K>): Promise<ResponseOf<K>> {
    const header = { apiKey, apiVersion: version, correlationId: 1, clientId: "raw" };
    const parts = await dispatch(ctx, { apiKey, header, request } as DecodedRequest, { header, clientHost: "/127.0.0.1", signal: new AbortController().signal });
    return decodeResponseFrame(apiKey, version, concat(parts!).subarray(4)).response;
  }

  it("shrinking is INVALID_PARTITIONS, past the end OFFSET_OUT_OF_RANGE, and the low watermark survives a restart", async () => {
    ctx = handlerContext(s);
    await s.server.broker.createTopic("kafka-trim", { partitions: 1 });
    await produce("kafka-trim", 0, 12);
    const shrink = await call(ApiKey.CreatePartitions, 3, { topics: [{ name: "kafka-trim", count: 1, assignments: null }], timeoutMs: 1000, validateOnly: false });
    expect(shrink.results[0]!.errorCode).toBe(37);
    const del = (offset: bigint) => call(ApiKey.DeleteRecords, 2, { topics: [{ name: "kafka-trim", partitions: [{ partitionIndex: 0, offset }] }], timeoutMs: 1000 });
    expect((await del(13n)).topics[0]!.partitions[0]).toMatchObject({ errorCode: 1, lowWatermark: -1n });
    expect((await del(9n)).topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, lowWatermark: 9n });
    await restart();
    ctx = handlerContext(s);
    const earliest = await call(ApiKey.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: "kafka-trim", partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2n }] }],
    });
    expect(earliest.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, offset: 9n });
  }, 30_000);
});
