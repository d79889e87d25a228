// Losing, emptying or corrupting topics.json must never delete data: the broker refuses to start with a
// message naming the file and the partition directories, falls back to topics.json.bak when that describes
// every directory, or rebuilds the metadata from the directories when told to (rebuildMetadata).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { createBroker, type Broker } from "../../src/broker/index.js";
import { memoryLogger } from "../../src/log.js";
import { batch, tempDataDirs } from "../broker/helpers.js";

const env = tempDataDirs();

/** A data dir holding orders (3 partitions, 2 records each), audit (1) and __consumer_offsets (2), cleanly stopped. */
async function populated(): Promise<string> {
  const dataDir = env.dir();
  const broker = await createBroker({ dataDir, shards: 2, logLevel: "error" });
  await broker.createTopic("orders", { partitions: 3, configs: { "retention.ms": "60000" } });
  await broker.createTopic("audit");
  await broker.createTopic("__consumer_offsets", { partitions: 2, configs: { "cleanup.policy": "compact" } });
  for (let p = 0; p < 3; p++) await broker.produce("orders", p, batch([`a${p}`, `b${p}`]));
  await broker.produce("audit", 0, batch(["x"]));
  await broker.close();
  return dataDir;
}

const PARTITION_DIRS = ["__consumer_offsets-0", "__consumer_offsets-1", "audit-0", "orders-0", "orders-1", "orders-2"];

function partitionDirs(dataDir: string): string[] {
  return readdirSync(dataDir).filter((n) => /-\d+$/.test(n)).sort();
}

async function start(dataDir: string, extra: { rebuildMetadata?: boolean } = {}) {
  const logger = memoryLogger();
  const broker = await createBroker({ dataDir, shards: 2, logger, ...extra });
  return { broker, logger };
}

async function refusal(dataDir: string): Promise<Error> {
  const error = await createBroker({ dataDir, shards: 1, logLevel: "error" }).then(
    async (b: Broker) => {
      await b.close();
      throw new Error("the broker started");
    },
    (e: Error) => e,
  );
  expect(error).toMatchObject({ code: "METADATA_INCONSISTENT" });
  return error;
}

async function expectRecords(broker: Broker): Promise<void> {
  for (let p = 0; p < 3; p++) expect((await broker.fetch("orders", p, 0n)).logEndOffset).toBe(2n);
  expect((await broker.fetch("audit", 0, 0n)).logEndOffset).toBe(1n);
}

