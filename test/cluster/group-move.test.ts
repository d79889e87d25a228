// Group membership moves with the coordinator (issue 15/17): the group metadata records replicate with
// `__consumer_offsets`, and the broker that becomes leader of the group's partition loads them. Two KIP-848
// members and a classic member (raw frames, so every step is the test's) share one offsets partition; its
// leader is killed -9; on the new coordinator the KIP-848 members heartbeat with their epochs and keep their
// partitions, and the classic member's Heartbeat and SyncGroup with its generation work: nobody rejoins.

import { describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { ApiKey, type RequestOf, type ResponseOf } from "../../src/protocol/kafka/index.js";
import { encodeAssignment, encodeSubscription } from "../../src/groups/index.js";
import { ask } from "../helpers/kafka-wire.js";
import { ClusterBroker, clusterFixture, partitionState, until } from "./harness.js";

const fixture = clusterFixture({ broker: { minIsr: 2 } });
const { brokers } = fixture;

/** Kafka's partitionFor over java.lang.String#hashCode (as src/groups/broker-offset-log.ts). */
function offsetsPartition(groupId: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < groupId.length; i++) h = (Math.imul(31, h) + groupId.charCodeAt(i)) | 0;
  return (h === -0x80000000 ? 0 : Math.abs(h)) % partitions;
}

