// kcat 1.7.1 on librdkafka 2.0.2 (Debian `kcat`) against the Kafka listener: metadata, produce (plain,
// gzip, idempotent, acks 0/1/all), consume from the beginning / an offset / a timestamp, a balanced
// consumer group of two that splits the partitions, and committed offsets. Every child has a timeout.

import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { children, eventually, kafkaServers, run, sleep, type KafkaTestServer } from "./helpers.js";

const KCAT = "kcat";
const servers = kafkaServers();
const procs = children();
let s: KafkaTestServer;
let kafka: Kafka;
const admin = () => kafka.admin();

const kcat = (args: string[], input?: string, timeoutMs = 20_000) => run(KCAT, ["-b", s.bootstrap, ...args], { input, timeoutMs });
const lines = (n: number, prefix: string, from = 0) => Array.from({ length: n }, (_, i) => `k${from + i}:${prefix}-${from + i}`).join("\n") + "\n";
const consume = (topic: string, partition: number, offset: string) =>
  kcat(["-C", "-t", topic, "-p", String(partition), "-o", offset, "-e", "-f", "%k=%s@%o\\n"]);

beforeAll(async () => {
  const version = await run(KCAT, ["-V"]);
  expect(version.code, `kcat must be installed (apt-get install kcat): ${version.stderr}`).toBe(0);
  s = await servers.start({ capture: "kcat" });
  for (const [name, partitions] of [["kc-plain", 2], ["kc-gzip", 1], ["kc-idem", 1], ["kc-acks", 1], ["kc-time", 1], ["kc-group", 2]] as const) {
    await s.server.broker.createTopic(name, { partitions });
  }
  kafka = new Kafka({ brokers: [s.bootstrap], clientId: "kcat-test-admin", logLevel: logLevel.NOTHING });
});