describe("metadata loss never deletes data", () => {
  it("topics.json and its backup removed: refuses, naming the file and every directory; the directories stay", async () => {
    const dataDir = await populated();
    unlinkSync(join(dataDir, "topics.json"));
    unlinkSync(join(dataDir, "topics.json.bak"));
    const error = await refusal(dataDir);
    expect(error.message).toContain(join(dataDir, "topics.json"));
    for (const d of PARTITION_DIRS) expect(error.message).toContain(d);
    expect(error.message).toContain("--rebuild-metadata");
    expect(partitionDirs(dataDir)).toEqual(PARTITION_DIRS);
  });

  it("--rebuild-metadata rebuilds topics (name, partition count) from the directories, logged, and the data is read back", async () => {
    const dataDir = await populated();
    unlinkSync(join(dataDir, "topics.json"));
    unlinkSync(join(dataDir, "topics.json.bak"));
    const { broker, logger } = await start(dataDir, { rebuildMetadata: true });
    expect(broker.listTopics().map((t) => [t.name, t.partitions, t.configs])).toEqual([
      ["__consumer_offsets", 2, {}],
      ["audit", 1, {}],
      ["orders", 3, {}],
    ]);
    await expectRecords(broker);
    expect(logger.entries.some((e) => e.level === "warn" && e.msg.includes("rebuilt"))).toBe(true);
    expect(logger.entries.filter((e) => e.msg.includes("added a topic found on disk")).map((e) => e.topic).sort()).toEqual(["__consumer_offsets", "audit", "orders"]);
    await broker.close();
    // The rebuilt file is a normal one: a plain restart works.
    const again = await createBroker({ dataDir, shards: 1, logLevel: "error" });
    await expectRecords(again);
    await again.close();
  });

  it('{"version":1,"topics":[]} (valid but empty): refuses, and __consumer_offsets survives', async () => {
    const dataDir = await populated();
    writeFileSync(join(dataDir, "topics.json"), JSON.stringify({ version: 1, topics: [] }));
    const error = await refusal(dataDir);
    expect(error.message).toMatch(/does not describe partition directories/);
    expect(error.message).toContain("__consumer_offsets-0");
    expect(partitionDirs(dataDir)).toEqual(PARTITION_DIRS);
  });

  it("an empty or garbage topics.json falls back to topics.json.bak, saying so, and rewrites the main file", async () => {
    for (const damage of ["", "{\"version\":1,\"topics\":[{\"na", "\u0000\u0001garbage"]) {
      const dataDir = await populated();
      writeFileSync(join(dataDir, "topics.json"), damage);
      const { broker, logger } = await start(dataDir);
      expect(broker.listTopics().map((t) => t.name)).toEqual(["__consumer_offsets", "audit", "orders"]);
      expect(broker.topic("orders")?.configs).toEqual({ "retention.ms": "60000" });
      await expectRecords(broker);
      const warning = logger.entries.find((e) => e.msg.includes("using the backup"));
      expect(warning?.msg, JSON.stringify(damage)).toContain("topics.json.bak");
      await broker.close();
      expect(JSON.parse(readFileSync(join(dataDir, "topics.json"), "utf8")).topics).toHaveLength(3);
    }
  });

  it('{"version":1} with no usable backup: a clear error naming the missing field, not "not iterable"', async () => {
    const dataDir = await populated();
    writeFileSync(join(dataDir, "topics.json"), JSON.stringify({ version: 1 }));
    writeFileSync(join(dataDir, "topics.json.bak"), "nonsense");
    const error = await refusal(dataDir);
    expect(error.message).toContain('"topics" is missing, expected an array');
    expect(error.message).toContain("topics.json.bak is not valid either");
    expect(error.message).not.toMatch(/iterable/);
    expect(partitionDirs(dataDir)).toEqual(PARTITION_DIRS);
  });

  it("an unknown version, hostile names and bad partition counts are refused field by field; nothing is created outside the data dir", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ version: 2, topics: [] }, /"version" is 2, expected 1/],
      [{ version: 1, topics: [{ name: "../../escape", id: "x", partitions: 1, configs: {} }] }, /topics\[0\]\.name "\.\.\/\.\.\/escape" is not a legal topic name/],
      [{ version: 1, topics: [{ name: "orders", id: "x", partitions: "abc", configs: {} }] }, /partitions \(topic "orders"\) is "abc"/],
      [{ version: 1, topics: [{ name: "orders", id: "x", partitions: -1, configs: {} }] }, /partitions \(topic "orders"\) is -1/],
      [{ version: 1, topics: [{ name: "orders", id: "x", partitions: 1.5, configs: {} }] }, /is 1\.5/],
      [{ version: 1, topics: [{ name: "orders", id: "x", partitions: 3, configs: { "retention.ms": 5 } }] }, /configs\["retention.ms"\] is 5, expected a string/],
      [{ version: 1, topics: [{ name: "orders", id: "x", partitions: 3, configs: { "no.such": "1" } }] }, /unknown topic config no.such/],
      [{ version: 1, topics: [{ name: "a", id: "x", partitions: 1 }, { name: "a", id: "y", partitions: 1 }] }, /listed twice/],
      [{ version: 1, topics: "all" }, /"topics" is "all", expected an array/],
    ];
    for (const [content, reason] of cases) {
      const dataDir = await populated();
      unlinkSync(join(dataDir, "topics.json.bak"));
      writeFileSync(join(dataDir, "topics.json"), JSON.stringify(content));
      const error = await refusal(dataDir);
      expect(error.message, JSON.stringify(content)).toMatch(reason);
      expect(partitionDirs(dataDir)).toEqual(PARTITION_DIRS);
      expect(existsSync(join(dirname(dirname(dataDir)), "escape-0"))).toBe(false);
      expect(existsSync(join(dirname(dataDir), "escape-0"))).toBe(false);
    }
  });

  it("a partition count smaller than on disk: refuses naming the extra directory; rebuild raises the count", async () => {
    const dataDir = await populated();
    const path = join(dataDir, "topics.json");
    const file = JSON.parse(readFileSync(path, "utf8"));
    file.topics.find((t: { name: string }) => t.name === "orders").partitions = 2;
    writeFileSync(path, JSON.stringify(file));
    const error = await refusal(dataDir);
    expect(error.message).toContain("orders-2");
    expect(error.message).not.toContain("orders-1,");
    const { broker } = await start(dataDir, { rebuildMetadata: true });
    expect(broker.topic("orders")).toMatchObject({ partitions: 3, configs: { "retention.ms": "60000" } });
    await expectRecords(broker);
    await broker.close();
  });

  it("a fresh data directory starts; a directory that is not a partition (no log files) is neither data nor deleted", async () => {
    const dataDir = env.dir();
    mkdirSync(join(dataDir, "backup-2024"));
    writeFileSync(join(dataDir, "notes-1"), "mine");
    const { broker } = await start(dataDir);
    expect(broker.listTopics()).toEqual([]);
    await broker.close();
    expect(existsSync(join(dataDir, "backup-2024"))).toBe(true);
    expect(existsSync(join(dataDir, "notes-1"))).toBe(true);
  });
});

