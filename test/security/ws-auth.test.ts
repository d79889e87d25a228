// WebSocket authentication and authorization: the AUTH frame with JWTs (every refusal an attacker could
// try), SCRAM and PLAIN through the client library, the 4010/4011/4012 close codes, token renewal with a
// tokenProvider, and the same ACLs as the Kafka front end per frame type.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { CloseCode, FrameType } from "../../src/protocol/ws/index.js";
import { encodeRecordBatch } from "../../src/core/index.js";
import { Operation, PatternType, Permission, ResourceType } from "../../src/security/index.js";
import { wsServers, type TestServer } from "../helpers/ws-server.js";
import { makeKeys, sign, unsignedToken, type TestKeys } from "./keys.js";

const servers = wsServers();
const keyDir = mkdtempSync(join(tmpdir(), "rivulet-ws-keys-"));
afterAll(() => rmSync(keyDir, { recursive: true, force: true }));
let keys: TestKeys;
let s: TestServer;
const enc = new TextEncoder();
const token = (sub: string, expiresInSec = 3600, aud = "rivulet") => sign(keys, "HS256", { sub, aud }, { expiresInSec });

beforeAll(async () => {
  keys = makeKeys(keyDir);
  s = await servers.start({
    security: {
      requireAuthentication: true,
      jwt: { keyFile: keys.files.hsJwk, audience: "rivulet", clockToleranceSec: 0 },
      tokenExpiryGraceMs: 300,
      failedAuthenticationDelayMs: 50,
      authorizer: "acl",
      superUsers: ["User:admin"],
    },
  });
  const security = s.server.security;
  await security.users.setPassword("alice", "alice-pw", ["SCRAM-SHA-256", "SCRAM-SHA-512"]);
  const allow = (principal: string, operation: number, resourceType: number, resourceName: string, patternType: number = PatternType.LITERAL) => ({ principal, operation, resourceType, resourceName, patternType, host: "*", permission: Permission.ALLOW }) as never;
  security.acls.add([
    allow("User:alice", Operation.WRITE, ResourceType.TOPIC, "alice-", PatternType.PREFIXED),
    allow("User:alice", Operation.READ, ResourceType.TOPIC, "alice-", PatternType.PREFIXED),
    allow("User:alice", Operation.READ, ResourceType.GROUP, "g-alice"),
  ]);
  const admin = await servers.client(s.url, { auth: { token: await token("admin") } });
  for (const t of ["alice-orders", "secret"]) await admin.admin.createTopic(t);
});

/** connect() rejects with the server's ERROR (SASL_AUTHENTICATION_FAILED); the server then closes with 4010. */
const refusal = async (p: Promise<{ close(): void }>) => {
  const outcome = await p.then((c) => (c.close(), "connected"), (e: { code?: string }) => e.code);
  return outcome;
};

