// connections.max.reauth.ms (KIP-368) on both front ends and RFC 7628's OAUTHBEARER error challenge:
// SaslAuthenticate v1+ reports the session lifetime (bounded by the setting and by a token's exp); a
// connection used after it without re-authenticating is closed; re-authentication on the same connection
// keeps it (kafkajs does it by itself); a v0 client is not cut (as Kafka); WebSocket sessions end with
// 4012 unless the client library re-authenticates with its password. RFC 7628's error challenge on both doors,
// and librdkafka 2.0.2 (SaslAuthenticate v0) left alone.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaAdminConnection } from "../../src/cli/kafka-admin.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { CloseCode, FrameType } from "../../src/protocol/ws/index.js";
import { kafkaServers, PYTHON, run, type KafkaTestServer } from "../kafka/helpers.js";
import { wsServers } from "../helpers/ws-server.js";
import { makeKeys, sign, type TestKeys } from "./keys.js";

const MAX_REAUTH_MS = 1500;
const servers = kafkaServers();
const ws = wsServers();
const keyDir = mkdtempSync(join(tmpdir(), "rivulet-reauth-keys-"));
afterAll(() => rmSync(keyDir, { recursive: true, force: true }));
let s: KafkaTestServer;
let keys: TestKeys;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const metadata = { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
const plain = (user: string, pw: string) => Buffer.from(`\u0000${user}\u0000${pw}`);
const bearer = (token: string) => Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`);
const closes = (p: Promise<unknown>) => p.then(() => "answered", (e: Error) => (/closed the connection/.test(e.message) ? "closed" : e.message));

beforeAll(async () => {
  keys = makeKeys(keyDir);
  s = await servers.start({ security: { requireAuthentication: true, jwt: { keyFile: keys.files.edPem }, failedAuthenticationDelayMs: 0, maxReauthMs: MAX_REAUTH_MS } });
  for (const u of ["alice", "bob"]) await s.server.security.users.setPassword(u, `${u}-pw`, ["SCRAM-SHA-256"]);
});

async function authenticated(version: number, authBytes: Uint8Array, mechanism = "PLAIN") {
  const c = await KafkaAdminConnection.open(s.bootstrap);
  expect((await c.request(ApiKey.SaslHandshake, 1, { mechanism })).errorCode).toBe(0);
  const r = await c.request(ApiKey.SaslAuthenticate, version, { authBytes });
  return { c, r };
}

describe("Kafka: connections.max.reauth.ms", () => {
  it("SaslAuthenticate v1+ reports a lifetime of at most connections.max.reauth.ms; a request after it closes the connection", async () => {
    const { c, r } = await authenticated(2, plain("alice", "alice-pw"));
    expect(r.errorCode).toBe(0);
    expect(Number(r.sessionLifetimeMs)).toBeGreaterThan(MAX_REAUTH_MS - 500);
    expect(Number(r.sessionLifetimeMs)).toBeLessThanOrEqual(MAX_REAUTH_MS);
    expect(await closes(c.request(ApiKey.Metadata, 4, metadata))).toBe("answered");
    await sleep(MAX_REAUTH_MS + 200);
    expect(await closes(c.request(ApiKey.Metadata, 4, metadata))).toBe("closed");
  });

  it("re-authenticating before the end (same principal) keeps the connection; as another principal it fails", { timeout: 15_000 }, async () => {
    const { c } = await authenticated(1, plain("alice", "alice-pw"));
    for (let i = 0; i < 3; i++) {
      await sleep(MAX_REAUTH_MS - 700);
      expect((await c.request(ApiKey.SaslHandshake, 1, { mechanism: "PLAIN" })).errorCode).toBe(0);
      const again = await c.request(ApiKey.SaslAuthenticate, 1, { authBytes: plain("alice", "alice-pw") });
      expect([again.errorCode, Number(again.sessionLifetimeMs) > 0]).toEqual([0, true]);
    }
    expect(await closes(c.request(ApiKey.Metadata, 4, metadata))).toBe("answered");
    await c.request(ApiKey.SaslHandshake, 1, { mechanism: "PLAIN" });
    expect((await c.request(ApiKey.SaslAuthenticate, 1, { authBytes: plain("bob", "bob-pw") })).errorCode).toBe(58);
    c.close();
  });

  it("a token's exp bounds the session below connections.max.reauth.ms, and the setting bounds a longer token", async () => {
    const short = await sign(keys, "EdDSA", { sub: "svc" }, { expiresInSec: 1 });
    const a = await authenticated(1, bearer(short), "OAUTHBEARER");
    expect(Number(a.r.sessionLifetimeMs)).toBeLessThanOrEqual(1000);
    const long = await sign(keys, "EdDSA", { sub: "svc" }, { expiresInSec: 3600 });
    const b = await authenticated(1, bearer(long), "OAUTHBEARER");
    expect(Number(b.r.sessionLifetimeMs)).toBeLessThanOrEqual(MAX_REAUTH_MS);
    a.c.close();
    b.c.close();
  });

  it("a SaslAuthenticate v0 client (which cannot learn the lifetime) is not cut, as in Kafka", async () => {
    const { c, r } = await authenticated(0, plain("alice", "alice-pw"));
    expect(r.errorCode).toBe(0);
    await sleep(MAX_REAUTH_MS + 200);
    expect(await closes(c.request(ApiKey.Metadata, 4, metadata))).toBe("answered");
    c.close();
  });

  it("kafkajs re-authenticates by itself (reauthenticationThreshold) and keeps producing across several session ends", { timeout: 30_000 }, async () => {
    const successes = () => s.server.security.successes.get("kafka\u0000SCRAM-SHA-256") ?? 0;
    const kafka = new Kafka({ brokers: [s.bootstrap], logLevel: logLevel.NOTHING, sasl: { mechanism: "scram-sha-256", username: "alice", password: "alice-pw" }, reauthenticationThreshold: 1000, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "reauth", numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const before = successes();
    const started = Date.now();
    let sent = 0;
    while (Date.now() - started < 4 * MAX_REAUTH_MS) {
      await producer.send({ topic: "reauth", messages: [{ value: String(sent++) }] });
      await sleep(100);
    }
    await producer.disconnect();
    expect(sent).toBeGreaterThan(20);
    // At least one re-authentication per session end on the producer's connection (brokers may hold two).
    expect(successes() - before).toBeGreaterThanOrEqual(3);
  });
});

describe("Kafka: librdkafka across session ends", () => {
  it("confluent-kafka (librdkafka 2.0.2: SaslAuthenticate v0, no KIP-368) is not cut, as Kafka leaves such clients alone", { timeout: 60_000 }, async () => {
    const admin = new Kafka({ brokers: [s.bootstrap], logLevel: logLevel.NOTHING, sasl: { mechanism: "scram-sha-256", username: "alice", password: "alice-pw" } }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "reauth-rdkafka", numPartitions: 1 }] });
    await admin.disconnect();
    const client = new URL("./clients/reauth_client.py", import.meta.url).pathname;
    const r = await run(PYTHON, [client, s.bootstrap, "reauth-rdkafka", "alice", "alice-pw", String((4 * MAX_REAUTH_MS) / 1000)], { timeoutMs: 50_000 });
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { sent: number; delivered: number; failed: number; errors: string[]; version: string };
    expect(out.sent).toBeGreaterThan(20);
    // Every record delivered and no connection error reported (error_cb would see "Disconnected" had the
    // broker cut the session).
    expect([out.delivered, out.failed, out.errors]).toEqual([out.sent, 0, []]);
  });
});

describe("Kafka: RFC 7628 error challenge", () => {
  it("a token that does not verify gets {\"status\":\"invalid_token\"}; the client's %x01 then fails (58) and closes; the failure is counted", async () => {
    const failures = () => s.server.security.failures.get("kafka\u0000OAUTHBEARER") ?? 0;
    const before = failures();
    const forged = await sign(keys, "HS256", { sub: "svc" }, { expiresInSec: 60 });
    const { c, r } = await authenticated(1, bearer(forged), "OAUTHBEARER");
    expect([r.errorCode, JSON.parse(Buffer.from(r.authBytes).toString("utf8"))]).toEqual([0, { status: "invalid_token" }]);
    const final = await c.request(ApiKey.SaslAuthenticate, 1, { authBytes: Uint8Array.of(0x01) });
    expect(final.errorCode).toBe(58);
    expect(await closes(c.request(ApiKey.Metadata, 4, metadata))).toBe("closed");
    expect(failures()).toBe(before + 1);
  });

  it("a reply other than %x01 fails too; a malformed client response fails at once (no challenge)", async () => {
    const expired = await sign(keys, "EdDSA", { sub: "svc" }, { expiresInSec: -60 });
    const a = await authenticated(1, bearer(expired), "OAUTHBEARER");
    expect(a.r.errorCode).toBe(0);
    expect((await a.c.request(ApiKey.SaslAuthenticate, 1, { authBytes: bearer(expired) })).errorCode).toBe(58);
    const b = await authenticated(1, Buffer.from("n,,auth=Bearer x"), "OAUTHBEARER");
    expect([b.r.errorCode, b.r.authBytes.length]).toEqual([58, 0]);
  });

  it("a client that ignores the challenge and sends another request is closed, and counted as a failure", async () => {
    const failures = () => s.server.security.failures.get("kafka\u0000OAUTHBEARER") ?? 0;
    const before = failures();
    const forged = await sign(keys, "HS256", { sub: "svc" }, { expiresInSec: 60 });
    const { c } = await authenticated(1, bearer(forged), "OAUTHBEARER");
    expect(await closes(c.request(ApiKey.Metadata, 4, metadata))).toBe("closed");
    expect(failures()).toBe(before + 1);
  });
});

describe("WebSocket: connections.max.reauth.ms", () => {
  it("a password session ends with 4012 unless re-authenticated; the client library re-authenticates by itself", { timeout: 20_000 }, async () => {
    const srv = await ws.start({ security: { requireAuthentication: true, maxReauthMs: MAX_REAUTH_MS, tokenExpiryGraceMs: 1000, failedAuthenticationDelayMs: 0 } });
    await srv.server.security.users.setPassword("alice", "alice-pw", ["SCRAM-SHA-256"]);
    const raw = await ws.raw(srv.url);
    const r = await raw.request({ type: FrameType.AUTH, mechanism: "PLAIN", payload: plain("alice", "alice-pw") });
    expect(r.type === FrameType.AUTH_RESULT && r.complete && r.sessionLifetimeMs > 0n && r.sessionLifetimeMs <= BigInt(MAX_REAUTH_MS)).toBe(true);
    expect(await raw.closeCodeWithin(MAX_REAUTH_MS + 2000)).toBe(CloseCode.TOKEN_EXPIRED);

    const successes = () => srv.server.security.successes.get("ws\u0000SCRAM-SHA-256") ?? 0;
    const client = await ws.client(srv.url, { auth: { username: "alice", password: "alice-pw", mechanism: "SCRAM-SHA-256" } });
    await client.admin.createTopic("ws-reauth");
    const producer = client.producer();
    const before = successes();
    const started = Date.now();
    let disconnected = false;
    client.connection.on("disconnected", () => (disconnected = true));
    while (Date.now() - started < 3 * MAX_REAUTH_MS) {
      await producer.send({ topic: "ws-reauth", value: "x" });
      await sleep(100);
    }
    expect(disconnected).toBe(false);
    expect(successes() - before).toBeGreaterThanOrEqual(2);
  });
});

describe("WebSocket: RFC 7628 error challenge", () => {
  it("OAUTHBEARER in AUTH with a token that does not verify: AUTH_RESULT with the JSON status, then ERROR 58 and 4010 after the client's 0x01", async () => {
    const srv = await ws.start({ security: { requireAuthentication: true, jwt: { keyFile: keys.files.edPem }, failedAuthenticationDelayMs: 0 } });
    const raw = await ws.raw(srv.url);
    const forged = await sign(keys, "HS256", { sub: "svc" }, { expiresInSec: 60 });
    const challenge = await raw.request({ type: FrameType.AUTH, mechanism: "OAUTHBEARER", payload: bearer(forged) });
    expect(challenge.type === FrameType.AUTH_RESULT && [challenge.complete, JSON.parse(Buffer.from(challenge.payload).toString("utf8"))]).toEqual([false, { status: "invalid_token" }]);
    const failed = await raw.request({ type: FrameType.AUTH, mechanism: "OAUTHBEARER", payload: Uint8Array.of(0x01) });
    expect(failed.type === FrameType.ERROR && failed.errorCode).toBe(58);
    expect(await raw.closeCodeWithin(3000)).toBe(CloseCode.AUTHENTICATION_FAILED);
    const good = await ws.raw(srv.url);
    const ok = await good.request({ type: FrameType.AUTH, mechanism: "OAUTHBEARER", payload: bearer(await sign(keys, "EdDSA", { sub: "svc" }, { expiresInSec: 60 })) });
    expect(ok.type === FrameType.AUTH_RESULT && [ok.complete, ok.principal]).toEqual([true, "User:svc"]);
    good.close();
  });
});
