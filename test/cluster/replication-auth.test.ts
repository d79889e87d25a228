// The replication port's authentication on a real cluster (src/cluster/cluster-secret.ts, replica-auth.ts,
// replica-transport.ts): the first broker to join creates the cluster secret in etcd and every broker
// reads it (none logs it); a peer with another secret is refused with SASL_AUTHENTICATION_FAILED, and the
// broker warns once for many attempts from one address; a peer authenticated as one broker cannot fetch
// in another's name; a leader killed -9 and started again authenticates anew and catches up (back in the
// ISR), and every acknowledged record is read back.

import { randomBytes } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { ReplicaClient } from "../../src/cluster/replica-transport.js";
import { clusterFixture, etcdGet, partitionState, readValues, replicationCredentials, until } from "./harness.js";

const fixture = clusterFixture();
const { brokers } = fixture;

const kafka = () => new Kafka({ clientId: "replauth", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });

async function replicationPort(id: number): Promise<number> {
  const key = `/rivulet/brokers/${id}`;
  return (JSON.parse((await etcdGet(fixture.etcd, key))[key]!) as { replicationPort: number }).replicationPort;
}

async function fullIsr(topic: string) {
  return until(`a full ISR of ${topic}`, async () => {
    const s = await partitionState(fixture.etcd, topic, 0);
    return s && s.isr.length === 3 ? s : undefined;
  }, 30_000);
}

describe("replication port authentication", () => {
  it("keeps one secret for the cluster in etcd, logged by no broker", async () => {
    const { secret } = await replicationCredentials(fixture.etcd);
    expect(secret.length).toBe(32);
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "auth-a", numPartitions: 1, replicationFactor: 3 }] });
    await admin.disconnect();
    await fullIsr("auth-a"); // every follower proved the same secret to the leader
    for (const b of brokers) expect(b.proc.out, `broker ${b.id}'s output`).not.toContain(secret.toString("base64"));
  }, 60_000);

  it("refuses a peer with another secret, warning once for many attempts", async () => {
    const port = await replicationPort(1);
    for (let i = 0; i < 5; i++) {
      const c = new ReplicaClient("127.0.0.1", port, 1, { secret: randomBytes(32), brokerId: 2 });
      try {
        await expect(c.request({ type: "hw", topic: "auth-a", partition: 0 }, 5000)).rejects.toThrow(/SASL_AUTHENTICATION_FAILED/);
      } finally {
        c.close();
      }
    }
    // The real secret is answered on the same port.
    const good = new ReplicaClient("127.0.0.1", port, 1, await replicationCredentials(fixture.etcd));
    try {
      expect((await good.request({ type: "hw", topic: "no-such-topic", partition: 0 }, 5000)).header.error).toBe("NOT_LEADER_OR_FOLLOWER");
    } finally {
      good.close();
    }
    const warns = fixture.broker(1).proc.out.split("\n").filter((l) => l.includes("replication connection refused"));
    expect(warns).toHaveLength(1);
    expect(warns[0]).toContain("127.0.0.1");
  }, 60_000);

  it("answers a fetch in another broker's name INVALID_REQUEST", async () => {
    const { leader, leaderEpoch } = await fullIsr("auth-a");
    const [a, b] = brokers.map((x) => x.id).filter((id) => id !== leader) as [number, number];
    const c = new ReplicaClient("127.0.0.1", await replicationPort(leader), leader, await replicationCredentials(fixture.etcd, a));
    try {
      const reply = await c.request({ type: "fetch", topic: "auth-a", partition: 0, brokerId: b, leaderEpoch, offset: 0n, logStart: 0n, maxWaitMs: 0 }, 5000);
      expect(reply.header.error).toBe("INVALID_REQUEST");
      expect(String(reply.header.message)).toContain(`authenticated as broker ${a}`);
    } finally {
      c.close();
    }
    expect((await partitionState(fixture.etcd, "auth-a", 0))!.isr).toHaveLength(3);
  }, 60_000);

  it("a leader killed -9 and started again authenticates anew and catches up", async () => {
    const topic = "auth-restart";
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] });
    await admin.disconnect();
    const { leader } = await fullIsr(topic);
    const { secret: secretBefore } = await replicationCredentials(fixture.etcd);
    const producer = kafka().producer();
    await producer.connect();
    const send = (from: number, to: number) => producer.send({ topic, acks: -1, messages: Array.from({ length: to - from }, (_, i) => ({ value: `v${from + i}` })) });
    await send(0, 100);
    const victim = fixture.broker(leader);
    await victim.kill("SIGKILL");
    await until("a new leader", async () => {
      const s = await partitionState(fixture.etcd, topic, 0);
      return s && s.leader !== leader && s.leader >= 0 ? s : undefined;
    }, 30_000);
    await send(100, 200); // the survivors replicate to each other meanwhile
    await victim.start();
    const back = await fullIsr(topic); // in the ISR again: it fetched up to the high watermark
    expect(back.isr).toContain(leader);
    // It read the same secret (not a new one) and serves peers proving it on its new port.
    const credentials = await replicationCredentials(fixture.etcd);
    expect(credentials.secret.equals(secretBefore)).toBe(true);
    const c = new ReplicaClient("127.0.0.1", await replicationPort(leader), leader, credentials);
    try {
      expect((await c.request({ type: "hw", topic: "no-such-topic", partition: 0 }, 5000)).header.error).toBe("NOT_LEADER_OR_FOLLOWER");
    } finally {
      c.close();
    }
    await send(200, 300);
    await producer.disconnect();
    const values = await readValues(kafka(), topic, 300);
    expect(new Set(values).size).toBe(300);
    expect(victim.proc.out).not.toContain("SASL_AUTHENTICATION_FAILED");
  }, 120_000);
});
