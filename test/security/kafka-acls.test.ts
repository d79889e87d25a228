// ACLs on the Kafka front end with kafkajs (and kcat for Metadata): CreateAcls/DescribeAcls/DeleteAcls as
// kafkajs's admin sends them, then allow/deny/prefix cases per API for two users and a super user.

import { AclOperationTypes as Op, AclPermissionTypes as Perm, AclResourceTypes as Res, Kafka, logLevel, ResourcePatternTypes as Pat, type Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafkaServers, run, type KafkaTestServer } from "../kafka/helpers.js";
import { KafkaAdminConnection } from "../../src/cli/kafka-admin.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { topicIdBytes } from "../../src/frontends/kafka/handlers/topic-ids.js";

const servers = kafkaServers();
let s: KafkaTestServer;
const open: { disconnect(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(open.map((c) => c.disconnect().catch(() => {})));
});

function as(user: string) {
  return new Kafka({ brokers: [s.bootstrap], clientId: `acl-${user}`, logLevel: logLevel.NOTHING, sasl: { mechanism: "scram-sha-256", username: user, password: `${user}-pw` }, retry: { retries: 0 } });
}
async function adminOf(user: string): Promise<Admin> {
  const a = as(user).admin();
  await a.connect();
  open.push(a);
  return a;
}
const errorType = (e: unknown): string | undefined => (e as { type?: string }).type ?? (e as { errors?: { type?: string }[] }).errors?.[0]?.type ?? (e as { cause?: { type?: string } }).cause?.type;

let root: Admin;
beforeAll(async () => {
  s = await servers.start({ security: { requireAuthentication: true, authorizer: "acl", superUsers: ["User:admin"] } });
  for (const u of ["admin", "alice", "bob"]) await s.server.security.users.setPassword(u, `${u}-pw`, ["SCRAM-SHA-256"]);
  root = await adminOf("admin");
  await root.createTopics({ topics: [{ topic: "alice-orders", numPartitions: 1 }, { topic: "secret", numPartitions: 1 }, { topic: "shared", numPartitions: 1 }] });
  await root.createAcls({
    acl: [
      { resourceType: Res.TOPIC, resourceName: "alice-", resourcePatternType: Pat.PREFIXED, principal: "User:alice", host: "*", operation: Op.WRITE, permissionType: Perm.ALLOW },
      { resourceType: Res.TOPIC, resourceName: "alice-", resourcePatternType: Pat.PREFIXED, principal: "User:alice", host: "*", operation: Op.READ, permissionType: Perm.ALLOW },
      { resourceType: Res.GROUP, resourceName: "g-alice", resourcePatternType: Pat.LITERAL, principal: "User:alice", host: "*", operation: Op.READ, permissionType: Perm.ALLOW },
      { resourceType: Res.TOPIC, resourceName: "shared", resourcePatternType: Pat.LITERAL, principal: "User:*", host: "*", operation: Op.DESCRIBE, permissionType: Perm.ALLOW },
    ],
  });
});

describe("Kafka ACL admin APIs (kafkajs)", () => {
  it("describeAcls lists what createAcls stored, filtered; it survives a restart", async () => {
    const all = await root.describeAcls({ resourceType: Res.ANY, resourcePatternType: Pat.ANY, operation: Op.ANY, permissionType: Perm.ANY });
    expect(all.resources.flatMap((r) => r.acls)).toHaveLength(4);
    const prefixed = await root.describeAcls({ resourceType: Res.TOPIC, resourcePatternType: Pat.PREFIXED, operation: Op.ANY, permissionType: Perm.ANY });
    expect(prefixed.resources).toEqual([expect.objectContaining({ resourceName: "alice-", acls: expect.arrayContaining([expect.objectContaining({ principal: "User:alice", operation: Op.READ })]) })]);
    const match = await root.describeAcls({ resourceType: Res.TOPIC, resourceName: "alice-orders", resourcePatternType: Pat.MATCH, operation: Op.ANY, permissionType: Perm.ANY });
    expect(match.resources.flatMap((r) => r.acls)).toHaveLength(2);
  });

  it("a non-super user may not create, describe or delete ACLs", async () => {
    const alice = await adminOf("alice");
    await expect(alice.createAcls({ acl: [{ resourceType: Res.TOPIC, resourceName: "secret", resourcePatternType: Pat.LITERAL, principal: "User:alice", host: "*", operation: Op.ALL, permissionType: Perm.ALLOW }] })).rejects.toSatisfy((e) => /CLUSTER_AUTHORIZATION_FAILED/.test(String(errorType(e) ?? e)));
    await expect(alice.describeAcls({ resourceType: Res.ANY, resourcePatternType: Pat.ANY, operation: Op.ANY, permissionType: Perm.ANY })).rejects.toSatisfy((e) => /CLUSTER_AUTHORIZATION_FAILED/.test(String(errorType(e) ?? e)));
  });
});

