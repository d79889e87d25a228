// Leader epochs on the Kafka port in cluster mode (KIP-101/279/320), with raw codec requests against a
// 3-broker cluster: Metadata reports the controller's leader epochs; OffsetForLeaderEpoch answers from the
// leader's epoch cache; Fetch and ListOffsets refuse a stale client epoch (FENCED_LEADER_EPOCH) and a newer
// one (UNKNOWN_LEADER_EPOCH); a follower answers NOT_LEADER_OR_FOLLOWER.

import { describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { KafkaAdminConnection } from "../../src/cli/kafka-admin.js";
import { connect } from "../../src/client/index.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { ClusterBroker, clusterFixture, partitionState, until } from "./harness.js";

const FENCED = 74;
const UNKNOWN_EPOCH = 75;
const NOT_LEADER = 6;

const conns: KafkaAdminConnection[] = [];

const fixture = clusterFixture({
  stop: () => {
    for (const c of conns) c.close();
  },
});
const { brokers } = fixture;

async function open(b: ClusterBroker): Promise<KafkaAdminConnection> {
  const c = await KafkaAdminConnection.open(b.bootstrap);
  conns.push(c);
  return c;
}

const metadataEpoch = async (c: KafkaAdminConnection, topic: string) =>
  (await c.request(ApiKey.Metadata, 9, { topics: [{ name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })).topics[0]!.partitions[0]!;

const epochEnd = async (c: KafkaAdminConnection, topic: string, currentLeaderEpoch: number, leaderEpoch: number) =>
  (await c.request(ApiKey.OffsetForLeaderEpoch, 3, { replicaId: -1, topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch, leaderEpoch }] }] })).topics[0]!.partitions[0]!;

const fetchOnce = async (c: KafkaAdminConnection, topic: string, currentLeaderEpoch: number) =>
  (await c.request(ApiKey.Fetch, 11, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: "",
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
  })).responses[0]!.partitions[0]!;

const listLatest = async (c: KafkaAdminConnection, topic: string, currentLeaderEpoch: number) =>
  (await c.request(ApiKey.ListOffsets, 5, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch, timestamp: -1n }] }] })).topics[0]!.partitions[0]!;