/** The coordinator of a group, asked of any live broker (retried while there is none). */
async function coordinatorOf(group: string, alive: ClusterBroker[]): Promise<string> {
  for (let i = 0; ; i++) {
    const via = alive[i % alive.length]!;
    const r = await ask(via.bootstrap, ApiKey.FindCoordinator, 3, { key: group, keyType: 0 }).catch(() => undefined);
    if (r && r.errorCode === 0) return `${r.host}:${r.port}`;
    if (i > 200) throw new Error(`no coordinator for ${group}: ${JSON.stringify(r)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Retried while the coordinator loads (14) or is not (yet) this broker (15, 16).
const settled = (r: { errorCode: number }) => r.errorCode !== 14 && r.errorCode !== 15 && r.errorCode !== 16;

describe("group membership across a coordinator move", () => {
  it("KIP-848 members keep epochs and partitions, a classic member keeps its generation, on the new coordinator", async () => {
    const kafka = new Kafka({ clientId: "t", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 500 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "moving", numPartitions: 4, replicationFactor: 3 }] });
    const offsetsTopic = (await admin.fetchTopicMetadata({ topics: ["__consumer_offsets"] })).topics[0]!;
    await admin.disconnect();
    const n = offsetsTopic.partitions.length;
    const group848 = "move-848";
    const p = offsetsPartition(group848, n);
    let classicGroup = "";
    for (let i = 0; !classicGroup; i++) if (offsetsPartition(`move-classic-${i}`, n) === p) classicGroup = `move-classic-${i}`;

    // ---- the members, through the current coordinator ---------------------------------------------------
    let coord = await coordinatorOf(group848, brokers);
    type Hb = RequestOf<typeof ApiKey.ConsumerGroupHeartbeat>;
    const hb = (body: Partial<Hb>) => ask(coord, ApiKey.ConsumerGroupHeartbeat, 1, { groupId: group848, memberId: "", memberEpoch: 0, ...body }, settled);
    const owned = (r: ResponseOf<typeof ApiKey.ConsumerGroupHeartbeat>) => r.assignment?.topicPartitions.map((t) => ({ topicId: t.topicId, partitions: [...t.partitions] })) ?? [];
    type Held = { epoch: number; owned: ReturnType<typeof owned> };
    const settle = async (memberId: string, held: Held): Promise<Held> => {
      for (let i = 0; i < 8; i++) {
        const r = await hb({ memberId, memberEpoch: held.epoch, topicPartitions: held.owned });
        expect(r.errorCode, r.errorMessage ?? "").toBe(0);
        held = { epoch: r.memberEpoch, owned: r.assignment ? owned(r) : held.owned };
      }
      return held;
    };
    const join848 = (memberId: string) => hb({ memberId, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ["moving"], topicPartitions: [] });
    const a1 = await join848("a");
    const b1 = await join848("b");
    let a = await settle("a", { epoch: a1.memberEpoch, owned: owned(a1) });
    let b = await settle("b", { epoch: b1.memberEpoch, owned: owned(b1) });
    a = await settle("a", a);
    b = await settle("b", b);
    const count = (h: Held) => h.owned.reduce((k, t) => k + t.partitions.length, 0);
    expect([count(a), count(b)]).toEqual([2, 2]);

    const classicCoord = await coordinatorOf(classicGroup, brokers);
    expect(classicCoord).toBe(coord);
    const joined = await ask(coord, ApiKey.JoinGroup, 2, {
      groupId: classicGroup,
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 30_000,
      memberId: "",
      groupInstanceId: null,
      protocolType: "consumer",
      protocols: [{ name: "range", metadata: encodeSubscription(["moving"]) }],
    }, settled);
    expect(joined.errorCode).toBe(0);
    const mine = encodeAssignment([{ topic: "moving", partition: 0 }, { topic: "moving", partition: 1 }]);
    const synced = await ask(coord, ApiKey.SyncGroup, 2, { groupId: classicGroup, generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null, assignments: [{ memberId: joined.memberId, assignment: mine }] }, settled);
    expect(synced.errorCode).toBe(0);

    // ---- kill -9 the coordinator -------------------------------------------------------------------------
    const before = (await partitionState(fixture.etcd, "__consumer_offsets", p))!;
    const victim = brokers.find((x) => x.id === before.leader)!;
    expect(victim.bootstrap).toBe(coord);
    await victim.kill("SIGKILL");
    const alive = brokers.filter((x) => x !== victim);
    await until("a new leader of the group's offsets partition", async () => {
      const s = await partitionState(fixture.etcd, "__consumer_offsets", p);
      return s && s.leader !== before.leader && s.leader !== -1 ? s : undefined;
    }, 30_000);
    coord = await coordinatorOf(group848, alive);
    expect(coord).not.toBe(victim.bootstrap);

    // KIP-848: the same epochs, nothing moves (no assignment in the answer), and a full heartbeat gets the
    // same partitions back.
    const a2 = await hb({ memberId: "a", memberEpoch: a.epoch, topicPartitions: a.owned });
    expect(a2, a2.errorMessage ?? "").toMatchObject({ errorCode: 0, memberEpoch: a.epoch, assignment: null });
    const b2 = await hb({ memberId: "b", memberEpoch: b.epoch, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ["moving"], topicPartitions: b.owned });
    expect(b2).toMatchObject({ errorCode: 0, memberEpoch: b.epoch });
    expect(owned(b2).map((t) => t.partitions.sort()).flat()).toEqual(b.owned.map((t) => t.partitions.sort()).flat());
    const described = await ask(coord, ApiKey.ConsumerGroupDescribe, 0, { groupIds: [group848], includeAuthorizedOperations: false }, (r) => r.groups.every(settled));
    expect(described.groups[0]).toMatchObject({ errorCode: 0, groupState: "Stable" });
    expect(described.groups[0]!.members.map((m) => [m.memberId, m.memberEpoch]).sort()).toEqual([["a", a.epoch], ["b", b.epoch]]);

    // Classic: Heartbeat and SyncGroup with the generation from before the move.
    const beat = await ask(coord, ApiKey.Heartbeat, 2, { groupId: classicGroup, generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null }, settled);
    expect(beat.errorCode).toBe(0);
    const resync = await ask(coord, ApiKey.SyncGroup, 2, { groupId: classicGroup, generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null, assignments: [] }, settled);
    expect(resync.errorCode).toBe(0);
    expect(Buffer.from(resync.assignment).equals(Buffer.from(mine))).toBe(true);
  }, 150_000);
});
