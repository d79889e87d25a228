// confluent-kafka-python 1.7.0 on librdkafka 2.0.2 (Debian `python3-confluent-kafka`, run with
// /usr/bin/python3) against the Kafka listener: admin create/delete, produce with acks all/1/0, idempotence
// and every compression codec, consume from the beginning / an offset / a timestamp, a group of two that
// splits the partitions, and committed offsets. Driver: clients/confluent_client.py.

import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Compression } from "../../src/core/index.js";
import { CLIENTS_DIR, PYTHON, batchCompressions, kafkaServers, run, type KafkaTestServer } from "./helpers.js";

const servers = kafkaServers();
let s: KafkaTestServer;

async function py(args: string[], timeoutMs = 45_000): Promise<Record<string, unknown>[]> {
  const r = await run(PYTHON, [join(CLIENTS_DIR, "confluent_client.py"), "--bootstrap", s.bootstrap, ...args], { timeoutMs });
  expect(r.code, `confluent_client.py ${args.join(" ")} failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
  return r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

beforeAll(async () => {
  const probe = await run(PYTHON, ["-c", "import confluent_kafka; print(confluent_kafka.version()[0], confluent_kafka.libversion()[0])"]);
  expect(probe.code, `python3-confluent-kafka must be installed (apt-get install python3-confluent-kafka): ${probe.stderr}`).toBe(0);
  s = await servers.start({ capture: "confluent-kafka" });
});

describe("confluent-kafka-python (librdkafka 2.0.2)", () => {
  it("creates and deletes topics; replication factor must be 1", async () => {
    const [created] = await py(["admin", "create", "--topic", "ck-admin", "--partitions", "3"]);
    expect(created).toMatchObject({ result: { "ck-admin": null } });
    expect(created!.topics).toContain("ck-admin");
    expect(s.server.broker.topic("ck-admin")?.partitions).toBe(3);
    const [again] = await py(["admin", "create", "--topic", "ck-admin"]);
    expect(again!.result).toEqual({ "ck-admin": "TOPIC_ALREADY_EXISTS" });
    const [rf3] = await py(["admin", "create", "--topic", "ck-rf3", "--replication", "3"]);
    expect(rf3!.result).toEqual({ "ck-rf3": "INVALID_REPLICATION_FACTOR" });
    const [deleted] = await py(["admin", "delete", "--topic", "ck-admin"]);
    expect(deleted).toMatchObject({ result: { "ck-admin": null } });
    expect(deleted!.topics).not.toContain("ck-admin");
  });

  it("produces with acks all, 1 and 0 and consumes from the beginning and from an offset", async () => {
    await s.server.broker.createTopic("ck-acks", { partitions: 1 });
    for (const [i, acks] of ["all", "1", "0"].entries()) {
      const [r] = await py(["produce", "--topic", "ck-acks", "--count", "10", "--start", String(i * 10), "--acks", acks, "--prefix", `acks${acks}`]);
      expect(r!.delivered).toBe(10);
    }
    const all = await py(["consume", "--topic", "ck-acks", "--count", "30"]);
    expect(all.map((m) => m.offset)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(all[25]).toEqual({ key: "k25", value: "acks0-25", offset: 25 });
    const tail = await py(["consume", "--topic", "ck-acks", "--offset", "27", "--count", "3"]);
    expect(tail.map((m) => m.key)).toEqual(["k27", "k28", "k29"]);
  });

  it("produces idempotently (enable.idempotence=True)", async () => {
    await s.server.broker.createTopic("ck-idem", { partitions: 1 });
    const [r] = await py(["produce", "--topic", "ck-idem", "--count", "500", "--idempotent"]);
    expect(r!.delivered).toBe(500);
    const fetched = await s.server.broker.fetch("ck-idem", 0, 0n, { maxBytes: 1 << 20 });
    const view = new DataView(fetched.records.buffer, fetched.records.byteOffset);
    expect(view.getBigInt64(43)).toBeGreaterThanOrEqual(0n);
    expect(view.getInt32(53), "first batch sequence").toBe(0);
    expect((await s.server.broker.listOffsets("ck-idem", 0, "latest")).offset).toBe(500n);
  });

  for (const codec of ["gzip", "snappy", "lz4", "zstd"] as const) {
    it(`produces ${codec}-compressed batches: stored as they came, consumed back, found by timestamp`, async () => {
      const topic = `ck-${codec}`;
      await s.server.broker.createTopic(topic, { partitions: 1 });
      const before = Date.now();
      const [r] = await py(["produce", "--topic", topic, "--count", "300", "--compression", codec, "--prefix", codec]);
      expect(r!.delivered).toBe(300);
      const fetched = await s.server.broker.fetch(topic, 0, 0n, { maxBytes: 1 << 20 });
      // librdkafka sends a batch uncompressed when compressing does not make it smaller (a lone record).
      const codecs = new Set(batchCompressions(fetched.records));
      expect(codecs).toContain(Compression[codec.toUpperCase() as "GZIP"]);
      const back = await py(["consume", "--topic", topic, "--count", "300"]);
      expect(back[299]).toEqual({ key: "k299", value: `${codec}-299`, offset: 299 });
      // ListOffsets by timestamp looks inside the compressed batch (src/core/codecs.ts).
      const found = await s.server.broker.listOffsets(topic, 0, { timestamp: before });
      expect(found.offset).toBe(0n);
    });
  }

  it("consumes from a timestamp (offsets_for_times)", async () => {
    await s.server.broker.createTopic("ck-time", { partitions: 1 });
    await py(["produce", "--topic", "ck-time", "--count", "5", "--prefix", "early"]);
    await new Promise((r) => setTimeout(r, 50));
    const cut = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    await py(["produce", "--topic", "ck-time", "--count", "5", "--start", "5", "--prefix", "late"]);
    const got = await py(["consume", "--topic", "ck-time", "--offset", `ts:${cut}`, "--count", "5"]);
    expect(got[0]).toEqual({ offsets_for_times: 5 });
    expect(got.slice(1).map((m) => m.value)).toEqual(["late-5", "late-6", "late-7", "late-8", "late-9"]);
    const none = await run(PYTHON, [join(CLIENTS_DIR, "confluent_client.py"), "--bootstrap", s.bootstrap, "consume", "--topic", "ck-time", "--offset", `ts:${Date.now() + 60_000}`, "--count", "0"], { timeoutMs: 30_000 });
    expect(JSON.parse(none.stdout.split("\n")[0]!)).toEqual({ offsets_for_times: -1 });
  });

  it("runs a group of two that splits the partitions and commits", async () => {
    await s.server.broker.createTopic("ck-group", { partitions: 2 });
    await py(["produce", "--topic", "ck-group", "--partition", "0", "--count", "20"]);
    await py(["produce", "--topic", "ck-group", "--partition", "1", "--count", "20"]);
    // Each member reads until it has 20 records: only possible once each owns exactly one partition.
    const [a, b] = await Promise.all([
      py(["group", "--group", "ck-g", "--topic", "ck-group", "--partitions", "2", "--count", "20"], 60_000),
      py(["group", "--group", "ck-g", "--topic", "ck-group", "--partitions", "2", "--count", "20"], 60_000),
    ]);
    const parts = [a![0]!.partitions as number[], b![0]!.partitions as number[]];
    expect(parts.map((p) => p.length)).toEqual([1, 1]);
    expect(new Set(parts.flat())).toEqual(new Set([0, 1]));
    const [c] = await py(["committed", "--group", "ck-g", "--topic", "ck-group", "--partitions", "2"]);
    expect(c!.committed).toEqual([20, 20]);
  });
});
