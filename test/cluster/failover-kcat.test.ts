// kcat (librdkafka) as the producer while the partition leader is killed -9 (acks=all, RF 3,
// min.insync.replicas 2): every record kcat reports delivered is found afterwards, at the offset reported.
//
// How the acknowledged set is derived: kcat -P registers a per-message delivery report callback
// (dr_msg_cb); at verbosity 3 (-vv) it prints "Message delivered to partition P (offset O) on broker B" for
// each success and, at any verbosity, "Delivery failed for message: <error>" for each failure, both on
// stderr. With one partition and max.in.flight.requests.per.connection=1, librdkafka delivers the reports in
// produce order, so the k-th report line is the k-th input line. The test checks that (one report per input
// line), then that each delivered value is at its reported offset in the log read back after the failover.

import { describe, expect, it } from "vitest";
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { clusterFixture, partitionState, sleep, until } from "./harness.js";

const fixture = clusterFixture({ broker: { minIsr: 2 }, debugLines: 30 });
const { brokers } = fixture;

describe("cluster failover (kcat producer, acks=all)", () => {
  it("finds every record kcat reported delivered after a leader kill -9", async () => {
    const topic = "kcatfail";
    const admin = new Kafka({ clientId: "t", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] });
    await admin.disconnect();
    const before = await until("ISR of 3", async () => {
      const s = await partitionState(fixture.etcd, topic, 0);
      return s && s.isr.length === 3 ? s : undefined;
    });

    const kcat = spawn("kcat", [
      "-P", "-b", brokers.map((b) => b.bootstrap).join(","), "-t", topic, "-p", "0", "-vv",
      "-X", "acks=all", "-X", "max.in.flight.requests.per.connection=1", "-X", "message.timeout.ms=30000",
      "-X", "linger.ms=0", "-X", "retry.backoff.ms=100", "-X", "topic.metadata.refresh.interval.ms=1000",
    ], { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    kcat.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number>((resolve) => kcat.on("exit", (code) => resolve(code ?? -1)));

    const N = 300;
    const leader = brokers.find((b) => b.id === before.leader)!;
    for (let i = 0; i < N; i++) {
      if (i === 100) void leader.kill("SIGKILL");
      kcat.stdin.write(`k${i}\n`);
      await sleep(15);
    }
    kcat.stdin.end();
    const code = await exited;

    type Report = { ok: true; partition: number; offset: number } | { ok: false; error: string };
    const reports = stderr.split("\n").flatMap((line): Report[] => {
      const ok = /Message delivered to partition (\d+) \(offset (-?\d+)\)/.exec(line);
      if (ok) return [{ ok: true, partition: Number(ok[1]), offset: Number(ok[2]) }];
      const failed = /Delivery failed for message: (.*)/.exec(line);
      if (failed) return [{ ok: false, error: failed[1]! }];
      return [];
    });
    // One report per input line, else the order-based mapping below would be unfounded.
    expect(reports.length, stderr.slice(-2000)).toBe(N);
    const delivered = reports.flatMap((r, i) => (r.ok ? [{ value: `k${i}`, offset: r.offset, partition: r.partition }] : []));
    const failed = reports.flatMap((r) => (r.ok ? [] : [r.error]));
    console.log(`kcat: ${delivered.length} delivered, ${failed.length} failed (${[...new Set(failed)].join("; ") || "none"}), exit ${code}`);
    expect(delivered.length).toBeGreaterThan(N / 2);
    expect(delivered.every((d) => d.partition === 0 && d.offset >= 0)).toBe(true);
    if (code !== 0) expect(reports.some((r) => !r.ok)).toBe(true); // kcat exits non-zero only for failed deliveries

    const after = await until("a new leader", async () => {
      const s = await partitionState(fixture.etcd, topic, 0);
      return s && s.leader !== before.leader && s.leader !== -1 ? s : undefined;
    });
    expect(after.leaderEpoch).toBeGreaterThan(before.leaderEpoch);

    // Read back from the survivors with kcat itself: offset and value of every record.
    const live = brokers.filter((b) => b.id !== before.leader);
    const { stdout } = await promisify(execFile)("kcat", ["-C", "-b", live.map((b) => b.bootstrap).join(","), "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%o %s\\n"], { timeout: 30_000 });
    const atOffset = new Map<number, string>();
    for (const line of stdout.split("\n").filter(Boolean)) {
      const [o, v] = line.split(" ") as [string, string];
      atOffset.set(Number(o), v);
    }
    const wrong = delivered.filter((d) => atOffset.get(d.offset) !== d.value).map((d) => `${d.value}@${d.offset}: found ${atOffset.get(d.offset) ?? "nothing"}`);
    expect(wrong).toEqual([]);
  }, 120_000);
});
