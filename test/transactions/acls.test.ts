// Authorization of the transaction APIs with an ACL authorizer (guards-txn.ts): a transactional id needs
// WRITE on it (TRANSACTIONAL_ID_AUTHORIZATION_FAILED otherwise, from InitProducerId on), each partition WRITE
// on its topic (TOPIC_AUTHORIZATION_FAILED from AddPartitionsToTxn), sendOffsets READ on the group.

import { AclOperationTypes as Op, AclPermissionTypes as Perm, AclResourceTypes as Res, Kafka, logLevel, ResourcePatternTypes as Pat } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafkaServers, type KafkaTestServer } from "../kafka/helpers.js";

const servers = kafkaServers();
let s: KafkaTestServer;
const open: { disconnect(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(open.map((c) => c.disconnect().catch(() => {})));
});

const as = (user: string) =>
  new Kafka({ brokers: [s.bootstrap], clientId: `txn-acl-${user}`, logLevel: logLevel.NOTHING, sasl: { mechanism: "scram-sha-256", username: user, password: `${user}-pw` }, retry: { retries: 0 } });
const errorText = (e: unknown) => `${(e as { type?: string }).type ?? ""} ${(e as { cause?: { type?: string } }).cause?.type ?? ""} ${String(e)}`;

beforeAll(async () => {
  s = await servers.start({ security: { requireAuthentication: true, authorizer: "acl", superUsers: ["User:admin"] } });
  for (const u of ["admin", "alice"]) await s.server.security.users.setPassword(u, `${u}-pw`, ["SCRAM-SHA-256"]);
  const root = as("admin").admin();
  await root.connect();
  open.push(root);
  await root.createTopics({ topics: [{ topic: "alice-out", numPartitions: 1 }, { topic: "secret", numPartitions: 1 }] });
  const allow = (resourceType: number, resourceName: string, operation: number) => ({ resourceType, resourceName, resourcePatternType: Pat.LITERAL, principal: "User:alice", host: "*", operation, permissionType: Perm.ALLOW });
  await root.createAcls({
    acl: [
      allow(Res.TOPIC, "alice-out", Op.WRITE),
      allow(Res.TOPIC, "alice-out", Op.DESCRIBE),
      allow(Res.TRANSACTIONAL_ID, "tx-alice", Op.WRITE),
      allow(Res.TRANSACTIONAL_ID, "tx-alice", Op.DESCRIBE),
      allow(Res.TRANSACTIONAL_ID, "tx-carol", Op.DESCRIBE), // may find its coordinator, not use it
    ],
  });
});

describe("transaction ACLs", () => {
  it("WRITE on the transactional id and on each topic are required", async () => {
    const other = as("alice").producer({ transactionalId: "tx-bob", idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });
    await other.connect();
    open.push(other);
    // Without DESCRIBE on the id, FindCoordinator is refused (kafkajs reports it as "coordinator not found").
    await expect(other.transaction()).rejects.toBeDefined();
    expect(s.server.transactions.describe(["tx-bob"])[0]!.errorCode).toBe(105); // never registered
    const carol = as("alice").producer({ transactionalId: "tx-carol", idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });
    await carol.connect();
    open.push(carol);
    await expect(carol.transaction()).rejects.toSatisfy((e) => /TRANSACTIONAL_ID_AUTHORIZATION_FAILED|transactional id authorization/i.test(errorText(e)));
    expect(s.server.transactions.describe(["tx-carol"])[0]!.errorCode).toBe(105);

    const producer = as("alice").producer({ transactionalId: "tx-alice", idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });
    await producer.connect();
    open.push(producer);
    const ok = await producer.transaction();
    await ok.send({ topic: "alice-out", messages: [{ value: "fine" }] });
    await ok.commit();
    const denied = await producer.transaction();
    await expect(denied.send({ topic: "secret", messages: [{ value: "no" }] })).rejects.toSatisfy((e) => /TOPIC_AUTHORIZATION_FAILED|Not authorized to access topics/i.test(errorText(e)));
    await denied.abort().catch(() => undefined);
    const [state] = s.server.transactions.describe(["tx-alice"]);
    expect(state!.topics).toEqual([]);
  });
});
