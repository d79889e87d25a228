// Adding partitions in cluster mode goes through the controller: Kafka CreatePartitions (kafkajs admin) and
// `rivulet topics add-partitions` (the WebSocket CREATE_PARTITIONS frame) on a 3-broker cluster. The new
// partitions get RF 3 placed like topic creation, every broker serves them, acks=all produce to them is
// read back; bad requests get their Kafka codes; with a broker down the request is refused
// (INVALID_REPLICATION_FACTOR) rather than placed under-replicated, and a restarted broker keeps them.

import { describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { cli, clusterFixture, etcdGet, partitionState, until } from "./harness.js";

const fixture = clusterFixture({ broker: { minIsr: 2 }, debugLines: 30 });
const { brokers } = fixture;

const kafka = (list = brokers) => new Kafka({ clientId: "grow", brokers: list.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 500 } });

async function assignment(topic: string): Promise<{ partitions: number; replicas: number[][] }> {
  const all = await etcdGet(fixture.etcd, `/rivulet/topics/${topic}`);
  return JSON.parse(all[`/rivulet/topics/${topic}`]!) as { partitions: number; replicas: number[][] };
}

/** Kafka error code of a failed kafkajs admin call (kafkajs wraps the broker's error). */
function codeOf(error: unknown): string {
  const e = error as { type?: string; originalError?: { type?: string }; errors?: Array<{ type?: string }> };
  return e.type ?? e.originalError?.type ?? e.errors?.[0]?.type ?? String(error);
}

