// DeleteRecords in a three-broker cluster (etcd and broker processes): the leader answers only once the
// followers that could be elected have moved their log start as far, so killing the leader (twice, until
// the last replica leads) never brings deleted records back; "-1" is the replicated high watermark; a
// follower refuses it on both front ends; a follower that was down when the records went catches up on its
// log start before it can lead.

import { describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { connect } from "../../src/client/index.js";
import { KafkaAdminConnection } from "../../src/cli/kafka-admin.js";
import { KafkaErrors } from "../../src/errors/index.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { clusterFixture, partitionState, readValues, until, type ClusterBroker } from "./harness.js";

const fixture = clusterFixture();
const { brokers } = fixture;

const kafka = (list = brokers) =>
  new Kafka({ clientId: "delete-records", brokers: list.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 500 } });

const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

async function produce(topic: string, messages: string[], list = brokers.filter((b) => b.proc.alive())): Promise<void> {
  const producer = kafka(list).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  for (let i = 0; i < messages.length; i += 100) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 100).map((value) => ({ value })) });
  await producer.disconnect();
}

async function createTopic(topic: string): Promise<{ leader: number; isr: number[] }> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] });
  } finally {
    await admin.disconnect();
  }
  return until(`${topic} has a full ISR`, async () => {
    const state = await partitionState(fixture.etcd, topic, 0);
    return state && state.leader > 0 && state.isr.length === 3 && state;
  });
}

/** Kills the partition's leader and waits for another live broker to lead it; answers the killed one. */
async function killLeader(topic: string): Promise<ClusterBroker> {
  const before = (await partitionState(fixture.etcd, topic, 0))!;
  const victim = fixture.broker(before.leader);
  await victim.kill("SIGKILL");
  await until(`a new leader of ${topic} after broker ${victim.id}`, async () => {
    const state = await partitionState(fixture.etcd, topic, 0);
    return state && state.leader > 0 && state.leader !== victim.id && fixture.broker(state.leader).proc.alive();
  }, 30_000);
  return victim;
}

async function lowAndHigh(topic: string): Promise<{ low: string; high: string }> {
  const admin = kafka(brokers.filter((b) => b.proc.alive())).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchTopicOffsets(topic);
    return { low: offsets!.low, high: offsets!.high };
  } finally {
    await admin.disconnect();
  }
}

describe("DeleteRecords in a cluster", () => {
  it("is on every in-sync replica when answered: two leader kills in a row never bring a deleted record back", async () => {
    const topic = "dr-failover";
    await createTopic(topic);
    const all = values("v", 300);
    await produce(topic, all);
    const admin = kafka().admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [topic] });
    // kafkajs sends it to the leader; the answer comes once both followers have moved their log start.
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: "200" }] });
    await admin.disconnect();

    // No wait: the followers must already hold the new log start.
    const first = await killLeader(topic);
    expect(await lowAndHigh(topic)).toEqual({ low: "200", high: "300" });
    const second = await killLeader(topic);
    expect(await lowAndHigh(topic)).toEqual({ low: "200", high: "300" });
    const survivor = brokers.find((b) => b.proc.alive())!;
    expect(new Set(await readValues(kafka([survivor]), topic, 100))).toEqual(new Set(all.slice(200)));

    await first.start();
    await second.start();
    await until(`${topic} back to a full ISR`, async () => (await partitionState(fixture.etcd, topic, 0))?.isr.length === 3, 30_000);
  }, 180_000);

  it("takes -1 as the replicated high watermark, refuses above it, and a follower refuses it on both front ends", async () => {
    const topic = "dr-rules";
    const { leader } = await createTopic(topic);
    await produce(topic, values("r", 50));
    const follower = brokers.find((b) => b.id !== leader && b.proc.alive())!;

    // Kafka wire, straight to a follower: NOT_LEADER_OR_FOLLOWER, and nothing moves.
    const viaFollower = await KafkaAdminConnection.open(follower.bootstrap);
    try {
      const r = await viaFollower.request(ApiKey.DeleteRecords, 2, { topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset: 10n }] }], timeoutMs: 5000 });
      expect(r.topics[0]!.partitions[0]).toMatchObject({ errorCode: KafkaErrors.NOT_LEADER_OR_FOLLOWER.code, lowWatermark: -1n });
    } finally {
      viaFollower.close();
    }
    // WebSocket front end on the follower: the same refusal.
    const ws = await connect({ url: `${follower.wsUrl}/ws` });
    try {
      await expect(ws.admin.deleteRecords(topic, [{ partition: 0, offset: 10n }])).rejects.toMatchObject({ code: "NOT_LEADER_OR_FOLLOWER" });
    } finally {
      await ws.close();
    }
    expect(await lowAndHigh(topic)).toEqual({ low: "0", high: "50" });

    const viaLeader = await KafkaAdminConnection.open(fixture.broker(leader).bootstrap);
    try {
      const above = await viaLeader.request(ApiKey.DeleteRecords, 2, { topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset: 51n }] }], timeoutMs: 5000 });
      expect(above.topics[0]!.partitions[0]).toMatchObject({ errorCode: KafkaErrors.OFFSET_OUT_OF_RANGE.code, lowWatermark: -1n });
      const all = await viaLeader.request(ApiKey.DeleteRecords, 2, { topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset: -1n }] }], timeoutMs: 5000 });
      expect(all.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, lowWatermark: 50n });
    } finally {
      viaLeader.close();
    }
    // Over the WebSocket on the leader, after more records: -1 again reaches the new high watermark.
    await produce(topic, values("s", 25));
    const wsLeader = await connect({ url: `${fixture.broker(leader).wsUrl}/ws` });
    try {
      expect(await wsLeader.admin.deleteRecords(topic, [{ partition: 0, offset: -1n }])).toEqual([{ partition: 0, lowWatermark: 75n }]);
    } finally {
      await wsLeader.close();
    }
    await killLeader(topic);
    expect(await lowAndHigh(topic)).toEqual({ low: "75", high: "75" });
    await fixture.broker(leader).start();
    await until(`${topic} back to a full ISR`, async () => (await partitionState(fixture.etcd, topic, 0))?.isr.length === 3, 30_000);
  }, 180_000);

  it("a follower that was down moves its log start when it is back, before it can lead", async () => {
    const topic = "dr-down";
    const { leader } = await createTopic(topic);
    await produce(topic, values("d", 120));
    const away = brokers.find((b) => b.id !== leader)!;
    await away.kill("SIGKILL");
    // Its ISR membership lapses (replica.lag.time.max.ms 2 s here) and the delete is answered without it.
    await until(`broker ${away.id} out of the ISR`, async () => !(await partitionState(fixture.etcd, topic, 0))?.isr.includes(away.id), 30_000);
    const admin = kafka(brokers.filter((b) => b.proc.alive())).admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: "80" }] });
    await admin.disconnect();

    await away.start();
    await until(`broker ${away.id} back in the ISR`, async () => (await partitionState(fixture.etcd, topic, 0))?.isr.includes(away.id), 30_000);
    // Leave it the only live replica: it must lead with the moved log start.
    const others = brokers.filter((b) => b.id !== away.id);
    for (const b of others) await b.kill("SIGKILL");
    await until(`broker ${away.id} leads ${topic}`, async () => (await partitionState(fixture.etcd, topic, 0))?.leader === away.id, 30_000);
    expect(await lowAndHigh(topic)).toEqual({ low: "80", high: "120" });
    for (const b of others) await b.start();
  }, 180_000);
});
