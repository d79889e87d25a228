// Users (SCRAM credentials) and ACLs are cluster-wide in cluster mode (src/security/etcd-store.ts): stored
// under the cluster's etcd prefix and watched by every broker. A user and an ACL created through one broker
// authenticate and authorize on another within a watch round trip, through both front ends; deletions
// apply everywhere the same way; a broker killed -9 and restarted with an empty local store gets them back
// from etcd; the first broker's local users seed an empty etcd.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Kafka, logLevel, AclOperationTypes as Op, AclPermissionTypes as Perm, AclResourceTypes as Res, ResourcePatternTypes as Pat } from "kafkajs";
import { describe, expect, it } from "vitest";
import { connect, type RivuletClient } from "../../src/client/index.js";
import { ClusterBroker, clusterFixture, etcdGet, freePort, MAIN, until } from "./harness.js";

const SECURITY = ["--authorizer", "acl", "--super-users", "User:admin"];

const fixture = clusterFixture({
  timeoutMs: 90_000,
  start: async ({ etcd, brokers }) => {
    // Broker 1's data directory holds the admin user (made with the CLI while it is stopped): it seeds etcd.
    const first = new ClusterBroker(1, etcd, await freePort(), await freePort(), { rf: 3, extra: SECURITY });
    await promisify(execFile)(process.execPath, [MAIN, "users", "add", "admin", "--password", "admin-pw", "--mechanism", "SCRAM-SHA-256", "--data-dir", first.dataDir]);
    await first.start();
    brokers.push(first);
    for (const id of [2, 3]) brokers.push(await ClusterBroker.start(id, etcd, { rf: 3, extra: SECURITY }));
  },
});
const { brokers } = fixture;

const b = (id: number) => brokers.find((x) => x.id === id)!;
const ws = (id: number, username: string, password: string) => connect({ url: `${b(id).wsUrl}/ws`, auth: { username, password, mechanism: "SCRAM-SHA-256" }, reconnect: false } as never);

function kafkaAs(id: number, username: string, password: string) {
  return new Kafka({ clientId: `sec-${username}`, brokers: [b(id).bootstrap], logLevel: logLevel.NOTHING, sasl: { mechanism: "scram-sha-256", username, password }, retry: { retries: 2, initialRetryTime: 100 } });
}

async function errorCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (error) {
    // kafkajs: `type` (its `code` is the number); Rivulet's client: `code`.
    const e = error as { code?: string | number; type?: string; cause?: { type?: string } };
    return String(e.type ?? e.cause?.type ?? e.code ?? error);
  }
}

