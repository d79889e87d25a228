// Per-resource authorization of the admin APIs (issue 15's) under the ACL authorizer: each API allowed and
// denied for a user with prefixed topic ACLs and a literal group ACL, with Kafka's code for the denied
// resource while the allowed ones in the same request are served. kafkajs's admin for what it calls, the
// raw codec (KafkaAdminConnection) where one request mixes allowed and denied resources.

import { AclOperationTypes as Op, AclPermissionTypes as Perm, AclResourceTypes as Res, Kafka, logLevel, ResourcePatternTypes as Pat, type Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafkaServers, type KafkaTestServer } from "../kafka/helpers.js";
import { KafkaAdminConnection } from "../../src/cli/kafka-admin.js";
import { ApiKey, registrations } from "../../src/protocol/kafka/index.js";
import { guards, SELF_AUTHORIZING } from "../../src/frontends/kafka/handlers/guards.js";

const servers = kafkaServers();
let s: KafkaTestServer;
const open: { disconnect(): Promise<void> }[] = [];
const wires: KafkaAdminConnection[] = [];
afterAll(async () => {
  for (const w of wires) w.close();
  await Promise.all(open.map((c) => c.disconnect().catch(() => {})));
});

function as(user: string) {
  return new Kafka({ brokers: [s.bootstrap], clientId: `adm-${user}`, logLevel: logLevel.NOTHING, sasl: { mechanism: "scram-sha-256", username: user, password: `${user}-pw` }, retry: { retries: 0 } });
}
async function adminOf(user: string): Promise<Admin> {
  const a = as(user).admin();
  await a.connect();
  open.push(a);
  return a;
}
async function wireOf(user: string): Promise<KafkaAdminConnection> {
  const w = await KafkaAdminConnection.open(s.bootstrap, { user, password: `${user}-pw`, mechanism: "SCRAM-SHA-256" });
  wires.push(w);
  return w;
}
/** Every Kafka error type in a kafkajs error (nested causes, per-partition errors). */
function errorTypes(e: unknown, out: string[] = [], depth = 0): string[] {
  if (!e || typeof e !== "object" || depth > 5) return out;
  const x = e as { type?: string; cause?: unknown; originalError?: unknown; partitions?: { error?: unknown }[]; groups?: { error?: unknown }[]; errors?: unknown[] };
  if (typeof x.type === "string") out.push(x.type);
  const nested = [...(x.partitions ?? []), ...(x.groups ?? [])].map((p) => p.error);
  for (const next of [x.cause, x.originalError, ...nested, ...(x.errors ?? [])]) errorTypes(next, out, depth + 1);
  return out;
}

let root: Admin;
let alice: KafkaAdminConnection;
let bob: KafkaAdminConnection;
const allow = (resourceType: number, resourceName: string, patternType: number, principal: string, operation: number) => ({ resourceType, resourceName, resourcePatternType: patternType, principal, host: "*", operation, permissionType: Perm.ALLOW });

beforeAll(async () => {
  s = await servers.start({ security: { requireAuthentication: true, authorizer: "acl", superUsers: ["User:admin"] }, groups: { initialRebalanceDelayMs: 0 } });
  for (const u of ["admin", "alice", "bob"]) await s.server.security.users.setPassword(u, `${u}-pw`, ["SCRAM-SHA-256"]);
  root = await adminOf("admin");
  await root.createTopics({ topics: [{ topic: "alice-orders", numPartitions: 1 }, { topic: "secret", numPartitions: 1 }] });
  const seed = as("admin").producer();
  await seed.connect();
  open.push(seed);
  await seed.send({ topic: "alice-orders", messages: [{ value: "a" }, { value: "b" }, { value: "c" }] });
  await seed.send({ topic: "secret", messages: [{ value: "s" }, { value: "t" }] });
  await root.setOffsets({ groupId: "g-alice", topic: "alice-orders", partitions: [{ partition: 0, offset: "1" }] });
  await root.setOffsets({ groupId: "g-alice", topic: "secret", partitions: [{ partition: 0, offset: "1" }] });
  await root.setOffsets({ groupId: "g-bob", topic: "secret", partitions: [{ partition: 0, offset: "1" }] });
  const P = Pat.PREFIXED;
  await root.createAcls({
    acl: [
      ...[Op.ALTER, Op.DELETE, Op.READ, Op.ALTER_CONFIGS].map((op) => allow(Res.TOPIC, "alice-", P, "User:alice", op)),
      allow(Res.GROUP, "g-alice", Pat.LITERAL, "User:alice", Op.DELETE),
      allow(Res.CLUSTER, "kafka-cluster", Pat.LITERAL, "User:alice", Op.DESCRIBE),
      allow(Res.TOPIC, "secret", Pat.LITERAL, "User:bob", Op.DESCRIBE_CONFIGS),
    ],
  });
  alice = await wireOf("alice");
  bob = await wireOf("bob");
});

