// Authorization of the WebSocket transaction frames (ws/handlers/authorize.ts), the rules the Kafka
// transaction APIs follow (guards-txn.ts): WRITE on the transactional id for every frame, WRITE on each topic
// a transaction adds, READ on the group whose offsets it commits. A refusal is the Kafka code, and a refused
// transaction leaves nothing behind on the coordinator.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RivuletClient } from "../../src/client/index.js";
import { wsServers, type TestServer } from "../helpers/ws-server.js";

const servers = wsServers();
let s: TestServer;
let root: RivuletClient;
let alice: RivuletClient;
const codeOf = (p: Promise<unknown>) => p.then(() => "ok", (e: { code?: string }) => e.code ?? String(e));

beforeAll(async () => {
  s = await servers.start({ kafkaPort: 0, security: { requireAuthentication: true, failedAuthenticationDelayMs: 10, authorizer: "acl" as const, superUsers: ["User:admin"] } });
  for (const u of ["admin", "alice"]) await s.server.security.users.setPassword(u, `${u}-pw`, ["SCRAM-SHA-256"]);
  root = await servers.client(s.url, { auth: { username: "admin", password: "admin-pw", mechanism: "SCRAM-SHA-256" } });
  for (const t of ["alice-out", "secret"]) await root.admin.createTopic(t);
  const allow = (resourceType: "topic" | "group" | "transactional_id", resourceName: string, operation: "write" | "read" | "describe") =>
    ({ resourceType, resourceName, principal: "User:alice", operation }) as const;
  await root.admin.createAcls([
    allow("topic", "alice-out", "write"),
    allow("topic", "alice-out", "describe"),
    allow("topic", "alice-out", "read"),
    allow("transactional_id", "tx-alice", "write"),
    allow("group", "alice-group", "read"),
  ]);
  alice = await servers.client(s.url, { auth: { username: "alice", password: "alice-pw", mechanism: "SCRAM-SHA-256" } });
});
afterAll(() => {
  alice?.close();
  root?.close();
});

describe("transaction frames under ACLs", () => {
  it("refuses a transactional id the principal may not WRITE, before any state exists", async () => {
    const tx = alice.producer({ transactionalId: "tx-bob" });
    expect(await codeOf(tx.beginTransaction())).toBe("TRANSACTIONAL_ID_AUTHORIZATION_FAILED");
    expect(s.server.transactions.describe(["tx-bob"])[0]!.errorCode).toBe(105); // never registered
  });

  it("commits on an allowed id and topic; refuses a topic without WRITE and a group without READ", async () => {
    const tx = alice.producer({ transactionalId: "tx-alice" });
    await tx.beginTransaction();
    await tx.send({ topic: "alice-out", value: "fine" });
    await tx.sendOffsets({ group: "alice-group", offsets: [{ topic: "alice-out", partition: 0, offset: 1n }] });
    await tx.commitTransaction();

    await tx.beginTransaction();
    expect(await codeOf(tx.send({ topic: "secret", value: "no" }))).toBe("TOPIC_AUTHORIZATION_FAILED");
    await tx.abortTransaction().catch(() => undefined);

    const again = alice.producer({ transactionalId: "tx-alice" });
    await again.beginTransaction();
    await again.send({ topic: "alice-out", value: "second" });
    expect(await codeOf(again.sendOffsets({ group: "someone-else", offsets: [{ topic: "alice-out", partition: 0, offset: 2n }] }))).toBe("GROUP_AUTHORIZATION_FAILED");
    await again.abortTransaction();
    // Only the committed record is visible to a read_committed reader.
    const seen: string[] = [];
    const consumer = root.consumer({ topic: "alice-out", from: "earliest", isolation: "read_committed" });
    for await (const r of consumer) {
      seen.push(new TextDecoder().decode(r.value!));
      if (seen.length === 1) break;
    }
    expect(seen).toEqual(["fine"]);
    expect((await root.admin.committedOffsets("alice-group")).map((o) => o.offset)).toEqual([1n]);
  });
});
