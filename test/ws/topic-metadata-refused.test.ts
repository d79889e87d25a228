// A topic change whose metadata write the disk refuses, through both front ends and across a restart: the
// WebSocket admin and kafkajs's CreateTopics/DeleteTopics get KAFKA_STORAGE_ERROR (retriable), nothing is
// created or deleted, the same calls succeed once the disk takes writes again, and a restart brings back
// exactly the topics that were acknowledged. A directory where topics.json goes fails the rename (EISDIR)
// even as root: the path a full disk or no descriptor left takes (test/broker/topics.test.ts at the core).

import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import type { RivuletClient } from "../../src/client/index.js";
import { wsServers } from "../helpers/ws-server.js";

const servers = wsServers();
const userTopics = async (c: RivuletClient) => (await c.admin.listTopics()).filter((t) => !t.startsWith("__")).sort();
/** The error's Kafka name: the WebSocket client's `code`, kafkajs's `type` (its `code` is the number). */
const codeOf = (p: Promise<unknown>) =>
  p.then(() => "ok", (e: { code?: string | number; type?: string; errors?: { type?: string }[] }) => (typeof e.code === "string" ? e.code : (e.type ?? e.errors?.[0]?.type ?? String(e))));

describe("a topic change the disk refuses", () => {
  it("is KAFKA_STORAGE_ERROR on both front ends, changes nothing, succeeds once writes work, and survives a restart as acknowledged", async () => {
    const s = await servers.start({ kafkaPort: 0 });
    const ws = await servers.client(s.url, { reconnect: false });
    await ws.admin.createTopic("kept");
    const file = join(s.dataDir, "topics.json");
    const block = () => {
      rmSync(file);
      mkdirSync(join(file, "blocker"), { recursive: true });
    };
    // Unblocking leaves topics.json missing: the next write recreates it (the backup still says the same).
    const unblock = () => rmSync(file, { recursive: true, force: true });
    const kafka = new Kafka({ brokers: [`127.0.0.1:${s.server.kafkaPort}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();

    block();
    expect(await codeOf(ws.admin.createTopic("via-ws", { partitions: 2 }))).toBe("KAFKA_STORAGE_ERROR");
    expect(await codeOf(admin.createTopics({ topics: [{ topic: "via-kafka", numPartitions: 2 }] }))).toBe("KAFKA_STORAGE_ERROR");
    expect(await codeOf(ws.admin.deleteTopic("kept"))).toBe("KAFKA_STORAGE_ERROR");
    expect(await codeOf(admin.deleteTopics({ topics: ["kept"] }))).toBe("KAFKA_STORAGE_ERROR");
    expect(await userTopics(ws), "nothing created, nothing deleted").toEqual(["kept"]);

    unblock();
    await ws.admin.createTopic("via-ws", { partitions: 2 });
    expect(await admin.createTopics({ topics: [{ topic: "via-kafka", numPartitions: 2 }] })).toBe(true);
    await ws.producer({ acks: "all" }).send({ topic: "via-ws", partition: 1, value: "after" });
    await admin.disconnect();
    ws.close();

    await s.restart();
    const again = await servers.client(s.url, { reconnect: false });
    expect(await userTopics(again)).toEqual(["kept", "via-kafka", "via-ws"]);
    expect(await again.admin.partitionCount("via-ws")).toBe(2);
    const consumer = again.consumer({ topic: "via-ws", from: "earliest" });
    const first = await consumer.next();
    expect([first.partition, new TextDecoder().decode(first.value as Uint8Array)]).toEqual([1, "after"]);
    again.close();
  });
});