describe("interrupted changes are finished only where they were written down", () => {
  it("a delete written down as pending (crash before the files went) removes exactly that topic's directories", async () => {
    const dataDir = await populated();
    const path = join(dataDir, "topics.json");
    const file = JSON.parse(readFileSync(path, "utf8"));
    const orders = file.topics.find((t: { name: string }) => t.name === "orders");
    file.topics = file.topics.filter((t: { name: string }) => t.name !== "orders");
    file.pending = [{ name: "orders", id: orders.id, from: 0, to: 3, reason: "delete" }];
    writeFileSync(path, JSON.stringify(file));
    const { broker, logger } = await start(dataDir);
    expect(partitionDirs(dataDir)).toEqual(["__consumer_offsets-0", "__consumer_offsets-1", "audit-0"]);
    expect(logger.entries.filter((e) => e.msg.includes("interrupted topic delete"))).toHaveLength(3);
    expect(broker.listTopics().map((t) => t.name)).toEqual(["__consumer_offsets", "audit"]);
    await broker.close();
    expect(JSON.parse(readFileSync(path, "utf8")).pending).toBeUndefined();
  });

  it("a create written down as pending removes the half-made partitions; the topic never appears", async () => {
    const dataDir = await populated();
    const path = join(dataDir, "topics.json");
    const file = JSON.parse(readFileSync(path, "utf8"));
    // Pretend the crash came after two of four partitions of "fresh" were made.
    for (const p of [0, 1]) {
      mkdirSync(join(dataDir, `fresh-${p}`));
      writeFileSync(join(dataDir, `fresh-${p}`, "00000000000000000000.log"), "");
    }
    file.pending = [{ name: "fresh", id: "id", from: 0, to: 4, reason: "create" }];
    writeFileSync(path, JSON.stringify(file));
    const { broker } = await start(dataDir);
    expect(broker.topic("fresh")).toBeUndefined();
    expect(partitionDirs(dataDir)).toEqual(PARTITION_DIRS);
    await broker.close();
  });

  it("a deleted topic's directories are never touched when the metadata simply lacks it (no pending entry)", async () => {
    const dataDir = await populated();
    rmSync(join(dataDir, "topics.json.bak"));
    const path = join(dataDir, "topics.json");
    const file = JSON.parse(readFileSync(path, "utf8"));
    file.topics = file.topics.filter((t: { name: string }) => t.name !== "audit");
    writeFileSync(path, JSON.stringify(file));
    const error = await refusal(dataDir);
    expect(error.message).toContain("audit-0");
    expect(partitionDirs(dataDir)).toEqual(PARTITION_DIRS);
  });

  it("writes metadata atomically with a backup: no temp file left, both files parse and agree", async () => {
    const dataDir = env.dir();
    const broker = await env.broker({ dataDir });
    await broker.createTopic("one", { partitions: 2 });
    await broker.deleteTopic("one");
    await broker.createTopic("two");
    const main = readFileSync(join(dataDir, "topics.json"), "utf8");
    expect(readFileSync(join(dataDir, "topics.json.bak"), "utf8")).toBe(main);
    expect(JSON.parse(main).topics.map((t: { name: string }) => t.name)).toEqual(["two"]);
    expect(JSON.parse(main).pending).toBeUndefined();
    expect(readdirSync(dataDir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });
});
