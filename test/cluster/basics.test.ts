// Cluster basics on three brokers: Metadata lists every broker, the controller and each partition's
// replicas/ISR; a non-leader answers NOT_LEADER_OR_FOLLOWER on both front ends; readers see only records
// below the high watermark; `rivulet cluster status` and /metrics report replication state; hostile input
// on the replication port is refused without harm.

import { execFile } from "node:child_process";
import { createConnection } from "node:net";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { connect } from "../../src/client/index.js";
import { KafkaAdminConnection } from "../../src/cli/kafka-admin.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { ReplicaClient } from "../../src/cluster/replica-transport.js";
import { clusterFixture, etcdGet, MAIN, partitionState, replicationCredentials, sleep, until } from "./harness.js";

const run = promisify(execFile);

const fixture = clusterFixture();
const { brokers } = fixture;

const kafka = () => new Kafka({ clientId: "t", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });

describe("cluster basics", () => {
  it("lists every broker, the controller and replicas in Metadata; non-leaders refuse", async () => {
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "basics", numPartitions: 3, replicationFactor: 3 }] });
    // More replicas than live brokers: INVALID_REPLICATION_FACTOR.
    await expect(admin.createTopics({ topics: [{ topic: "toomany", numPartitions: 1, replicationFactor: 4 }] })).rejects.toThrow();
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);
    const controller = JSON.parse((await etcdGet(fixture.etcd, "/rivulet/controller"))["/rivulet/controller"]!) as { brokerId: number };
    expect(cluster.controller).toBe(controller.brokerId);
    const meta = await until("ISRs complete", async () => {
      const m = await admin.fetchTopicMetadata({ topics: ["basics"] });
      return m.topics[0]!.partitions.every((p) => p.isr.length === 3) ? m : undefined;
    });
    const partitions = meta.topics[0]!.partitions;
    for (const p of partitions) {
      expect([...p.replicas].sort()).toEqual([1, 2, 3]);
      expect(p.leader).toBe((await partitionState(fixture.etcd, "basics", p.partitionId))!.leader);
    }
    // Leaders are spread, not all on one broker.
    expect(new Set(partitions.map((p) => p.leader)).size).toBeGreaterThan(1);
    await admin.disconnect();

    // WebSocket front end on a follower of partition 0: NOT_LEADER_OR_FOLLOWER.
    const leader0 = partitions.find((p) => p.partitionId === 0)!.leader;
    const follower = brokers.find((b) => b.id !== leader0)!;
    const client = await connect({ url: `${follower.wsUrl}/ws` });
    try {
      await expect(client.producer({ retries: 0 } as never).send({ topic: "basics", partition: 0, value: "x" } as never)).rejects.toThrow(/NOT_LEADER_OR_FOLLOWER|not the leader/);
    } finally {
      client.close();
    }
    const leaderClient = await connect({ url: `${brokers.find((b) => b.id === leader0)!.wsUrl}/ws` });
    try {
      const meta0 = await leaderClient.producer().send({ topic: "basics", partition: 0, value: "via-ws" } as never);
      expect(meta0).toBeTruthy();
    } finally {
      leaderClient.close();
    }
  }, 60_000);

  it("shows readers only what the ISR has (high watermark)", async () => {
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "hw", numPartitions: 1, replicationFactor: 3 }] });
    const state = await until("hw partition", async () => {
      const s = await partitionState(fixture.etcd, "hw", 0);
      return s && s.isr.length === 3 ? s : undefined;
    });
    // Clients talk to the leader only: the followers are about to be frozen.
    await admin.disconnect();
    const leaderOnly = new Kafka({ clientId: "t", brokers: [brokers.find((b) => b.id === state.leader)!.bootstrap], logLevel: logLevel.NOTHING });
    const producer = leaderOnly.producer();
    const leaderAdmin = leaderOnly.admin();
    await leaderAdmin.connect();
    await producer.connect();
    await producer.send({ topic: "hw", acks: -1, messages: [{ value: "a" }, { value: "b" }] });
    const followers = brokers.filter((b) => b.id !== state.leader);
    for (const f of followers) f.proc.child.kill("SIGSTOP");
    try {
      await producer.send({ topic: "hw", acks: 1, messages: [{ value: "hidden" }] });
      // Appended on the leader, not yet copied: the high watermark (what ListOffsets latest answers) stays.
      const [offsets] = await leaderAdmin.fetchTopicOffsets("hw");
      expect(offsets!.high).toBe("2");
    } finally {
      for (const f of followers) f.proc.child.kill("SIGCONT");
    }
    await until("hw advances once followers copy it", async () => ((await leaderAdmin.fetchTopicOffsets("hw"))[0]!.high === "3" ? true : undefined), 10_000);
    await producer.disconnect();
    await leaderAdmin.disconnect();
  }, 60_000);

  it("reports the cluster in `rivulet cluster status` and replication in /metrics", async () => {
    const { stdout } = await run(process.execPath, [MAIN, "cluster", "status", "--cluster", fixture.etcd.url, "--json"]);
    const status = JSON.parse(stdout) as { controller: { brokerId: number }; brokers: { id: number }[]; offline: unknown[]; partitions: number };
    expect(status.brokers.map((b) => b.id)).toEqual([1, 2, 3]);
    expect(status.offline).toEqual([]);
    expect(status.partitions).toBeGreaterThanOrEqual(4);
    const leader = (await partitionState(fixture.etcd, "basics", 0))!.leader;
    const b = brokers.find((x) => x.id === leader)!;
    const text = await (await fetch(`http://127.0.0.1:${b.wsPort}/metrics`)).text();
    expect(text).toMatch(/rivulet_replication_isr_size\{topic="basics",partition="0"\} 3/);
    expect(text).toMatch(/rivulet_replication_is_leader\{topic="basics",partition="0"\} 1/);

    // Stop a broker: status shows under-replicated partitions and exits 1.
    const victim = brokers.find((x) => x.id !== status.controller.brokerId)!;
    await victim.kill("SIGKILL");
    try {
      const under = await until("under-replicated", async () => {
        const r = await run(process.execPath, [MAIN, "cluster", "status", "--cluster", fixture.etcd.url, "--json"]).catch((e: { stdout: string; code: number }) => e);
        const s = JSON.parse(r.stdout) as { underReplicated: unknown[]; offline: unknown[]; brokers: unknown[] };
        // Until the controller has moved the dead broker's leaderships, its partitions are offline (exit 2).
        return s.underReplicated.length > 0 && s.offline.length === 0 && s.brokers.length === 2 ? (r as { code?: number }) : undefined;
      }, 20_000);
      expect(under.code).toBe(1);
    } finally {
      await victim.start();
    }
  }, 60_000);

  it("hands out producer ids unique across brokers (striped by broker id)", async () => {
    const ids: bigint[] = [];
    for (const b of brokers) {
      for (let i = 0; i < 2; i++) {
        // Several addresses: the admin connection takes the first reachable (a dead one first here).
        const c = await KafkaAdminConnection.open(`127.0.0.1:1,${b.bootstrap}`);
        try {
          const r = await c.request(ApiKey.InitProducerId, 0, { transactionalId: null, transactionTimeoutMs: 60_000 });
          expect(r.errorCode).toBe(0);
          expect(Number(r.producerId % 4096n)).toBe(b.id);
          ids.push(r.producerId);
        } finally {
          c.close();
        }
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
  }, 30_000);

  it("refuses hostile frames on the replication port and keeps serving", async () => {
    const info = JSON.parse((await etcdGet(fixture.etcd, "/rivulet/brokers/1"))["/rivulet/brokers/1"]!) as { replicationPort: number };
    const socket = createConnection({ host: "127.0.0.1", port: info.replicationPort });
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.resume(); // the broker's challenge arrives first: read past it, or the close is never seen
    socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    await closed; // the broker closes the connection at once
    // An authenticated peer's well-framed request for a partition the broker does not lead: a typed
    // error, not a crash (unauthenticated ones are refused first: replication-wire-hostile.test.ts).
    const as = async (id: number) => new ReplicaClient("127.0.0.1", info.replicationPort, 1, await replicationCredentials(fixture.etcd, id));
    const nine = await as(9);
    const reply = (await nine.request({ type: "fetch", topic: "nope", partition: 0, brokerId: 9, leaderEpoch: 0, offset: 0n }, 5000)).header;
    nine.close();
    expect(reply).toMatchObject({ error: "NOT_LEADER_OR_FOLLOWER" });
    // A header with a non-integer epoch: INVALID_REQUEST, never taken as a matching epoch.
    const two = await as(2);
    const bad = (await two.request({ type: "fetch", topic: "basics", partition: 0, brokerId: 2, leaderEpoch: "x", offset: 0n }, 5000)).header;
    two.close();
    expect(bad).toMatchObject({ error: "INVALID_REQUEST" });
    await sleep(100);
    expect(brokers[0]!.proc.alive()).toBe(true);
  }, 30_000);
});