describe("every API is authorized", () => {
  it("each registered Kafka API has a guard or authorizes itself (none falls back to the cluster-wide check)", () => {
    const unguarded = registrations.filter((r) => guards[r.key] === undefined && !SELF_AUTHORIZING.has(r.key)).map((r) => r.name);
    expect(unguarded).toEqual([]);
  });
});

describe("configs", () => {
  it("DescribeConfigs: DESCRIBE_CONFIGS per topic (implied by ALTER_CONFIGS), the broker needs it on the cluster", async () => {
    const r = await alice.request(ApiKey.DescribeConfigs, 1, { resources: [{ resourceType: 2, resourceName: "secret", configurationKeys: null }, { resourceType: 2, resourceName: "alice-orders", configurationKeys: ["retention.ms"] }, { resourceType: 4, resourceName: "", configurationKeys: null }], includeSynonyms: false });
    expect(r.results.map((x) => [x.resourceName, x.errorCode, x.configs.length])).toEqual([["secret", 29, 0], ["alice-orders", 0, 1], ["", 31, 0]]);
    const b = await bob.request(ApiKey.DescribeConfigs, 1, { resources: [{ resourceType: 2, resourceName: "secret", configurationKeys: ["retention.ms"] }, { resourceType: 2, resourceName: "alice-orders", configurationKeys: null }], includeSynonyms: false });
    expect(b.results.map((x) => [x.resourceName, x.errorCode])).toEqual([["secret", 0], ["alice-orders", 29]]);
    const viaKafkajs = await (await adminOf("alice")).describeConfigs({ resources: [{ type: 2, name: "alice-orders", configNames: ["retention.ms"] }], includeSynonyms: false });
    expect(viaKafkajs.resources[0]!.configEntries.map((c) => c.configName)).toEqual(["retention.ms"]);
    expect(errorTypes(await (await adminOf("alice")).describeConfigs({ resources: [{ type: 2, name: "secret" }], includeSynonyms: false }).catch((e) => e))).toContain("TOPIC_AUTHORIZATION_FAILED");
  });

  it("AlterConfigs and IncrementalAlterConfigs: ALTER_CONFIGS per topic (29), on the cluster for the broker (31); denied resources stay unchanged", async () => {
    const r = await alice.request(ApiKey.AlterConfigs, 0, { resources: [{ resourceType: 2, resourceName: "alice-orders", configs: [{ name: "retention.ms", value: "3600000" }] }, { resourceType: 2, resourceName: "secret", configs: [{ name: "retention.ms", value: "1000" }] }, { resourceType: 4, resourceName: "", configs: [{ name: "log.retention.ms", value: "1000" }] }], validateOnly: false });
    expect(r.responses.map((x) => [x.resourceName, x.errorCode])).toEqual([["alice-orders", 0], ["secret", 29], ["", 31]]);
    const inc = await alice.request(ApiKey.IncrementalAlterConfigs, 0, { resources: [{ resourceType: 2, resourceName: "secret", configs: [{ name: "retention.ms", configOperation: 0, value: "2000" }] }, { resourceType: 2, resourceName: "alice-orders", configs: [{ name: "retention.ms", configOperation: 0, value: "7200000" }] }], validateOnly: false });
    expect(inc.responses.map((x) => [x.resourceName, x.errorCode])).toEqual([["secret", 29], ["alice-orders", 0]]);
    const after = await root.describeConfigs({ resources: [{ type: 2, name: "alice-orders", configNames: ["retention.ms"] }, { type: 2, name: "secret", configNames: ["retention.ms"] }], includeSynonyms: false });
    expect(after.resources.map((x) => [x.resourceName, x.configEntries[0]!.configValue])).toEqual([["alice-orders", "7200000"], ["secret", "604800000"]]);
    const kjs = await adminOf("alice");
    expect(errorTypes(await kjs.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: "secret", configEntries: [{ name: "retention.ms", value: "1" }] }] }).catch((e) => e))).toContain("TOPIC_AUTHORIZATION_FAILED");
  });
});

