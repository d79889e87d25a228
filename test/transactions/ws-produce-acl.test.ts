// Authorization of a transactional PRODUCE frame (ws/handlers/authorize.ts): naming a transactional id
// needs WRITE on it (as Kafka's Produce), else every item is TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53)
// and nothing is appended; an allowed id goes on to the coordinator's check.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RivuletClient } from "../../src/client/index.js";
import { Attributes, encodeRecordBatch } from "../../src/core/index.js";
import { FrameType } from "../../src/protocol/ws/index.js";
import { wsServers, type TestServer } from "../helpers/ws-server.js";

const servers = wsServers();
let s: TestServer;
let root: RivuletClient;
let alice: RivuletClient;

beforeAll(async () => {
  s = await servers.start({ kafkaPort: 0, security: { requireAuthentication: true, failedAuthenticationDelayMs: 10, authorizer: "acl" as const, superUsers: ["User:admin"] } });
  for (const u of ["admin", "alice"]) await s.server.security.users.setPassword(u, `${u}-pw`, ["SCRAM-SHA-256"]);
  root = await servers.client(s.url, { auth: { username: "admin", password: "admin-pw", mechanism: "SCRAM-SHA-256" } });
  await root.admin.createTopic("alice-out");
  await root.admin.createAcls([
    { resourceType: "topic", resourceName: "alice-out", principal: "User:alice", operation: "write" },
    { resourceType: "topic", resourceName: "alice-out", principal: "User:alice", operation: "describe" },
    { resourceType: "transactional_id", resourceName: "tx-alice", principal: "User:alice", operation: "write" },
  ]);
  alice = await servers.client(s.url, { auth: { username: "alice", password: "alice-pw", mechanism: "SCRAM-SHA-256" } });
});
afterAll(() => {
  alice?.close();
  root?.close();
});

async function produce(transactionalId: string): Promise<number[]> {
  const batch = encodeRecordBatch([{ value: transactionalId }], { producerId: 5n, producerEpoch: 0, baseSequence: 0, attributes: Attributes.TRANSACTIONAL });
  const r = await alice.connection.request({ type: FrameType.PRODUCE, acks: -1, timeoutMs: 5000, items: [{ topic: "alice-out", partition: 0, batch }], transactionalId });
  if (r.type !== FrameType.PRODUCE_RESULT) throw new Error("no PRODUCE_RESULT");
  return r.items.map((i) => i.errorCode);
}

describe("transactional PRODUCE under ACLs", () => {
  it("refuses a transactional id the principal may not WRITE; an allowed one reaches the coordinator's check", async () => {
    expect(await produce("tx-bob")).toEqual([53]);
    expect(await produce("tx-alice")).toEqual([48]); // allowed, but no transaction holds producer 5
    const r = await root.connection.request({ type: FrameType.LIST_OFFSETS, items: [{ topic: "alice-out", partition: 0, timestamp: -1n }] });
    expect(r.type === FrameType.OFFSETS_RESULT && r.items[0]!.offset).toBe(0n);
  });
});