describe("users and ACLs shared through etcd", () => {
  let admin: RivuletClient;

  it("seeds etcd with the first broker's local users", async () => {
    const keys = await etcdGet(fixture.etcd, "/rivulet/security/users/");
    expect(Object.keys(keys)).toEqual(["/rivulet/security/users/admin"]);
    // The stored value holds keys and salt, never the password.
    expect(Object.values(keys)[0]).not.toContain("admin-pw");
    // Broker 3 never had a local user: it authenticates the admin from etcd.
    admin = await ws(3, "admin", "admin-pw");
  });

  it("a user and an ACL made on broker 1 authenticate and authorize on broker 2 (WebSocket) at once", async () => {
    const one = await ws(1, "admin", "admin-pw");
    await one.admin.createTopic("shared-t", { partitions: 1 } as never);
    await one.admin.createTopic("private-t", { partitions: 1 } as never);
    const before = Date.now();
    await one.admin.upsertUser("carol", "carol-pw", { mechanisms: ["SCRAM-SHA-256"] });
    await one.admin.createAcls([
      { resourceType: "topic", resourceName: "shared-", patternType: "prefixed", principal: "User:carol", operation: "write" },
      { resourceType: "topic", resourceName: "shared-", patternType: "prefixed", principal: "User:carol", operation: "describe" },
      { resourceType: "topic", resourceName: "shared-", patternType: "prefixed", principal: "User:carol", operation: "read" },
    ]);
    one.close();
    // The answers came once etcd had both: broker 2 sees them within a watch round trip.
    const carol = await until("carol authenticates on broker 2", async () => {
      try {
        return await ws(2, "carol", "carol-pw");
      } catch {
        return undefined;
      }
    }, 5000);
    const waited = Date.now() - before;
    expect(waited).toBeLessThan(3000);
    await until("the ACL on broker 2", async () => (await errorCode(carol.admin.describeTopic("shared-t"))) === undefined, 3000);
    expect(await errorCode(carol.admin.describeTopic("private-t"))).toBe("TOPIC_AUTHORIZATION_FAILED");
    carol.close();
    // A wrong password is still refused there.
    expect(await errorCode(ws(2, "carol", "wrong"))).toBeDefined();
  });

  it("the Kafka door: carol produces through broker 3; DeleteAcls on broker 3 denies her on broker 2", async () => {
    const producer = kafkaAs(3, "carol", "carol-pw").producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic: "shared-t", acks: -1, messages: [{ value: "hello" }] });
    expect(await errorCode(producer.send({ topic: "private-t", acks: -1, messages: [{ value: "no" }] }))).toMatch(/AUTHORIZATION_FAILED/);
    await producer.disconnect();

    const root = kafkaAs(3, "admin", "admin-pw").admin();
    await root.connect();
    const removed = await root.deleteAcls({ filters: [{ resourceType: Res.TOPIC, resourceName: "shared-", resourcePatternType: Pat.PREFIXED, principal: "User:carol", host: "*", operation: Op.WRITE, permissionType: Perm.ALLOW }] });
    expect(removed.filterResponses[0]!.matchingAcls.length).toBe(1);
    // CreateAcls through the Kafka door on broker 3 too: visible from broker 1's WebSocket admin.
    await root.createAcls({ acl: [{ resourceType: Res.TOPIC, resourceName: "audit", resourcePatternType: Pat.LITERAL, principal: "User:carol", host: "*", operation: Op.READ, permissionType: Perm.ALLOW }] });
    await root.disconnect();
    const one = await ws(1, "admin", "admin-pw");
    await until("broker 1 lists the new ACL", async () => (await one.admin.describeAcls({ resourceName: "audit" })).length === 1, 3000);
    expect((await one.admin.describeAcls({ principal: "User:carol", operation: "write" })).length).toBe(0);
    one.close();

    const again = kafkaAs(2, "carol", "carol-pw").producer({ allowAutoTopicCreation: false });
    await again.connect();
    expect(await errorCode(again.send({ topic: "shared-t", acks: -1, messages: [{ value: "denied" }] }))).toMatch(/AUTHORIZATION_FAILED/);
    await again.disconnect();
  });

  it("a broker killed -9 and restarted gets users and ACLs back from etcd; a user deleted on one broker is refused on all", async () => {
    await b(2).kill("SIGKILL");
    await b(2).start();
    // Its data directory holds no user: until it has read etcd it refuses; then carol authenticates.
    const carol = await until("carol authenticates on the restarted broker", async () => {
      try {
        return await ws(2, "carol", "carol-pw");
      } catch {
        return undefined;
      }
    }, 5000);
    expect(await errorCode(carol.admin.describeTopic("shared-t"))).toBeUndefined();
    carol.close();
    await admin.admin.deleteUser("carol");
    for (const id of [1, 2, 3]) {
      await until(`carol refused on broker ${id}`, async () => (await errorCode(ws(id, "carol", "carol-pw").then((c) => c.close()))) !== undefined, 3000);
    }
    expect(Object.keys(await etcdGet(fixture.etcd, "/rivulet/security/users/"))).toEqual(["/rivulet/security/users/admin"]);
    admin.close();
  }, 60_000);
});
