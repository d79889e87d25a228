// Static membership (KIP-345, group.instance.id) through the Kafka handlers: a restarted static member
// (new JoinGroup with member id "" and the same instance id) takes its old place without a rebalance
// (same generation, same assignment), the old incarnation is fenced (FENCED_INSTANCE_ID on heartbeat,
// sync, commit, join), changed metadata does rebalance, and LeaveGroup by instance id removes it.

import { beforeAll, describe, expect, it } from "vitest";
import { dispatch, type KafkaBrokerContext } from "../../src/frontends/kafka/handlers/index.js";
import { ApiKey, concat, decodeResponseFrame, type ApiKeyValue, type DecodedRequest, type RequestOf, type ResponseOf } from "../../src/protocol/kafka/index.js";
import { kafkaServers, type KafkaTestServer } from "./helpers.js";
import { handlerContext } from "./handler-context.js";

const servers = kafkaServers();
let s: KafkaTestServer;
let ctx: KafkaBrokerContext;
const FENCED = 82;

async function call<K extends ApiKeyValue>(apiKey: K, version: number, request: RequestOf<K>): Promise<ResponseOf<K>> {
  const header = { apiKey, apiVersion: version, correlationId: 1, clientId: "static" };
  const decoded = { apiKey, header, request } as DecodedRequest;
  const parts = await dispatch(ctx, decoded, { header, clientHost: "/127.0.0.1", signal: new AbortController().signal });
  return decodeResponseFrame(apiKey, version, concat(parts!).subarray(4)).response;
}

const meta = (s: string) => new TextEncoder().encode(s);
const join = (groupId: string, instance: string | null, memberId = "", metadata = "m1") =>
  call(ApiKey.JoinGroup, 9, {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId,
    groupInstanceId: instance,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: meta(metadata) }],
    reason: null,
  });
const sync = (groupId: string, generationId: number, memberId: string, instance: string | null, assignments: { memberId: string; assignment: Uint8Array }[] = []) =>
  call(ApiKey.SyncGroup, 5, { groupId, generationId, memberId, groupInstanceId: instance, protocolType: "consumer", protocolName: "range", assignments });
const heartbeat = (groupId: string, generationId: number, memberId: string, instance: string | null) =>
  call(ApiKey.Heartbeat, 4, { groupId, generationId, memberId, groupInstanceId: instance });

beforeAll(async () => {
  s = await servers.start({ groups: { initialRebalanceDelayMs: 0 } });
  ctx = handlerContext(s);
});