describe("adding partitions in cluster mode", () => {
  it("grows a topic through Kafka CreatePartitions and the WebSocket frame; every broker serves the new partitions", async () => {
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "grow", numPartitions: 2, replicationFactor: 3 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: "grow", count: 5 }] });
    let a = await assignment("grow");
    expect(a.partitions).toBe(5);
    expect(a.replicas).toHaveLength(5);
    for (const set of a.replicas) expect(new Set(set).size).toBe(3);
    // Leaders of the new partitions spread over the brokers (round-robin placement, first replica leads).
    expect(new Set(a.replicas.slice(2).map((set) => set[0])).size).toBe(3);
    for (let p = 0; p < 5; p++) expect((await until(`state ${p}`, () => partitionState(fixture.etcd, "grow", p)))?.isr).toHaveLength(3);

    // Every broker's Metadata shows five partitions with a leader each.
    for (const b of brokers) {
      const one = kafka([b]).admin();
      await one.connect();
      const meta = await until(`broker ${b.id} metadata`, async () => {
        const m = await one.fetchTopicMetadata({ topics: ["grow"] });
        const parts = m.topics[0]!.partitions;
        return parts.length === 5 && parts.every((p) => p.leader >= 0) ? parts : undefined;
      });
      expect(meta.map((p) => p.replicas.length)).toEqual([3, 3, 3, 3, 3]);
      await one.disconnect();
    }

    // The WebSocket door: `rivulet topics add-partitions` against one broker.
    const ws = await cli(["topics", "add-partitions", "grow", "--total", "7", "--broker", `${brokers[1]!.wsUrl}/ws`]);
    expect(ws.stderr).toBe("");
    expect(ws.code).toBe(0);
    a = await assignment("grow");
    expect(a.partitions).toBe(7);

    // acks=all produce to every partition (new ones included) and read back.
    const producer = kafka().producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const sent: string[] = [];
    for (let i = 0; i < 35; i++) {
      await producer.send({ topic: "grow", acks: -1, messages: [{ value: `g${i}`, partition: i % 7 }] });
      sent.push(`g${i}`);
    }
    await producer.disconnect();
    const consumer = kafka().consumer({ groupId: `verify-${Date.now()}` });
    const seen = new Map<string, number>();
    await consumer.connect();
    await consumer.subscribe({ topic: "grow", fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message, partition }) => void seen.set(message.value!.toString(), partition) });
    await until("every record read back", () => sent.every((v) => seen.has(v)), 30_000).catch(() => undefined);
    await consumer.disconnect();
    expect(sent.filter((v) => !seen.has(v))).toEqual([]);
    expect(sent.map((v) => seen.get(v))).toEqual(sent.map((_, i) => i % 7));

    // Bad requests, with Kafka codes: not growth, unknown topic, internal topic, manual assignment.
    await expect(admin.createPartitions({ topicPartitions: [{ topic: "grow", count: 3 }] }).catch(codeOf)).resolves.toBe("INVALID_PARTITIONS");
    await expect(admin.createPartitions({ topicPartitions: [{ topic: "nope", count: 3 }] }).catch(codeOf)).resolves.toBe("UNKNOWN_TOPIC_OR_PARTITION");
    await expect(admin.createPartitions({ topicPartitions: [{ topic: "__consumer_offsets", count: 60 }] }).catch(codeOf)).resolves.toBe("INVALID_REQUEST");
    await expect(admin.createPartitions({ topicPartitions: [{ topic: "grow", count: 8, assignments: [[1]] }] }).catch(codeOf)).resolves.toBe("INVALID_REPLICA_ASSIGNMENT");
    const shrink = await cli(["topics", "add-partitions", "grow", "--total", "4", "--broker", `${brokers[0]!.wsUrl}/ws`]);
    expect(shrink.code).not.toBe(0);
    expect(shrink.stderr).toContain("partitions can only be added");
    expect((await assignment("grow")).partitions).toBe(7);
    await admin.disconnect();
  }, 120_000);

  it("refuses with a broker down (INVALID_REPLICATION_FACTOR), then grows after its restart, which keeps the partitions", async () => {
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "grow2", numPartitions: 1, replicationFactor: 3 }] });
    await admin.disconnect();
    const b3 = brokers[2]!;
    await b3.kill("SIGKILL");
    await until("broker 3's lease expired", async () => !(await etcdGet(fixture.etcd, "/rivulet/brokers/3"))["/rivulet/brokers/3"], 15_000);
    const rest = kafka(brokers.slice(0, 2)).admin();
    await rest.connect();
    await expect(rest.createPartitions({ topicPartitions: [{ topic: "grow2", count: 3 }] }).catch(codeOf)).resolves.toBe("INVALID_REPLICATION_FACTOR");
    // The same refusal through the WebSocket door.
    const viaWs = await cli(["topics", "add-partitions", "grow2", "--total", "3", "--broker", `${brokers[0]!.wsUrl}/ws`]);
    expect(viaWs.code).not.toBe(0);
    expect(viaWs.stderr).toContain("replication factor 3");
    expect((await assignment("grow2")).partitions).toBe(1);
    await b3.start();
    await until("broker 3 registered", async () => (await etcdGet(fixture.etcd, "/rivulet/brokers/3"))["/rivulet/brokers/3"], 15_000);
    await until("controller sees broker 3", async () => {
      try {
        await rest.createPartitions({ topicPartitions: [{ topic: "grow2", count: 3 }] });
        return true;
      } catch (error) {
        return codeOf(error) === "INVALID_PARTITIONS"; // a retry after a success that timed out client-side
      }
    }, 20_000);
    await rest.disconnect();
    expect((await assignment("grow2")).partitions).toBe(3);
    // Broker 3 hosts the new partitions and rejoins their ISRs; after another restart it still has them.
    for (let p = 0; p < 3; p++) await until(`broker 3 in the ISR of grow2-${p}`, async () => (await partitionState(fixture.etcd, "grow2", p))?.isr.includes(3), 20_000);
    await b3.kill("SIGTERM");
    await b3.start();
    for (let p = 0; p < 3; p++) await until(`broker 3 back in the ISR of grow2-${p}`, async () => (await partitionState(fixture.etcd, "grow2", p))?.isr.includes(3), 20_000);
    const status = await cli(["cluster", "status", "--cluster", fixture.etcd.url]);
    expect(status.code).toBe(0);
  }, 120_000);
});
