// librdkafka transactions: confluent-kafka-python 1.7.0 (librdkafka 2.0.2, /usr/bin/python3) with
// init_transactions / begin / send_offsets_to_transaction / commit / abort, zombie fencing, and kcat with
// -X isolation.level=read_committed seeing only committed records while read_uncommitted sees all.
// Driver: confluent_txn.py.

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { kafkaServers, PYTHON, run, type KafkaTestServer } from "../kafka/helpers.js";

const DRIVER = join(fileURLToPath(new URL(".", import.meta.url)), "confluent_txn.py");
const servers = kafkaServers();
let s: KafkaTestServer;

async function py(args: string[], timeoutMs = 60_000): Promise<Record<string, unknown>[]> {
  const r = await run(PYTHON, [DRIVER, ...args, "--bootstrap", s.bootstrap], { timeoutMs });
  expect(r.code, `confluent_txn.py ${args.join(" ")} failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
  return r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function kcat(topic: string, isolation: "read_committed" | "read_uncommitted"): Promise<string[]> {
  const r = await run("kcat", ["-b", s.bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%s\\n", "-X", `isolation.level=${isolation}`], { timeoutMs: 20_000 });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split("\n").filter(Boolean).sort();
}

beforeAll(async () => {
  s = await servers.start();
});

describe("librdkafka transactions", () => {
  it("commit and abort; kcat read_committed sees only committed records, read_uncommitted all", async () => {
    await s.server.broker.createTopic("ck-tx", { partitions: 2 });
    expect(await py(["produce", "--topic", "ck-tx", "--txid", "ck-tx-1"])).toEqual([{ done: true }]);
    expect(await kcat("ck-tx", "read_committed")).toEqual(["c1", "c2", "c3"]);
    expect(await kcat("ck-tx", "read_uncommitted")).toEqual(["a1", "a2", "c1", "c2", "c3"]);
  });

  it("consume-transform-produce with send_offsets_to_transaction: one committed output per input, offsets committed with it", async () => {
    await s.server.broker.createTopic("ck-in", { partitions: 2 });
    await s.server.broker.createTopic("ck-out", { partitions: 1 });
    for (let i = 0; i < 12; i++) await s.server.broker.produce("ck-in", i % 2, (await import("../../src/core/index.js")).encodeRecordBatch([{ value: `in-${i}` }]));
    const lines = await py(["ctp", "--in", "ck-in", "--out", "ck-out", "--group", "ck-ctp", "--txid", "ck-ctp-1", "--count", "12", "--abort-at", "4"]);
    expect(lines.at(-1)).toEqual({ processed: 12 });
    expect(lines.filter((l) => "aborted" in l)).toHaveLength(1);
    expect(await kcat("ck-out", "read_committed")).toEqual(Array.from({ length: 12 }, (_, i) => `out-${i}`).sort());
    expect(await kcat("ck-out", "read_uncommitted")).toHaveLength(13);
    const committed = s.server.coordinator.fetchOffsets({ groupId: "ck-ctp", topics: [{ name: "ck-in", partitionIndexes: [0, 1] }] });
    expect(committed.topics[0]!.partitions.map((p) => p.committedOffset)).toEqual([6n, 6n]);
  });

  it("zombie fencing: the first producer of a shared transactional id cannot commit after the second initialises", async () => {
    await s.server.broker.createTopic("ck-zombie", { partitions: 1 });
    const lines = await py(["fenced", "--topic", "ck-zombie", "--txid", "ck-shared"]);
    expect(lines[0]).toMatchObject({ zombie_error: expect.stringMatching(/FENCED|INVALID_PRODUCER_EPOCH/) });
    expect(lines[1]).toEqual({ fresh_committed: true });
    expect(await kcat("ck-zombie", "read_committed")).toEqual(["fresh"]);
  });
});