describe("authorization per API (kafkajs)", () => {
  it("Produce: WRITE on a prefixed topic allowed, elsewhere TOPIC_AUTHORIZATION_FAILED", async () => {
    const p = as("alice").producer();
    await p.connect();
    open.push(p);
    expect((await p.send({ topic: "alice-orders", messages: [{ value: "a" }] }))[0]!.errorCode).toBe(0);
    expect(errorType(await p.send({ topic: "secret", messages: [{ value: "x" }] }).catch((e) => e))).toBe("TOPIC_AUTHORIZATION_FAILED");
  });

  it("Fetch and ListOffsets: READ / DESCRIBE per topic, allowed partitions still served", async () => {
    const wire = await KafkaAdminConnection.open(s.bootstrap, { user: "alice", password: "alice-pw", mechanism: "SCRAM-SHA-256" });
    try {
      const part = { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 };
      const fetched = await wire.request(ApiKey.Fetch, 4, { replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topic: "secret", partitions: [part] }, { topic: "alice-orders", partitions: [part] }], forgottenTopicsData: [], rackId: "" });
      expect(fetched.responses.map((t) => [t.topic, t.partitions[0]!.errorCode])).toEqual([["secret", 29], ["alice-orders", 0]]);
      const offsets = await wire.request(ApiKey.ListOffsets, 1, { replicaId: -1, isolationLevel: 0, topics: [{ name: "alice-orders", partitions: [{ partitionIndex: 0, timestamp: -1n }] }, { name: "secret", partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
      expect(offsets.topics.map((t) => [t.name, t.partitions[0]!.errorCode])).toEqual([["alice-orders", 0], ["secret", 29]]);
    } finally {
      wire.close();
    }
  });

  it("Metadata lists only describable topics", async () => {
    expect((await (await adminOf("alice")).listTopics()).sort()).toEqual(["alice-orders", "shared"]);
    expect(await (await adminOf("bob")).listTopics()).toEqual(["shared"]);
    expect((await root.listTopics()).filter((t) => !t.startsWith("__")).sort()).toEqual(["alice-orders", "secret", "shared"]);
    const kcat = await run("kcat", ["-b", s.bootstrap, "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=SCRAM-SHA-256", "-X", "sasl.username=bob", "-X", "sasl.password=bob-pw", "-L", "-J"]);
    expect(JSON.parse(kcat.stdout).topics.map((t: { topic: string }) => t.topic)).toEqual(["shared"]);
  });

  it("CreateTopics / DeleteTopics need CREATE / DELETE", async () => {
    const bob = await adminOf("bob");
    expect(errorType(await bob.createTopics({ topics: [{ topic: "bobs" }] }).catch((e) => e))).toBe("TOPIC_AUTHORIZATION_FAILED");
    expect(errorType(await bob.deleteTopics({ topics: ["shared"] }).catch((e) => e))).toBe("TOPIC_AUTHORIZATION_FAILED");
    expect((await root.listTopics()).filter((t) => !t.startsWith("__")).sort()).toEqual(["alice-orders", "secret", "shared"]);
  });

  it("consumer groups: READ group + READ topic; another group is GROUP_AUTHORIZATION_FAILED; commits need both", async () => {
    const seed = as("admin").producer();
    await seed.connect();
    open.push(seed);
    await seed.send({ topic: "alice-orders", messages: [{ value: "a" }] });
    const consumer = as("alice").consumer({ groupId: "g-alice", retry: { retries: 0 } });
    open.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: "alice-orders", fromBeginning: true });
    const got = await new Promise<string>((resolve) => void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) }));
    expect(got).toBe("a");
    await consumer.disconnect();
    const alice = await adminOf("alice");
    await alice.listTopics(); // kafkajs's admin loads broker metadata lazily; fetchOffsets alone does not
    const offsets = await alice.fetchOffsets({ groupId: "g-alice", topics: ["alice-orders"] });
    expect(offsets[0]!.partitions[0]!.offset).toBe("1");
    const other = as("alice").consumer({ groupId: "g-other", retry: { retries: 0 } });
    open.push(other);
    await other.connect();
    await other.subscribe({ topic: "alice-orders" });
    const failed = await new Promise<unknown>((resolve) => {
      other.on(other.events.CRASH, (e) => resolve(e.payload.error));
      void other.run({ eachMessage: async () => {} }).catch(resolve);
    });
    // kafkajs reports a FindCoordinator refusal as "failed to find group coordinator"; the codes on the wire:
    expect(String(errorType(failed) ?? failed)).toMatch(/GROUP_AUTHORIZATION_FAILED|group coordinator/);
    const wire = await KafkaAdminConnection.open(s.bootstrap, { user: "alice", password: "alice-pw", mechanism: "SCRAM-SHA-256" });
    try {
      expect((await wire.request(ApiKey.FindCoordinator, 1, { key: "g-other", keyType: 0 })).errorCode).toBe(30);
      expect((await wire.request(ApiKey.FindCoordinator, 1, { key: "g-alice", keyType: 0 })).errorCode).toBe(0);
      const join = await wire.request(ApiKey.JoinGroup, 2, { groupId: "g-other", sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, memberId: "", groupInstanceId: null, protocolType: "consumer", protocols: [{ name: "range", metadata: new Uint8Array(0) }] });
      expect(join.errorCode).toBe(30);
      const commit = await wire.request(ApiKey.OffsetCommit, 2, { groupId: "g-alice", generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: "secret", partitions: [{ partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null }] }] });
      expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(29);
    } finally {
      wire.close();
    }
    const groups = await alice.listGroups();
    expect(groups.groups.map((g) => g.groupId)).not.toContain("g-other");
    const bob = await KafkaAdminConnection.open(s.bootstrap, { user: "bob", password: "bob-pw", mechanism: "SCRAM-SHA-256" });
    try {
      const fetched = await bob.request(ApiKey.OffsetFetch, 3, { groupId: "g-alice", topics: [{ name: "alice-orders", partitionIndexes: [0] }] });
      expect(fetched.errorCode).toBe(30);
      expect(fetched.topics[0]!.partitions[0]!.errorCode).toBe(30);
    } finally {
      bob.close();
    }
  });

  it("KIP-848 regex: the member is assigned only the matching topics it may DESCRIBE, and describing the group needs them too", async () => {
    const idOf = (name: string) => topicIdBytes(s.server.broker.topic(name)!).join(",");
    const alice = await KafkaAdminConnection.open(s.bootstrap, { user: "alice", password: "alice-pw", mechanism: "SCRAM-SHA-256" });
    const bob = await KafkaAdminConnection.open(s.bootstrap, { user: "bob", password: "bob-pw", mechanism: "SCRAM-SHA-256" });
    try {
      // ".*" matches secret too; alice may READ alice-* (which implies DESCRIBE) and DESCRIBE shared only.
      const joined = await alice.request(ApiKey.ConsumerGroupHeartbeat, 1, { groupId: "g-alice", memberId: "alice-m1", memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 10_000, subscribedTopicNames: null, subscribedTopicRegex: ".*", serverAssignor: null, topicPartitions: [] });
      expect(joined.errorCode).toBe(0);
      const assigned = joined.assignment!.topicPartitions.map((t) => t.topicId.join(",")).sort();
      expect(assigned).toEqual([idOf("alice-orders"), idOf("shared")].sort());
      const described = await alice.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: ["g-alice"], includeAuthorizedOperations: false });
      expect(described.groups[0]).toMatchObject({ errorCode: 0, members: [{ memberId: "alice-m1", subscribedTopicRegex: ".*" }] });
      await root.createAcls({ acl: [{ resourceType: Res.GROUP, resourceName: "g-alice", resourcePatternType: Pat.LITERAL, principal: "User:bob", host: "*", operation: Op.DESCRIBE, permissionType: Perm.ALLOW }] });
      // bob may describe the group but not alice-orders, which its member holds.
      const byBob = await bob.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: ["g-alice"], includeAuthorizedOperations: false });
      expect(byBob.groups[0]).toMatchObject({ errorCode: 29, members: [] });
      await alice.request(ApiKey.ConsumerGroupHeartbeat, 1, { groupId: "g-alice", memberId: "alice-m1", memberEpoch: -1, instanceId: null, rackId: null, rebalanceTimeoutMs: -1, subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null });
    } finally {
      alice.close();
      bob.close();
    }
  });

  it("a DENY wins over the prefixed ALLOW; deleteAcls removes it again", async () => {
    await root.createAcls({ acl: [{ resourceType: Res.TOPIC, resourceName: "alice-orders", resourcePatternType: Pat.LITERAL, principal: "User:alice", host: "*", operation: Op.WRITE, permissionType: Perm.DENY }] });
    const p = as("alice").producer();
    await p.connect();
    open.push(p);
    expect(errorType(await p.send({ topic: "alice-orders", messages: [{ value: "x" }] }).catch((e) => e))).toBe("TOPIC_AUTHORIZATION_FAILED");
    const deleted = await root.deleteAcls({ filters: [{ resourceType: Res.TOPIC, resourceName: "alice-orders", resourcePatternType: Pat.LITERAL, operation: Op.ANY, permissionType: Perm.DENY }] });
    expect(deleted.filterResponses[0]!.matchingAcls).toHaveLength(1);
    expect((await p.send({ topic: "alice-orders", messages: [{ value: "y" }] }))[0]!.errorCode).toBe(0);
  });

  it("ACLs are durable across a restart", async () => {
    await s.restart();
    const bob = as("bob").admin();
    await bob.connect();
    open.push(bob);
    expect(await bob.listTopics()).toEqual(["shared"]);
  });
});
