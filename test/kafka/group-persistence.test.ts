// Group membership survives a broker kill -9 (issue 15: group metadata records in __consumer_offsets).
// The broker is `rivulet serve` (dist/) behind a relay on fixed ports (test/faults/restart-helpers.ts), killed
// with SIGKILL and started again on the same data directory:
// - a kafkajs group (classic protocol) keeps its generation and member: no JoinGroup after the restart,
//   and it reads what is produced afterwards;
// - a KIP-848 member (ConsumerGroupHeartbeat v1 over raw frames, as librdkafka sends them) keeps heartbeating
//   with its epoch and keeps its partitions; its OffsetCommit v9 with that epoch is accepted;
// - a member that does not come back is removed after its session timeout, counted from the restart.
// Runs dist/ (`npm run build:ts` first).

import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { ApiKey, type RequestOf, type ResponseOf } from "../../src/protocol/kafka/index.js";
import { ask } from "../helpers/kafka-wire.js";
import { processes, sleep, until } from "../faults/restart-helpers.js";
import { eventually } from "./helpers.js";

const procs = processes();

describe("group membership across a broker kill -9", () => {
  it("a kafkajs group keeps its generation: no rejoin, and it reads what is produced after the restart", async () => {
    const broker = await procs.broker();
    const kafka = new Kafka({ clientId: "persist", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 100, initialRetryTime: 100, maxRetryTime: 1000 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "kept", numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "kept", messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `a${i}` })) });
    const consumer = kafka.consumer({ groupId: "kept-g", sessionTimeout: 30_000, heartbeatInterval: 300, maxWaitTimeInMs: 200, retry: { retries: 100, initialRetryTime: 100, maxRetryTime: 1000 } });
    const joins: string[] = [];
    consumer.on(consumer.events.GROUP_JOIN, (e) => void joins.push(e.payload.memberId));
    const seen = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topic: "kept", fromBeginning: true });
    await consumer.run({ autoCommitThreshold: 1, eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
    try {
      await until("the first 20 records", () => seen.size >= 20, 30_000);
      expect(joins).toHaveLength(1);
      const described = await admin.describeGroups(["kept-g"]);
      expect(described.groups[0]).toMatchObject({ state: "Stable" });
      const memberBefore = described.groups[0]!.members[0]!.memberId;
      await admin.disconnect();

      await broker.kill("SIGKILL");
      await broker.start();
      const admin2 = kafka.admin();
      await admin2.connect();
      // Straight after the load the group is the one from before the kill: Stable, same member.
      const after = await admin2.describeGroups(["kept-g"]);
      expect(after.groups[0]).toMatchObject({ state: "Stable" });
      expect(after.groups[0]!.members.map((m) => m.memberId)).toEqual([memberBefore]);
      await producer.send({ topic: "kept", messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `b${i}` })) });
      await until("the 20 records produced after the restart", () => [...seen].filter((v) => v.startsWith("b")).length >= 20, 60_000);
      expect(joins, "the member never rejoined").toHaveLength(1);
      expect((await admin2.describeGroups(["kept-g"])).groups[0]!.members.map((m) => m.memberId)).toEqual([memberBefore]);
      expect(broker.proc.stderr()).toContain("restored a classic group");
      await admin2.disconnect();
    } finally {
      await consumer.disconnect().catch(() => {});
      await producer.disconnect().catch(() => {});
    }
  }, 180_000);

  it("a KIP-848 member keeps its epoch and partitions; a member that does not come back times out after the load", async () => {
    const broker = await procs.broker();
    const kafka = new Kafka({ clientId: "persist", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "kept848", numPartitions: 4 }] });
    const meta = await admin.fetchTopicMetadata({ topics: ["kept848"] });
    expect(meta.topics[0]!.partitions).toHaveLength(4);
    await admin.disconnect();
    const hb = (body: Partial<RequestOf<typeof ApiKey.ConsumerGroupHeartbeat>>) =>
      ask(broker.bootstrap, ApiKey.ConsumerGroupHeartbeat, 1, { groupId: "g848", memberId: "", memberEpoch: 0, ...body }, (r) => r.errorCode !== 14 && r.errorCode !== 15);
    const join = (memberId: string) => hb({ memberId, memberEpoch: 0, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ["kept848"], topicPartitions: [] });
    const owned = (r: ResponseOf<typeof ApiKey.ConsumerGroupHeartbeat>) => r.assignment?.topicPartitions.map((t) => ({ topicId: t.topicId, partitions: [...t.partitions] })) ?? [];
    type Held = { epoch: number; owned: ReturnType<typeof owned> };
    // Heartbeats until the member is reconciled (same epoch twice and nothing new to take).
    const settle = async (memberId: string, held: Held): Promise<Held> => {
      for (let i = 0; i < 10; i++) {
        const r = await hb({ memberId, memberEpoch: held.epoch, topicPartitions: held.owned });
        expect(r.errorCode, r.errorMessage ?? "").toBe(0);
        held = { epoch: r.memberEpoch, owned: r.assignment ? owned(r) : held.owned };
      }
      return held;
    };
    const a1 = await join("member-a");
    const b1 = await join("member-b");
    let a = await settle("member-a", { epoch: a1.memberEpoch, owned: owned(a1) });
    let b = await settle("member-b", { epoch: b1.memberEpoch, owned: owned(b1) });
    a = await settle("member-a", a);
    b = await settle("member-b", b);
    const count = (h: Held) => h.owned.reduce((n, t) => n + t.partitions.length, 0);
    expect([count(a), count(b)]).toEqual([2, 2]);
    const commit = (memberId: string, epoch: number, offset: bigint) =>
      ask(broker.bootstrap, ApiKey.OffsetCommit, 9, {
        groupId: "g848",
        generationIdOrMemberEpoch: epoch,
        memberId,
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [{ name: "kept848", partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
    expect((await commit("member-a", a.epoch, 5n)).topics[0]!.partitions[0]!.errorCode).toBe(0);

    await broker.kill("SIGKILL");
    await broker.start();
    // a comes back with its epoch and what it owns: the same epoch, no new assignment (nothing moved).
    const back = await hb({ memberId: "member-a", memberEpoch: a.epoch, topicPartitions: a.owned });
    expect(back).toMatchObject({ errorCode: 0, memberEpoch: a.epoch, assignment: null });
    // A full heartbeat (what librdkafka sends on a new connection) gets the same partitions back.
    const full = await hb({ memberId: "member-a", memberEpoch: a.epoch, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ["kept848"], topicPartitions: a.owned });
    expect(full).toMatchObject({ errorCode: 0, memberEpoch: a.epoch });
    expect(count({ epoch: 0, owned: owned(full) })).toBe(2);
    expect((await commit("member-a", a.epoch, 6n)).topics[0]!.partitions[0]!.errorCode).toBe(0);
    // b never comes back: after the session timeout (45 s default) it is removed and a gets everything.
    // Keep a heartbeating meanwhile.
    const started = Date.now();
    let epochAfter = a.epoch;
    let taken = a.owned;
    await eventually(
      async () => {
        await sleep(500);
        const r = await hb({ memberId: "member-a", memberEpoch: epochAfter, topicPartitions: taken });
        expect(r.errorCode, r.errorMessage ?? "").toBe(0);
        epochAfter = r.memberEpoch;
        if (r.assignment) taken = owned(r);
        return count({ epoch: 0, owned: taken }) === 4;
      },
      90_000,
      "b removed and a holding all four partitions",
    );
    expect(Date.now() - started, "b kept its place until its session ran out").toBeGreaterThan(30_000);
    expect(epochAfter).toBeGreaterThan(a.epoch);
  }, 180_000);
});
