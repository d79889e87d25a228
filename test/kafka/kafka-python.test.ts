// kafka-python 2.0.2 (Debian `python3-kafka`, run with /usr/bin/python3) against the Kafka listener. It
// probes with ApiVersions v0 + Metadata v0 pipelined on one socket, then uses fixed versions for the
// inferred broker version (2.5.0 with our ranges: SaslAuthenticate v2 is what tips it): Produce v7, Fetch v4, ListOffsets v1, Metadata v1/v5,
// group APIs v0-2. Admin create/delete, produce (acks all/1/0, gzip), consume from the beginning / an offset
// / a timestamp, a group of two that splits the partitions, committed offsets. Driver:
// clients/kafka_python_client.py.

import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CLIENTS_DIR, PYTHON, batchCompressions, kafkaServers, run, type KafkaTestServer } from "./helpers.js";

const servers = kafkaServers();
let s: KafkaTestServer;

async function py(args: string[], timeoutMs = 45_000): Promise<Record<string, unknown>[]> {
  const r = await run(PYTHON, [join(CLIENTS_DIR, "kafka_python_client.py"), "--bootstrap", s.bootstrap, ...args], { timeoutMs });
  expect(r.code, `kafka_python_client.py ${args.join(" ")} failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
  return r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

beforeAll(async () => {
  const probe = await run(PYTHON, ["-c", "import kafka; print(kafka.__version__)"]);
  expect(probe.code, `python3-kafka must be installed (apt-get install python3-kafka): ${probe.stderr}`).toBe(0);
  s = await servers.start({ capture: "kafka-python" });
});

describe("kafka-python 2.0.2", () => {
  it("creates and deletes topics (admin client)", async () => {
    const [created] = await py(["admin", "create", "--topic", "kp-admin", "--partitions", "2"]);
    expect(created).toEqual({ error: null, topics: ["kp-admin"] });
    const [exists] = await py(["admin", "create", "--topic", "kp-admin"]);
    expect(exists!.error).toBe("TopicAlreadyExistsError");
    const [deleted] = await py(["admin", "delete", "--topic", "kp-admin"]);
    expect(deleted).toEqual({ error: null, topics: [] });
  });

  it("produces with acks all, 1 and 0 (infers broker 2.5.0) and consumes from the beginning and an offset", async () => {
    await s.server.broker.createTopic("kp-acks", { partitions: 1 });
    const [all] = await py(["produce", "--topic", "kp-acks", "--count", "10", "--acks", "all"]);
    expect(all).toMatchObject({ delivered: 10, first: 0, last: 9, api_version: [2, 5, 0] });
    const [one] = await py(["produce", "--topic", "kp-acks", "--count", "10", "--start", "10", "--acks", "1"]);
    expect(one).toMatchObject({ first: 10, last: 19 });
    const [zero] = await py(["produce", "--topic", "kp-acks", "--count", "10", "--start", "20", "--acks", "0"]);
    expect(zero).toMatchObject({ delivered: 10, first: -1 });
    const got = await py(["consume", "--topic", "kp-acks", "--count", "30"]);
    expect(got.map((m) => m.offset)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(got[29]).toEqual({ key: "k29", value: "v-29", offset: 29 });
    const tail = await py(["consume", "--topic", "kp-acks", "--offset", "28", "--count", "2"]);
    expect(tail.map((m) => m.key)).toEqual(["k28", "k29"]);
  });

  it("produces gzip-compressed batches", async () => {
    await s.server.broker.createTopic("kp-gzip", { partitions: 1 });
    const [r] = await py(["produce", "--topic", "kp-gzip", "--count", "200", "--compression", "gzip"]);
    expect(r!.delivered).toBe(200);
    const fetched = await s.server.broker.fetch("kp-gzip", 0, 0n, { maxBytes: 1 << 20 });
    expect(batchCompressions(fetched.records)).toContain(1);
    const back = await py(["consume", "--topic", "kp-gzip", "--count", "200"]);
    expect(back[199]).toEqual({ key: "k199", value: "v-199", offset: 199 });
  });

  it("consumes from a timestamp (offsets_for_times)", async () => {
    await s.server.broker.createTopic("kp-time", { partitions: 1 });
    await py(["produce", "--topic", "kp-time", "--count", "5"]);
    await new Promise((r) => setTimeout(r, 50));
    const cut = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    await py(["produce", "--topic", "kp-time", "--count", "5", "--start", "5", "--prefix", "late"]);
    const got = await py(["consume", "--topic", "kp-time", "--offset", `ts:${cut}`, "--count", "5"]);
    expect(got[0]).toEqual({ offsets_for_times: 5 });
    expect(got.slice(1).map((m) => m.value)).toEqual(["late-5", "late-6", "late-7", "late-8", "late-9"]);
  });

  it("runs a group of two that splits the partitions, commits, and lists the group", async () => {
    await s.server.broker.createTopic("kp-group", { partitions: 2 });
    await py(["produce", "--topic", "kp-group", "--partition", "0", "--count", "15"]);
    await py(["produce", "--topic", "kp-group", "--partition", "1", "--count", "15"]);
    const [a, b] = await Promise.all([
      py(["group", "--group", "kp-g", "--topic", "kp-group", "--partitions", "2", "--count", "15"], 60_000),
      py(["group", "--group", "kp-g", "--topic", "kp-group", "--partitions", "2", "--count", "15"], 60_000),
    ]);
    const parts = [a![0]!.partitions as number[], b![0]!.partitions as number[]];
    expect(parts.map((p) => p.length)).toEqual([1, 1]);
    expect(new Set(parts.flat())).toEqual(new Set([0, 1]));
    const [c] = await py(["committed", "--group", "kp-g", "--topic", "kp-group", "--partitions", "2"]);
    expect(c!.committed).toEqual([15, 15]);
    const [groups] = await py(["admin", "groups"]);
    expect(groups!.groups).toContain("kp-g");
  });
});