describe("kcat (librdkafka 2.0.2)", () => {
  it("lists metadata (-L): this broker, topics, partitions led by node 1", async () => {
    const r = await kcat(["-L", "-J"]);
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(r.stdout) as { brokers: { id: number; name: string }[]; topics: { topic: string; partitions: { partition: number; leader: number; replicas: { id: number }[] }[] }[] };
    expect(meta.brokers).toEqual([{ id: 1, name: s.bootstrap }]);
    const plain = meta.topics.find((t) => t.topic === "kc-plain")!;
    expect(plain.partitions.map((p) => [p.partition, p.leader, p.replicas.map((r) => r.id)])).toEqual([[0, 1, [1]], [1, 1, [1]]]);
    const missing = await kcat(["-L", "-J", "-t", "kc-nope"]);
    expect(JSON.parse(missing.stdout).topics[0].error).toMatch(/Unknown topic/i);
  });

  it("produces with acks=all and consumes from the beginning and from an offset", async () => {
    const p = await kcat(["-P", "-t", "kc-plain", "-p", "0", "-K:", "-X", "acks=all"], lines(20, "a"));
    expect(p.code, p.stderr).toBe(0);
    const all = await consume("kc-plain", 0, "beginning");
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout.trim().split("\n")).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}=a-${i}@${i}`));
    const tail = await consume("kc-plain", 0, "15");
    expect(tail.stdout.trim().split("\n")).toEqual(Array.from({ length: 5 }, (_, i) => `k${15 + i}=a-${15 + i}@${15 + i}`));
    const last2 = await consume("kc-plain", 0, "-2");
    expect(last2.stdout.trim().split("\n")).toEqual(["k18=a-18@18", "k19=a-19@19"]);
  });

  it("produces with acks=1 and acks=0", async () => {
    for (const acks of ["1", "0"]) {
      const p = await kcat(["-P", "-t", "kc-acks", "-p", "0", "-K:", "-X", `acks=${acks}`], lines(10, `acks${acks}`));
      expect(p.code, p.stderr).toBe(0);
    }
    const c = await consume("kc-acks", 0, "beginning");
    const got = c.stdout.trim().split("\n");
    expect(got).toHaveLength(20);
    expect(got[10]).toBe("k0=acks0-0@10");
  });

  it("produces gzip-compressed batches (-z gzip): stored compressed, served as they came", async () => {
    const p = await kcat(["-P", "-t", "kc-gzip", "-p", "0", "-K:", "-z", "gzip", "-X", "linger.ms=50"], lines(200, "gz"));
    expect(p.code, p.stderr).toBe(0);
    const fetched = await s.server.broker.fetch("kc-gzip", 0, 0n, { maxBytes: 1 << 20 });
    expect(fetched.records[22]! & 0x07, "batch attributes say gzip").toBe(1);
    const c = await consume("kc-gzip", 0, "beginning");
    expect(c.stdout.trim().split("\n")).toEqual(Array.from({ length: 200 }, (_, i) => `k${i}=gz-${i}@${i}`));
  });

  it("produces idempotently (enable.idempotence=true)", async () => {
    const p = await kcat(["-P", "-t", "kc-idem", "-p", "0", "-K:", "-X", "enable.idempotence=true"], lines(30, "idem"));
    expect(p.code, p.stderr).toBe(0);
    const fetched = await s.server.broker.fetch("kc-idem", 0, 0n, { maxBytes: 1 << 20 });
    const view = new DataView(fetched.records.buffer, fetched.records.byteOffset);
    expect(view.getBigInt64(43), "producer id").toBeGreaterThanOrEqual(0n);
    const c = await consume("kc-idem", 0, "beginning");
    expect(c.stdout.trim().split("\n")).toHaveLength(30);
  });

  it("consumes from a timestamp (-o s@ts)", async () => {
    await kcat(["-P", "-t", "kc-time", "-p", "0", "-K:"], lines(5, "early"));
    await sleep(50);
    const cut = Date.now();
    await sleep(50);
    await kcat(["-P", "-t", "kc-time", "-p", "0", "-K:"], lines(5, "late", 5));
    const c = await consume("kc-time", 0, `s@${cut}`);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout.trim().split("\n")).toEqual(Array.from({ length: 5 }, (_, i) => `k${5 + i}=late-${5 + i}@${5 + i}`));
  });

  it("runs a balanced consumer group of two (-G) that splits the partitions and commits", async () => {
    const group = "kc-group-1";
    const member = () =>
      procs.spawn(KCAT, ["-b", s.bootstrap, "-u", "-G", group, "-X", "auto.offset.reset=earliest", "-X", "auto.commit.interval.ms=200", "-f", "%p:%k\\n", "kc-group"]);
    const a = member();
    const b = member();
    // Both members joined and got one partition each (initial rebalance delay is 3 s).
    await eventually(async () => (await admin().describeGroups([group])).groups[0]?.state === "Stable" && (await admin().describeGroups([group])).groups[0]!.members.length === 2, 30_000, "a stable group of two");
    await kcat(["-P", "-t", "kc-group", "-p", "0", "-K:"], lines(10, "g0"));
    await kcat(["-P", "-t", "kc-group", "-p", "1", "-K:"], lines(10, "g1", 10));
    await eventually(() => a.output().split("\n").filter((l) => /^\d:/.test(l)).length + b.output().split("\n").filter((l) => /^\d:/.test(l)).length >= 20, 20_000, "20 records across both members");
    const partitionsOf = (out: string) => new Set(out.split("\n").filter((l) => /^\d:/.test(l)).map((l) => l.split(":")[0]));
    expect([...partitionsOf(a.output())].length).toBe(1);
    expect([...partitionsOf(b.output())].length).toBe(1);
    expect(new Set([...partitionsOf(a.output()), ...partitionsOf(b.output())])).toEqual(new Set(["0", "1"]));
    // Committed offsets reach the log end (auto commit every 200 ms).
    await eventually(
      async () => {
        const offsets = await admin().fetchOffsets({ groupId: group, topics: ["kc-group"] });
        return offsets[0]!.partitions.every((p) => p.offset === "10");
      },
      15_000,
      "committed offsets 10/10",
    );
    a.kill("SIGTERM");
    b.kill("SIGTERM");
    await Promise.all([a.exited, b.exited]);
  });
});

afterAll(async () => {
  // kafkajs admin clients are created per call above and never connected for long.
});