describe("leader epochs on the Kafka port", () => {
  it("reports, validates and answers leader epochs across a failover", async () => {
    const kafka = new Kafka({ clientId: "t", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 500 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "epochs", numPartitions: 1, replicationFactor: 3 }] });
    await admin.disconnect();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic: "epochs", acks: -1, messages: Array.from({ length: 5 }, (_, i) => ({ value: `a${i}` })) });

    const first = (await until("partition state", () => partitionState(fixture.etcd, "epochs", 0)))!;
    const leader = brokers.find((b) => b.id === first.leader)!;
    const c1 = await open(leader);
    expect((await metadataEpoch(c1, "epochs")).leaderEpoch).toBe(first.leaderEpoch);
    expect(await epochEnd(c1, "epochs", first.leaderEpoch, first.leaderEpoch)).toMatchObject({ errorCode: 0, leaderEpoch: first.leaderEpoch, endOffset: 5n });

    await leader.kill("SIGKILL");
    const second = await until("a new leader", async () => {
      const s = await partitionState(fixture.etcd, "epochs", 0);
      return s && s.leader !== first.leader && s.leader !== -1 ? s : undefined;
    });
    expect(second.leaderEpoch).toBe(first.leaderEpoch + 1);
    await producer.send({ topic: "epochs", acks: -1, messages: Array.from({ length: 3 }, (_, i) => ({ value: `b${i}` })) });
    await producer.disconnect();

    const newLeader = brokers.find((b) => b.id === second.leader)!;
    const follower = brokers.find((b) => b.id !== second.leader && b.id !== first.leader)!;
    const c2 = await open(newLeader);
    const c3 = await open(follower);
    await until("metadata with the new epoch", async () => (await metadataEpoch(c2, "epochs")).leaderEpoch === second.leaderEpoch);
    const m = await metadataEpoch(c3, "epochs");
    expect([m.leaderId, m.leaderEpoch]).toEqual([second.leader, second.leaderEpoch]);

    // OffsetForLeaderEpoch from the epoch cache: the old epoch ends where the new one starts (5).
    expect(await epochEnd(c2, "epochs", second.leaderEpoch, first.leaderEpoch)).toMatchObject({ errorCode: 0, leaderEpoch: first.leaderEpoch, endOffset: 5n });
    expect(await epochEnd(c2, "epochs", second.leaderEpoch, second.leaderEpoch)).toMatchObject({ errorCode: 0, leaderEpoch: second.leaderEpoch, endOffset: 8n });
    expect(await epochEnd(c2, "epochs", -1, second.leaderEpoch + 5)).toMatchObject({ errorCode: 0, leaderEpoch: second.leaderEpoch, endOffset: 8n });
    expect((await epochEnd(c2, "epochs", first.leaderEpoch, first.leaderEpoch)).errorCode).toBe(FENCED);
    expect((await epochEnd(c2, "epochs", second.leaderEpoch + 1, first.leaderEpoch)).errorCode).toBe(UNKNOWN_EPOCH);
    expect((await epochEnd(c3, "epochs", second.leaderEpoch, first.leaderEpoch)).errorCode).toBe(NOT_LEADER);

    // Fetch and ListOffsets check the client's epoch before reading.
    expect((await fetchOnce(c2, "epochs", first.leaderEpoch)).errorCode).toBe(FENCED);
    expect((await fetchOnce(c2, "epochs", second.leaderEpoch + 1)).errorCode).toBe(UNKNOWN_EPOCH);
    const ok = await fetchOnce(c2, "epochs", second.leaderEpoch);
    expect([ok.errorCode, ok.highWatermark]).toEqual([0, 8n]);
    expect((await fetchOnce(c2, "epochs", -1)).errorCode).toBe(0);
    expect((await listLatest(c2, "epochs", first.leaderEpoch)).errorCode).toBe(FENCED);
    expect((await listLatest(c2, "epochs", second.leaderEpoch + 1)).errorCode).toBe(UNKNOWN_EPOCH);
    expect(await listLatest(c2, "epochs", second.leaderEpoch)).toMatchObject({ errorCode: 0, offset: 8n });
    // A follower: the epoch matches, leadership does not.
    expect((await fetchOnce(c3, "epochs", second.leaderEpoch)).errorCode).toBe(NOT_LEADER);
  }, 120_000);

  it("the WebSocket METADATA answer lists every live broker's URL and each partition's leader and epoch", async () => {
    const live = brokers.filter((b) => b.proc.alive());
    const state = (await partitionState(fixture.etcd, "epochs", 0))!;
    for (const b of live) {
      const client = await connect({ url: `${b.wsUrl}/ws` });
      try {
        const meta = await until("metadata with the current leader", async () => {
          const m = await client.admin.clusterMetadata(["epochs"]);
          return m.topics[0]?.partitions[0]?.leaderEpoch === state.leaderEpoch ? m : undefined;
        });
        expect(meta.brokers.map((x) => x.id).sort()).toEqual(live.map((x) => x.id).sort());
        expect(meta.topics[0]!.partitions[0]).toEqual({ partition: 0, leader: state.leader, leaderEpoch: state.leaderEpoch });
        // Every advertised URL is a working WebSocket endpoint of that broker.
        for (const info of meta.brokers) {
          expect(info.url).toBe(`${brokers.find((x) => x.id === info.id)!.wsUrl}/ws`);
          const other = await connect({ url: info.url });
          expect((await other.admin.listTopics()).includes("epochs")).toBe(true);
          other.close();
        }
      } finally {
        client.close();
      }
    }
  }, 60_000);
});
