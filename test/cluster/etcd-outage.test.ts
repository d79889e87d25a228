// etcd gone for longer than the brokers' leases (kill -9, back after 5 s with the same data dir and ports;
// the lease TTL here is 2 s): every broker loses its lease and is fenced, retries its registration every
// 500 ms while etcd is away, and registers again once it is back; then data flows again and no acknowledged
// record is lost. The outage is two warnings per broker in its log ("etcd lease lost", then
// "re-registration failed"), its retries debug lines, and one info line when it registers again: not a
// warning every 500 ms, nor a lease loss per failed try.

import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { loadPartitions } from "./availability.js";
import { clusterFixture, partitionState, sleep, until } from "./harness.js";

const fixture = clusterFixture({ broker: { minIsr: 2, extra: ["--log-level", "debug"] }, debugLines: 60 });
const { brokers } = fixture;

const kafka = () =>
  new Kafka({ clientId: "etcd-outage", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 60, initialRetryTime: 100, maxRetryTime: 500 } });

/** The broker's log lines (JSON) since `from`, with `msg` starting with `prefix`. */
function lines(out: string, from: number, prefix: string): Array<{ level: string; msg: string }> {
  return out
    .slice(from)
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { level: string; msg: string })
    .filter((e) => e.msg.startsWith(prefix));
}

describe("an etcd outage longer than the leases", () => {
  it("fences every broker, which registers again once etcd is back: data flows, nothing acknowledged is lost, one warning per broker", async () => {
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "outage", numPartitions: 1, replicationFactor: 3 }] });
    await admin.disconnect();
    await until("partition state", () => partitionState(fixture.etcd, "outage", 0));
    const traffic = loadPartitions(kafka(), "outage", 1);
    await until("acks before the outage", () => traffic.acked.length >= 20, 20_000);

    const logFrom = brokers.map((b) => b.proc.out.length);
    await fixture.etcd.proc.kill("SIGKILL");
    await sleep(5000);
    await fixture.etcd.start();
    const atRestart = traffic.acked.length;
    await until("every broker registered again", () => brokers.every((b, i) => lines(b.proc.out, logFrom[i]!, "registered again").length === 1), 30_000);
    await until("acks after the outage", () => traffic.acked.length >= atRestart + 20, 30_000);
    await traffic.stop();

    // Nothing acknowledged is lost (read_uncommitted, from the start, through whichever broker leads now).
    const seen = new Set<string>();
    const consumer = kafka().consumer({ groupId: `outage-check-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: "outage", fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
    await until("every acknowledged record read back", () => traffic.acked.every((v) => seen.has(v)), 30_000).catch(() => undefined);
    await consumer.disconnect();
    expect(traffic.acked.filter((v) => !seen.has(v))).toEqual([]);

    for (const [i, b] of brokers.entries()) {
      const lost = lines(b.proc.out, logFrom[i]!, "etcd lease lost");
      const failed = lines(b.proc.out, logFrom[i]!, "re-registration");
      const summary = `broker ${b.id}: ${[...lost, ...failed].map((e) => `${e.level} ${e.msg}`).join(" | ")}`;
      const warnings = lines(b.proc.out, logFrom[i]!, "").filter((e) => e.level === "warn" || e.level === "error");
      console.log(`${summary}\n  every warning of the outage: ${warnings.map((e) => e.msg).join(" | ")}`);
      // The registration's lease is lost once; the leases of the failed tries are not news.
      expect(lost.map((e) => e.level), summary).toEqual(["warn"]);
      // etcd was away ~3 s after the lease ran out: several tries failed, one warning said so.
      expect(failed.filter((e) => e.level === "warn"), summary).toHaveLength(1);
      expect(failed.filter((e) => e.level === "debug").length, summary).toBeGreaterThanOrEqual(1);
      expect(lines(b.proc.out, logFrom[i]!, "registered again").map((e) => e.level)).toEqual(["info"]);
    }
  }, 120_000);
});