describe("static membership (group.instance.id)", () => {
  it("a restarted static member takes its place without a rebalance; the old incarnation is fenced", async () => {
    const first = await join("sg", "instance-a");
    expect(first.errorCode).toBe(0); // static members skip MEMBER_ID_REQUIRED
    const old = first.memberId;
    const synced = await sync("sg", first.generationId, old, "instance-a", [{ memberId: old, assignment: meta("partitions-0-1") }]);
    expect(synced).toMatchObject({ errorCode: 0, assignment: meta("partitions-0-1") });

    // The "restart": same instance id, no member id, same metadata.
    const again = await join("sg", "instance-a");
    expect(again).toMatchObject({ errorCode: 0, generationId: first.generationId, leader: again.memberId });
    expect(again.memberId).not.toBe(old);
    const resynced = await sync("sg", again.generationId, again.memberId, "instance-a");
    expect(resynced).toMatchObject({ errorCode: 0, assignment: meta("partitions-0-1") });
    expect((await heartbeat("sg", again.generationId, again.memberId, "instance-a")).errorCode).toBe(0);

    // The old incarnation is fenced everywhere.
    expect((await heartbeat("sg", first.generationId, old, "instance-a")).errorCode).toBe(FENCED);
    expect((await sync("sg", first.generationId, old, "instance-a")).errorCode).toBe(FENCED);
    expect((await join("sg", "instance-a", old)).errorCode).toBe(FENCED);
    const commit = await call(ApiKey.OffsetCommit, 9, {
      groupId: "sg",
      generationIdOrMemberEpoch: first.generationId,
      memberId: old,
      groupInstanceId: "instance-a",
      retentionTimeMs: -1n,
      topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(FENCED);

    const described = await call(ApiKey.DescribeGroups, 5, { groups: ["sg"], includeAuthorizedOperations: false });
    expect(described.groups[0]!.members.map((m) => [m.memberId, m.groupInstanceId])).toEqual([[again.memberId, "instance-a"]]);
    expect(described.groups[0]!.groupState).toBe("Stable");
  });

  it("a static member rejoining with changed metadata rebalances; LeaveGroup by instance id removes it", async () => {
    const first = await join("sg2", "instance-b");
    await sync("sg2", first.generationId, first.memberId, "instance-b", [{ memberId: first.memberId, assignment: meta("x") }]);
    const changed = await join("sg2", "instance-b", "", "m2");
    expect(changed.errorCode).toBe(0);
    expect(changed.generationId).toBe(first.generationId + 1);

    const left = await call(ApiKey.LeaveGroup, 5, { groupId: "sg2", memberId: "", members: [{ memberId: "", groupInstanceId: "instance-b", reason: "admin" }] });
    expect(left.members).toEqual([{ memberId: "", groupInstanceId: "instance-b", errorCode: 0 }]);
    const unknown = await call(ApiKey.LeaveGroup, 5, { groupId: "sg2", memberId: "", members: [{ memberId: "", groupInstanceId: "instance-b", reason: null }] });
    expect(unknown.members![0]!.errorCode).toBe(25);
    const described = await call(ApiKey.DescribeGroups, 5, { groups: ["sg2"], includeAuthorizedOperations: false });
    expect(described.groups[0]!.members).toEqual([]);
  });

  it("dynamic members are unaffected: MEMBER_ID_REQUIRED at v4+, no fencing", async () => {
    const first = await join("sg3", null);
    expect(first.errorCode).toBe(79);
  });
});

describe("static membership with librdkafka (confluent-kafka, group.instance.id)", () => {
  it("a consumer restarted with the same group.instance.id within the session timeout causes no rebalance", async () => {
    const { join: joinPath } = await import("node:path");
    const { CLIENTS_DIR, PYTHON, run } = await import("./helpers.js");
    const { encodeRecordBatch } = await import("../../src/core/index.js");
    await s.server.broker.createTopic("static-t", { partitions: 2 });
    for (const p of [0, 1]) {
      await s.server.broker.produce("static-t", p, encodeRecordBatch(Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, timestamp: 1_700_000_000_000 }))));
    }
    const consume = async (count: number) => {
      const r = await run(PYTHON, [joinPath(CLIENTS_DIR, "confluent_client.py"), "--bootstrap", s.bootstrap, "group", "--group", "static-g", "--topic", "static-t", "--partitions", "2", "--count", String(count), "--instance", "rdk-1"], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { records: number; committed: number[] };
    };
    const firstRun = await consume(10);
    expect(firstRun.committed).toEqual([5, 5]);
    const before = await s.server.coordinator!.describeGroup("static-g");
    // A static member does not leave on close: it is still in the group, Stable.
    expect(before.members.map((m) => m.groupInstanceId)).toEqual(["rdk-1"]);
    for (const p of [0, 1]) await s.server.broker.produce("static-t", p, encodeRecordBatch([{ key: "late", value: "late", timestamp: 1_700_000_000_000 }]));
    const secondRun = await consume(2);
    expect(secondRun.committed).toEqual([6, 6]);
    const after = await s.server.coordinator!.describeGroup("static-g");
    expect(after.generationId).toBe(before.generationId);
    expect(after.members.map((m) => m.groupInstanceId)).toEqual(["rdk-1"]);
    expect(after.members[0]!.memberId).not.toBe(before.members[0]!.memberId);
  }, 120_000);
});
