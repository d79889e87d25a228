// WebSocket groups through the cluster client when the coordinator holds no replica of the topic
// (replication factor 1 on three brokers): the coordinator assigns from the cluster metadata (Kafka's
// coordinator needs no local copy either), the member consumes everything from the leader, and the
// group's description (the client admin and `rivulet groups describe`) reports the leader's high watermark
// as the log end (and the lag from it, also in the coordinator's /metrics), not the coordinator's empty
// local copy.

import { describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { connectCluster } from "../../src/client/cluster.js";
import { offsetsPartitionFor } from "../../src/client/cluster-group.js";
import { ReplicaClient } from "../../src/cluster/replica-transport.js";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { clusterFixture, etcdGet, MAIN, partitionState, replicationCredentials, until } from "./harness.js";

const fixture = clusterFixture({ timeoutMs: 90_000 });
const { brokers } = fixture;

const TOPIC = "rf1";
const text = (v: Uint8Array | string | null) => (typeof v === "string" ? v : new TextDecoder().decode(v ?? new Uint8Array()));

describe("cluster client: a group whose coordinator holds no replica of the topic", () => {
  it("assigns from the cluster metadata, consumes everything, and describes the leader's log end and lag", async () => {
    const kafka = new Kafka({ clientId: "rf1", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING });
    const kadmin = kafka.admin();
    await kadmin.connect();
    await kadmin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await kadmin.disconnect();
    const leader = await until("a leader for rf1-0", async () => (await partitionState(fixture.etcd, TOPIC, 0))?.leader ?? false);
    await until("__consumer_offsets led", async () => (await partitionState(fixture.etcd, "__consumer_offsets", 0))?.leader !== undefined);

    const urls = brokers.map((b) => `${b.wsUrl}/ws`);
    const cluster = await connectCluster({ urls });
    await cluster.refresh(["__consumer_offsets"]);
    const count = cluster.partitionCount("__consumer_offsets")!;
    // A group whose coordinator is not the topic's leader (nor, with RF 1, any replica of it).
    let group = "";
    for (let i = 0; !group; i++) {
      const candidate = `rf1-group-${i}`;
      const coordinator = (await partitionState(fixture.etcd, "__consumer_offsets", offsetsPartitionFor(candidate, count)))?.leader;
      if (coordinator !== undefined && coordinator !== leader && coordinator >= 0) group = candidate;
    }

    const producer = cluster.producer({ acks: "all" });
    for (let i = 0; i < 50; i++) await producer.send({ topic: TOPIC, partition: 0, value: `v${i}` });

    const consumer = cluster.consumer({ group, topic: TOPIC, from: "earliest", autoCommit: false });
    const seen: string[] = [];
    const reading = (async () => {
      while (seen.length < 50) seen.push(text((await consumer.next()).value));
    })();
    await Promise.race([reading, new Promise((_, reject) => setTimeout(() => reject(new Error(`consumed ${seen.length} of 50 in 20 s`)), 20_000))]);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => `v${i}`));
    expect(consumer.assignment()).toEqual([0]);
    await consumer.commit();

    // 30 more: the committed offset stays at 50, the leader's log end moves to 80.
    for (let i = 50; i < 80; i++) await producer.send({ topic: TOPIC, partition: 0, value: `v${i}` });
    const d = await cluster.admin.describeGroup(group);
    const row = d.offsets.find((o) => o.topic === TOPIC && o.partition === 0);
    expect(row).toMatchObject({ committed: 50n, logEndOffset: 80n, lag: 30n });
    // The same through `rivulet groups describe` (routed to the coordinator by the cluster admin).
    const { stdout } = await promisify(execFile)(process.execPath, [MAIN, "groups", "describe", group, "--json", "--broker", urls.join(",")], { env: { ...process.env, NO_COLOR: "1", RIVULET_PROFILE: "" }, timeout: 30_000 });
    const cli = JSON.parse(stdout.split("\n").find((l) => l.startsWith("{"))!) as { offsets: { topic: string; logEndOffset: string; lag: string }[]; totalLag: string };
    expect(cli.offsets.find((o) => o.topic === TOPIC)).toMatchObject({ logEndOffset: "80", lag: "30" });
    // And the coordinator's /metrics gauge (its own copy of rf1-0 is empty: the lag is from the leader).
    const coordinatorId = (await partitionState(fixture.etcd, "__consumer_offsets", offsetsPartitionFor(group, count)))!.leader;
    const metrics = await (await fetch(`http://127.0.0.1:${brokers.find((b) => b.id === coordinatorId)!.wsPort}/metrics`)).text();
    expect(metrics).toContain(`rivulet_group_lag_records{group="${group}",topic="${TOPIC}",partition="0"} 30\n`);
    await consumer.close();
    await producer.close();
    cluster.close();

    // The "hw" request on the replication listener: the leader answers; a non-leader and a malformed
    // header get typed errors.
    const registrations = await etcdGet(fixture.etcd, "/rivulet/brokers/");
    const portOf = (id: number) => (JSON.parse(registrations[`/rivulet/brokers/${id}`]!) as { replicationPort: number }).replicationPort;
    const other = [1, 2, 3].find((id) => id !== leader)!;
    const credentials = await replicationCredentials(fixture.etcd);
    const atLeader = new ReplicaClient("127.0.0.1", portOf(leader), leader, credentials);
    const atOther = new ReplicaClient("127.0.0.1", portOf(other), other, credentials);
    try {
      expect((await atLeader.request({ type: "hw", topic: TOPIC, partition: 0 }, 5000)).header).toMatchObject({ highWatermark: 80n });
      expect((await atOther.request({ type: "hw", topic: TOPIC, partition: 0 }, 5000)).header).toMatchObject({ error: "NOT_LEADER_OR_FOLLOWER" });
      expect((await atLeader.request({ type: "hw", topic: 7, partition: "x" }, 5000)).header).toMatchObject({ error: "INVALID_REQUEST" });
    } finally {
      atLeader.close();
      atOther.close();
    }
  }, 120_000);
});