describe("topics", () => {
  it("CreatePartitions needs ALTER on the topic", async () => {
    const r = await alice.request(ApiKey.CreatePartitions, 0, { topics: [{ name: "secret", count: 3, assignments: null }, { name: "alice-orders", count: 2, assignments: null }], timeoutMs: 5000, validateOnly: false });
    expect(r.results.map((x) => [x.name, x.errorCode])).toEqual([["secret", 29], ["alice-orders", 0]]);
    const meta = await root.fetchTopicMetadata({ topics: ["secret", "alice-orders"] });
    expect(meta.topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual([["alice-orders", 2], ["secret", 1]]);
    expect(errorTypes(await (await adminOf("bob")).createPartitions({ topicPartitions: [{ topic: "secret", count: 4 }] }).catch((e) => e))).toContain("TOPIC_AUTHORIZATION_FAILED");
  });

  it("DeleteRecords needs DELETE on the topic; a denied topic keeps its records", async () => {
    const r = await alice.request(ApiKey.DeleteRecords, 0, { topics: [{ name: "secret", partitions: [{ partitionIndex: 0, offset: 1n }] }, { name: "alice-orders", partitions: [{ partitionIndex: 0, offset: 1n }] }], timeoutMs: 5000 });
    expect(r.topics.map((t) => [t.name, t.partitions[0]!.errorCode, t.partitions[0]!.lowWatermark])).toEqual([["secret", 29, -1n], ["alice-orders", 0, 1n]]);
    const offsets = await root.fetchTopicOffsets("secret");
    expect(offsets[0]!.low).toBe("0");
  });

  it("DescribeProducers needs READ on the topic", async () => {
    const r = await alice.request(ApiKey.DescribeProducers, 0, { topics: [{ name: "alice-orders", partitionIndexes: [0] }, { name: "secret", partitionIndexes: [0] }] });
    expect(r.topics.map((t) => [t.name, t.partitions[0]!.errorCode])).toEqual([["alice-orders", 0], ["secret", 29]]);
  });

  it("OffsetForLeaderEpoch needs DESCRIBE on the topic (READ implies it), or CLUSTER_ACTION for a replica", async () => {
    const req = { replicaId: -1, topics: [{ topic: "secret", partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }, { topic: "alice-orders", partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] };
    const r = await alice.request(ApiKey.OffsetForLeaderEpoch, 3, req);
    expect(r.topics.map((t) => [t.topic, t.partitions[0]!.errorCode, t.partitions[0]!.endOffset])).toEqual([["secret", 29, -1n], ["alice-orders", 0, 3n]]);
    const asReplica = await alice.request(ApiKey.OffsetForLeaderEpoch, 3, { ...req, replicaId: 1 });
    expect(asReplica.topics.map((t) => t.partitions[0]!.errorCode)).toEqual([29, 0]);
    await root.createAcls({ acl: [allow(Res.CLUSTER, "kafka-cluster", Pat.LITERAL, "User:bob", Op.CLUSTER_ACTION)] });
    const replica = await bob.request(ApiKey.OffsetForLeaderEpoch, 3, { ...req, replicaId: 1 });
    expect(replica.topics.map((t) => [t.topic, t.partitions[0]!.errorCode, t.partitions[0]!.endOffset])).toEqual([["secret", 0, 2n], ["alice-orders", 0, 3n]]);
    await root.deleteAcls({ filters: [{ resourceType: Res.CLUSTER, resourceName: "kafka-cluster", resourcePatternType: Pat.LITERAL, principal: "User:bob", operation: Op.CLUSTER_ACTION, permissionType: Perm.ANY }] });
    expect((await bob.request(ApiKey.OffsetForLeaderEpoch, 3, req)).topics.map((t) => t.partitions[0]!.errorCode)).toEqual([29, 29]);
  });
});

describe("groups", () => {
  it("DeleteGroups needs DELETE on each group (30): DESCRIBE, which finds the coordinator, is not enough", async () => {
    await root.createAcls({ acl: [allow(Res.GROUP, "g-bob", Pat.LITERAL, "User:bob", Op.DESCRIBE)] });
    const kjs = await adminOf("bob");
    const r = await kjs.deleteGroups(["g-bob"]).catch((e) => e);
    expect(errorTypes(r)).toContain("GROUP_AUTHORIZATION_FAILED");
    expect((await root.describeGroups(["g-bob"])).groups[0]!.groupId).toBe("g-bob");
    expect((await root.fetchOffsets({ groupId: "g-bob", topics: ["secret"] }))[0]!.partitions[0]!.offset).toBe("1");
  });

  it("OffsetDelete needs DELETE on the group (30 for the request), then READ per topic (29)", async () => {
    const denied = await bob.request(ApiKey.OffsetDelete, 0, { groupId: "g-alice", topics: [{ name: "alice-orders", partitions: [{ partitionIndex: 0 }] }] });
    expect([denied.errorCode, denied.topics]).toEqual([30, []]);
    const r = await alice.request(ApiKey.OffsetDelete, 0, { groupId: "g-alice", topics: [{ name: "secret", partitions: [{ partitionIndex: 0 }] }, { name: "alice-orders", partitions: [{ partitionIndex: 0 }] }] });
    expect(r.errorCode).toBe(0);
    expect(r.topics.map((t) => [t.name, t.partitions[0]!.errorCode])).toEqual([["secret", 29], ["alice-orders", 0]]);
    const left = await root.fetchOffsets({ groupId: "g-alice", topics: ["secret", "alice-orders"] });
    expect(left.map((t) => [t.topic, t.partitions[0]!.offset])).toEqual([["secret", "1"], ["alice-orders", "-1"]]);
  });

  it("DeleteGroups with DELETE on the group deletes it, beside a denied one", async () => {
    const r = await alice.request(ApiKey.DeleteGroups, 0, { groupsNames: ["g-bob", "g-alice"] });
    expect(r.results.map((x) => [x.groupId, x.errorCode])).toEqual([["g-bob", 30], ["g-alice", 0]]);
    expect((await root.listGroups()).groups.map((g) => g.groupId)).toEqual(["g-bob"]);
  });
});

describe("cluster", () => {
  it("DescribeLogDirs needs DESCRIBE on the cluster (31 and no results otherwise)", async () => {
    const a = await alice.request(ApiKey.DescribeLogDirs, 4, { topics: null });
    expect(a.errorCode).toBe(0);
    expect(a.results[0]!.topics.map((t) => t.name).filter((n) => !n.startsWith("__")).sort()).toEqual(["alice-orders", "secret"]);
    const b = await bob.request(ApiKey.DescribeLogDirs, 4, { topics: null });
    expect([b.errorCode, b.results]).toEqual([31, []]);
  });

  it("ListPartitionReassignments needs DESCRIBE on the cluster, AlterPartitionReassignments ALTER (31 for the whole request)", async () => {
    const listed = await alice.request(ApiKey.ListPartitionReassignments, 0, { topics: null });
    expect([listed.errorCode, listed.topics]).toEqual([0, []]);
    expect((await bob.request(ApiKey.ListPartitionReassignments, 0, { topics: null })).errorCode).toBe(31);
    const move = { topics: [{ name: "secret", partitions: [{ partitionIndex: 0, replicas: [1] }] }] };
    const denied = await alice.request(ApiKey.AlterPartitionReassignments, 0, move);
    expect([denied.errorCode, denied.responses]).toEqual([31, []]);
  });

  it("DescribeCluster answers everyone (as Kafka); authorized operations only with DESCRIBE on the cluster", async () => {
    const a = await alice.request(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: true });
    expect(a.errorCode).toBe(0);
    expect(a.clusterAuthorizedOperations).toBe(1 << Op.DESCRIBE);
    const b = await bob.request(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: true });
    expect([b.errorCode, b.brokers.length, b.clusterAuthorizedOperations]).toEqual([0, 1, 0]);
    const r = await (await wireOf("admin")).request(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: true });
    expect(r.clusterAuthorizedOperations).toBe([5, 7, 8, 9, 10, 11, 12].reduce((bits, op) => bits | (1 << op), 0));
    expect((await bob.request(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: false })).clusterAuthorizedOperations).toBe(-2147483648);
  });
});