describe("WebSocket AUTH", () => {
  it("allows PING before AUTH but closes with 4011 on any other request", async () => {
    const raw = await servers.raw(s.url);
    expect((await raw.request({ type: FrameType.PING })).type).toBe(FrameType.PONG);
    raw.send({ type: FrameType.METADATA, topics: [] });
    expect(await raw.closeCodeWithin(3000)).toBe(CloseCode.AUTHENTICATION_REQUIRED);
  });

  it("a JWT authenticates the client as User:<sub>", async () => {
    const c = await servers.client(s.url, { auth: { token: await token("svc") } });
    expect(c.connection.principal).toBe("User:svc");
  });

  it("refuses alg:none, expired, forged, wrong-audience and wrong-key tokens with ERROR 58 then close 4010", async () => {
    const raw = await servers.raw(s.url);
    const r = await raw.request({ type: FrameType.AUTH, mechanism: "JWT", payload: enc.encode(unsignedToken({ sub: "admin", aud: "rivulet", exp: Math.floor(Date.now() / 1000) + 3600 })) });
    expect(r.type === FrameType.ERROR && r.errorCode).toBe(58);
    expect(await raw.closeCodeWithin(3000)).toBe(CloseCode.AUTHENTICATION_FAILED);
    const good = await token("svc");
    const forged = `${good.split(".")[0]}.${Buffer.from(JSON.stringify({ sub: "admin", aud: "rivulet", exp: 9999999999 })).toString("base64url")}.${good.split(".")[2]}`;
    for (const bad of [await token("svc", -5), await token("svc", 3600, "other"), forged, await sign(keys, "RS256", { sub: "svc", aud: "rivulet" }, { expiresInSec: 3600 })]) {
      expect(await refusal(connect({ url: s.url, auth: { token: bad }, reconnect: false }))).toBe("SASL_AUTHENTICATION_FAILED");
    }
    const metrics = await (await fetch(`http://127.0.0.1:${s.port}/metrics`)).text();
    expect(metrics).toMatch(/rivulet_auth_failures_total\{frontend="ws",mechanism="JWT"\} [5-9]/);
  });

  for (const mechanism of ["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"] as const) {
    it(`${mechanism} through the client; a wrong password is refused and the socket closed with 4010`, async () => {
      const c = await servers.client(s.url, { auth: { username: "alice", password: "alice-pw", mechanism } });
      expect(c.connection.principal).toBe("User:alice");
      expect(await refusal(connect({ url: s.url, auth: { username: "alice", password: "nope", mechanism }, reconnect: false }))).toBe("SASL_AUTHENTICATION_FAILED");
      const raw = await servers.raw(s.url);
      await raw.request({ type: FrameType.AUTH, mechanism: "PLAIN", payload: enc.encode("\0alice\0nope") });
      expect(await raw.closeCodeWithin(3000)).toBe(CloseCode.AUTHENTICATION_FAILED);
    });
  }

  it("an expired token closes the socket with 4012 after the grace period", async () => {
    const raw = await servers.raw(s.url);
    const r = await raw.request({ type: FrameType.AUTH, mechanism: "JWT", payload: enc.encode(await token("svc", 2)) });
    expect(r.type === FrameType.AUTH_RESULT && r.complete && r.sessionLifetimeMs > 0n && r.sessionLifetimeMs <= 2000n).toBe(true);
    const started = Date.now();
    expect(await raw.closeCodeWithin(6000)).toBe(CloseCode.TOKEN_EXPIRED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("a re-AUTH on the open socket extends the session; another principal is refused", async () => {
    const raw = await servers.raw(s.url);
    await raw.request({ type: FrameType.AUTH, mechanism: "JWT", payload: enc.encode(await token("svc", 2)) });
    const renewed = await raw.request({ type: FrameType.AUTH, mechanism: "JWT", payload: enc.encode(await token("svc", 3600)) });
    expect(renewed.type).toBe(FrameType.AUTH_RESULT);
    await new Promise((r) => setTimeout(r, 3000));
    expect(raw.isOpen).toBe(true);
    const other = await raw.request({ type: FrameType.AUTH, mechanism: "JWT", payload: enc.encode(await token("mallory")) });
    expect(other.type === FrameType.ERROR && other.errorCode).toBe(58);
    expect(await raw.closeCodeWithin(3000)).toBe(CloseCode.AUTHENTICATION_FAILED);
  });

  it("a tokenProvider renews the session before it expires", async () => {
    let calls = 0;
    const c = await servers.client(s.url, { auth: { tokenProvider: async () => (calls++, token("svc", 2)) } });
    await new Promise((r) => setTimeout(r, 4500));
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(c.connection.isOpen).toBe(true);
    await expect(c.admin.metadata(["alice-orders"])).rejects.toMatchObject({ code: "TOPIC_AUTHORIZATION_FAILED" }); // svc has no ACLs
  });
});

describe("WebSocket authorization (same ACLs as Kafka)", () => {
  it("PRODUCE per item, METADATA filtered, SUBSCRIBE / CREATE / DELETE refused, groups checked", async () => {
    const alice = await servers.raw(s.url);
    await alice.request({ type: FrameType.AUTH, mechanism: "PLAIN", payload: enc.encode("\0alice\0alice-pw") });
    const batch = encodeRecordBatch([{ value: "v" }]);
    const produced = await alice.request({ type: FrameType.PRODUCE, acks: -1, timeoutMs: 5000, items: [{ topic: "alice-orders", partition: 0, batch }, { topic: "secret", partition: 0, batch }] });
    expect(produced.type === FrameType.PRODUCE_RESULT && produced.items.map((i) => i.errorCode)).toEqual([0, 29]);
    const meta = await alice.request({ type: FrameType.METADATA, topics: [] });
    expect(meta.type === FrameType.METADATA_RESULT && meta.topics.map((t) => t.name)).toEqual(["alice-orders"]);
    const named = await alice.request({ type: FrameType.METADATA, topics: ["secret", "alice-orders"] });
    expect(named.type === FrameType.METADATA_RESULT && named.topics.map((t) => [t.name, t.errorCode])).toEqual([["secret", 29], ["alice-orders", 0]]);
    const sub = await alice.request({ type: FrameType.SUBSCRIBE, topic: "secret", credit: 1 << 20, maxChunkBytes: 1 << 20, start: { kind: 0, value: 0n }, partitions: [] });
    expect(sub.type === FrameType.ERROR && sub.errorCode).toBe(29);
    const ok = await alice.request({ type: FrameType.SUBSCRIBE, topic: "alice-orders", credit: 1 << 20, maxChunkBytes: 1 << 20, start: { kind: 0, value: 0n }, partitions: [] });
    expect(ok.type).toBe(FrameType.SUBSCRIBED);
    const create = await alice.request({ type: FrameType.CREATE_TOPIC, name: "alice-new", partitions: 1, configs: {} });
    expect(create.type === FrameType.ERROR && create.errorCode).toBe(29);
    const del = await alice.request({ type: FrameType.DELETE_TOPIC, name: "__consumer_offsets" });
    expect(del.type === FrameType.ERROR && del.errorCode).toBe(29);
    const join = await alice.request({ type: FrameType.JOIN_GROUP, groupId: "g-other", topic: "alice-orders", sessionTimeoutMs: 10000, assignor: "", credit: 1 << 20, maxChunkBytes: 1 << 20, reset: { kind: 0, value: 0n } });
    expect(join.type === FrameType.ERROR && join.errorCode).toBe(30);
    const groups = await alice.request({ type: FrameType.LIST_GROUPS });
    expect(groups.type).toBe(FrameType.GROUP_LIST);
    const ipid = await alice.request({ type: FrameType.INIT_PRODUCER_ID });
    expect(ipid.type).toBe(FrameType.PRODUCER_ID); // WRITE on some topic is enough (KIP-679)
  });

  it("the super user may do everything, and the client library surfaces the Kafka code", async () => {
    const admin = await servers.client(s.url, { auth: { token: await token("admin") } });
    expect((await admin.admin.listTopics()).filter((t) => !t.startsWith("__")).sort()).toEqual(["alice-orders", "secret"]);
    const svc = await servers.client(s.url, { auth: { token: await token("svc") } });
    await expect(svc.admin.createTopic("svc-topic")).rejects.toMatchObject({ code: "TOPIC_AUTHORIZATION_FAILED", kafkaCode: 29 });
    await expect(svc.admin.deleteGroup("g-alice")).rejects.toMatchObject({ code: "GROUP_AUTHORIZATION_FAILED" });
  });
});
