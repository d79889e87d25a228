// A broker out of file descriptors (RLIMIT_NOFILE lowered on the running broker process with util-linux
// `prlimit`, as test/faults/storage-fd-limit.test.ts does): a flood of new connections to its Kafka and
// WebSocket ports cannot all be accepted. The broker must stay up, refuse what it cannot take by closing it
// (no hang, no crash), keep answering the connections it already has, and the other brokers keep serving
// the cluster; once the flood is gone it accepts new connections again and stays in the ISR.

import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { Connection } from "../transactions/wire.js";
import { clusterFixture, partitionState, sleep, until } from "./harness.js";

const fixture = clusterFixture({ broker: { minIsr: 2 } });
const { brokers } = fixture;
const hasPrlimit = spawnSync("prlimit", ["--version"]).status === 0;

const kafka = () => new Kafka({ clientId: "fd", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 500 } });
const apiVersions = (c: Connection) => c.call(ApiKey.ApiVersions, 3, { clientSoftwareName: "fd-test", clientSoftwareVersion: "1" });

/** Opens `count` TCP connections and sends each an ApiVersions request; how many were answered, and the sockets. */
async function flood(port: number, count: number): Promise<{ answered: number; refused: number; sockets: Connection[] }> {
  const sockets: Connection[] = [];
  let answered = 0;
  let refused = 0;
  await Promise.all(
    Array.from({ length: count }, async () => {
      try {
        const c = await Connection.open(port);
        sockets.push(c);
        const r = await Promise.race([apiVersions(c), sleep(5000).then(() => "timeout" as const)]);
        if (r === "timeout") throw new Error("a connection neither answered nor closed in 5 s");
        answered++;
      } catch (error) {
        if ((error as Error).message.includes("neither answered")) throw error;
        refused++;
      }
    }),
  );
  return { answered, refused, sockets };
}

/** Raw TCP connections to the WebSocket port, held open (each takes a descriptor if accepted). */
function holdTcp(port: number, count: number): Promise<Socket[]> {
  return Promise.all(
    Array.from({ length: count }, () => new Promise<Socket>((resolve) => {
      const s = createConnection({ host: "127.0.0.1", port }, () => resolve(s));
      s.on("error", () => resolve(s));
    })),
  );
}

describe("a broker out of file descriptors", () => {
  it("refuses new connections by closing them, keeps serving its open ones, and recovers; the cluster keeps serving", async (ctx) => {
    if (!hasPrlimit) {
      console.warn("fd-limit skipped: util-linux prlimit is not installed");
      return ctx.skip();
    }
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "fdl", numPartitions: 3, replicationFactor: 3 }] });
    await admin.disconnect();
    for (const p of [0, 1, 2]) await until(`ISR of 3 for fdl-${p}`, async () => (await partitionState(fixture.etcd, "fdl", p))?.isr.length === 3);
    const producer = kafka().producer();
    await producer.connect();
    await producer.send({ topic: "fdl", acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `before-${i}` })) });

    const victim = brokers[1]!;
    const kept = await Connection.open(victim.kafkaPort); // opened before the limit
    expect((await apiVersions(kept)).errorCode).toBe(0);
    const ws = await connect({ url: `${victim.wsUrl}/ws`, reconnect: false } as never);
    const inUse = readdirSync(`/proc/${victim.proc.pid}/fd`).length;
    const limit = inUse + 24;
    execFileSync("prlimit", ["--pid", String(victim.proc.pid), `--nofile=${limit}:${limit}`]);

    const first = await flood(victim.kafkaPort, 80);
    const wsHeld = await holdTcp(victim.wsPort, 40);
    console.log(`fd-limit: ${inUse} fds in use, limit ${limit}; 80 new Kafka connections: ${first.answered} answered, ${first.refused} refused`);
    expect(first.refused, "some connections had to be refused").toBeGreaterThan(0);
    expect(first.answered, "it accepted what it could").toBeGreaterThan(0);
    expect(victim.proc.alive()).toBe(true);
    // Its open connections are served: the Kafka one and the WebSocket client.
    expect((await apiVersions(kept)).errorCode).toBe(0);
    expect((await ws.admin.clusterMetadata([])).brokers.length).toBe(3);
    // The cluster keeps taking acks=all writes (min.insync 2) and serving reads.
    await producer.send({ topic: "fdl", acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `during-${i}` })) });

    for (const c of first.sockets) c.close();
    for (const s of wsHeld) s.destroy();
    // Descriptors freed: new connections are accepted again, on both ports.
    const after = await until("new connections accepted again", async () => {
      const r = await flood(victim.kafkaPort, 5);
      for (const c of r.sockets) c.close();
      return r.answered === 5 ? r : undefined;
    }, 20_000);
    expect(after.refused).toBe(0);
    const ws2 = await connect({ url: `${victim.wsUrl}/ws`, reconnect: false } as never);
    expect((await ws2.admin.clusterMetadata([])).brokers.length).toBe(3);
    ws2.close();
    ws.close();
    kept.close();

    await producer.send({ topic: "fdl", acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `after-${i}` })) });
    await producer.disconnect();
    for (const p of [0, 1, 2]) await until(`broker ${victim.id} in the ISR of fdl-${p}`, async () => (await partitionState(fixture.etcd, "fdl", p))?.isr.includes(victim.id), 20_000);
    // Nothing acknowledged was lost.
    const consumer = kafka().consumer({ groupId: "fd-check", maxWaitTimeInMs: 100 });
    const seen = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topic: "fdl", fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
    await until("all 90 records read back", () => seen.size >= 90, 30_000);
    await consumer.disconnect();
    expect(seen.size).toBe(90);
  }, 120_000);
});
