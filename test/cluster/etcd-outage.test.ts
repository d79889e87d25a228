// etcd gone for longer than the brokers' leases (kill -9, back after 5 s with the same data dir and ports;
// the lease TTL here is 2 s): every broker loses its lease and is fenced, retries its registration every
// 500 ms while etcd is away, and registers again once it is back; then data flows again and no acknowledged
// record is lost. The outage is two warnings per broker in its log ("etcd lease lost", then
// "re-registration failed"), its retries debug lines, and one info line when it registers again: not a
// warning every 500 ms, nor a lease loss per failed try. Both doors carry traffic through the outage: kafkajs
// over the Kafka protocol, and the project's cluster client over WebSocket (acks=all, a follower reading
// along); each is served again afterwards and loses nothing it had acknowledged.

import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { connectCluster } from "../../src/client/cluster.js";
import { loadPartitions } from "./availability.js";
import { clusterFixture, partitionState, sleep, until } from "./harness.js";

const fixture = clusterFixture({ broker: { minIsr: 2, extra: ["--log-level", "debug"] }, debugLines: 60 });
const { brokers } = fixture;

const kafka = () =>
  new Kafka({ clientId: "etcd-outage", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 60, initialRetryTime: 100, maxRetryTime: 500 } });

/** The broker's log lines (JSON) since `from`, with `msg` starting with `prefix`. */
const text = (v: Uint8Array | string | null | undefined) => (typeof v === "string" ? v : new TextDecoder().decode(v ?? new Uint8Array()));

/** acks=all sends over WebSocket, one at a time, until stopped: what was acknowledged and what failed. */
function wsLoad(topic: string) {
  const acked: string[] = [];
  const failures: string[] = [];
  let running = true;
  const done = (async () => {
    const cluster = await connectCluster({ urls: brokers.map((b) => `${b.wsUrl}/ws`) });
    const producer = cluster.producer({ acks: "all", deliveryTimeoutMs: 30_000 });
    for (let i = 0; running; i++) {
      try {
        await producer.send({ topic, partition: 0, value: `ws-${i}` });
        acked.push(`ws-${i}`);
      } catch (error) {
        failures.push(`ws-${i}: ${(error as Error).name}: ${(error as Error).message}`);
        await sleep(50);
      }
    }
    await producer.close();
    cluster.close();
  })();
  return {
    acked,
    failures,
    async stop() {
      running = false;
      await done;
    },
  };
}

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
    await admin.createTopics({ topics: ["outage", "outage-ws"].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 3 })) });
    await admin.disconnect();
    await until("partition state", () => partitionState(fixture.etcd, "outage", 0));
    await until("partition state (ws)", () => partitionState(fixture.etcd, "outage-ws", 0));
    const traffic = loadPartitions(kafka(), "outage", 1);
    const wsTraffic = wsLoad("outage-ws");
    await until("acks before the outage", () => traffic.acked.length >= 20 && wsTraffic.acked.length >= 20, 20_000);

    const logFrom = brokers.map((b) => b.proc.out.length);
    await fixture.etcd.proc.kill("SIGKILL");
    await sleep(5000);
    await fixture.etcd.start();
    const atRestart = traffic.acked.length;
    const wsAtRestart = wsTraffic.acked.length;
    await until("every broker registered again", () => brokers.every((b, i) => lines(b.proc.out, logFrom[i]!, "registered again").length === 1), 30_000);
    await until("acks after the outage", () => traffic.acked.length >= atRestart + 20 && wsTraffic.acked.length >= wsAtRestart + 20, 30_000);
    await traffic.stop();
    await wsTraffic.stop();

    // Nothing acknowledged is lost (read_uncommitted, from the start, through whichever broker leads now).
    const seen = new Set<string>();
    const consumer = kafka().consumer({ groupId: `outage-check-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: "outage", fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
    await until("every acknowledged record read back", () => traffic.acked.every((v) => seen.has(v)), 30_000).catch(() => undefined);
    await consumer.disconnect();
    expect(traffic.acked.filter((v) => !seen.has(v))).toEqual([]);

    // The same over WebSocket: a cluster reader from the start finds every record acknowledged there.
    const wsSeen = new Set<string>();
    const wsCluster = await connectCluster({ urls: brokers.map((b) => `${b.wsUrl}/ws`) });
    const wsReader = wsCluster.consumer({ topic: "outage-ws", partition: 0, from: "earliest" });
    const gaveUp = sleep(30_000).then(() => undefined);
    while (!wsTraffic.acked.every((v) => wsSeen.has(v))) {
      const pending = wsReader.next();
      pending.catch(() => undefined); // left waiting when the time is up; close() below may reject it
      const next = await Promise.race([pending, gaveUp]);
      if (!next) break;
      wsSeen.add(text(next.value));
    }
    await wsReader.close();
    wsCluster.close();
    expect(wsTraffic.acked.filter((v) => !wsSeen.has(v)), `WS send failures: ${wsTraffic.failures.slice(0, 3).join("; ")}`).toEqual([]);

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
