// Users and ACLs over the WebSocket (DESCRIBE_USERS, ALTER_USERS, DESCRIBE_ACLS, CREATE_ACLS, DELETE_ACLS)
// through the client's admin API: a user created over the WebSocket logs in on both front ends (kafkajs
// over SCRAM), ACLs created over the WebSocket govern both, the cluster rights they need (31 otherwise),
// SECURITY_DISABLED without security, and hostile frames against a secured, authenticated session.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type RivuletClient } from "../../src/client/index.js";
import { encodeClientFrame, FrameType, type ClientFrame } from "../../src/protocol/ws/index.js";
import { randomBytes, randomInt, seededRandom } from "../helpers/random.js";
import { flip } from "../helpers/flip.js";
import { wsServers, type TestServer } from "../helpers/ws-server.js";
import { clientSeeds } from "../ws/frames-corpus.js";
import { makeKeys, sign, type TestKeys } from "./keys.js";

const servers = wsServers();
const keyDir = mkdtempSync(join(tmpdir(), "rivulet-ws-admin-keys-"));
afterAll(() => rmSync(keyDir, { recursive: true, force: true }));
let keys: TestKeys;
let s: TestServer;
let root: RivuletClient;
const token = (sub: string) => sign(keys, "HS256", { sub, aud: "rivulet" }, { expiresInSec: 3600 });
const secured = () => ({
  kafkaPort: 0,
  security: { requireAuthentication: true, jwt: { keyFile: keys.files.hsJwk, audience: "rivulet" }, failedAuthenticationDelayMs: 10, authorizer: "acl" as const, superUsers: ["User:admin"] },
});
/**
 * Stops the broker and starts another on the same data directory. On a new port: the WebSocket port is
 * bound without SO_REUSEADDR, so the TIME_WAIT sockets of connections the broker closed itself (a refused
 * password, a malformed frame) keep that port from being bound again for a minute.
 */
async function reopen(): Promise<void> {
  await s.stop();
  s = await servers.start({ ...secured(), dataDir: s.dataDir });
}
const codeOf = (p: Promise<unknown>) => p.then(() => "ok", (e: { code?: string }) => e.code ?? String(e));

beforeAll(async () => {
  keys = makeKeys(keyDir);
  s = await servers.start(secured());
  root = await servers.client(s.url, { auth: { token: await token("admin") } });
  for (const t of ["carol-orders", "secret"]) await root.admin.createTopic(t);
});

describe("users over the WebSocket", () => {
  it("upsertUser stores salted credentials the user then logs in with, on both front ends; describe and delete", async () => {
    await root.admin.upsertUser("carol", "carol-pw");
    await root.admin.upsertUser("dave", "dave-pw", { mechanisms: ["SCRAM-SHA-512"], iterations: 8192 });
    expect(await root.admin.describeUsers(["carol", "dave"])).toEqual([
      { user: "carol", credentials: [{ mechanism: "SCRAM-SHA-256", iterations: 4096 }, { mechanism: "SCRAM-SHA-512", iterations: 4096 }] },
      { user: "dave", credentials: [{ mechanism: "SCRAM-SHA-512", iterations: 8192 }] },
    ]);
    expect((await root.admin.describeUsers()).map((u) => u.user)).toEqual(["carol", "dave"]);
    const carol = await servers.client(s.url, { auth: { username: "carol", password: "carol-pw", mechanism: "SCRAM-SHA-512" } });
    carol.close();
    expect(await codeOf(connect({ url: s.url, auth: { username: "carol", password: "wrong", mechanism: "SCRAM-SHA-256" }, reconnect: false }).then((c) => c.close()))).toBe("SASL_AUTHENTICATION_FAILED");
    const kafka = new Kafka({ brokers: [`127.0.0.1:${s.server.kafkaPort}`], logLevel: logLevel.NOTHING, sasl: { mechanism: "scram-sha-512", username: "dave", password: "dave-pw" }, retry: { retries: 0 } });
    const kadmin = kafka.admin();
    await kadmin.connect();
    await kadmin.disconnect();
    await root.admin.deleteUser("dave");
    expect(await codeOf(root.admin.describeUsers(["dave"]))).toBe("RESOURCE_NOT_FOUND");
    expect(await codeOf(root.admin.deleteUser("dave", ["SCRAM-SHA-512"]))).toBe("RESOURCE_NOT_FOUND");
  });

  it("the client and the broker apply the same SASLprep: a password set on the broker logs in spelled another equivalent way", async () => {
    await s.server.security.users.setPassword("nina", "I\u00ADX\u00A0pass", ["SCRAM-SHA-256"]);
    const nina = await servers.client(s.url, { auth: { username: "nina", password: "\u2168 pass", mechanism: "SCRAM-SHA-256" } });
    nina.close();
    await root.admin.upsertUser("omar", "\uFB01\u00A0x", { mechanisms: ["SCRAM-SHA-512"] });
    const omar = await servers.client(s.url, { auth: { username: "omar", password: "fi x", mechanism: "PLAIN" } });
    omar.close();
    await root.admin.deleteUser("nina");
    await root.admin.deleteUser("omar");
  });

  it("refuses what Kafka refuses: iterations out of range, an unknown mechanism, an empty name, the same credential twice", async () => {
    expect(await codeOf(root.admin.upsertUser("erin", "pw", { iterations: 100 }))).toBe("UNACCEPTABLE_CREDENTIAL");
    expect(await codeOf(root.admin.upsertUser("", "pw"))).toBe("UNACCEPTABLE_CREDENTIAL");
    const salted = { iterations: 4096, salt: new Uint8Array([1]), saltedPassword: new Uint8Array([2]) };
    const twice = await root.connection.request({ type: FrameType.ALTER_USERS, deletions: [], upsertions: [{ name: "erin", mechanism: "SCRAM-SHA-256", ...salted }, { name: "erin", mechanism: "SCRAM-SHA-256", ...salted }, { name: "frank", mechanism: "MD5", ...salted }] });
    expect(twice.type === FrameType.USERS && twice.users.map((u) => [u.user, u.errorCode])).toEqual([["erin", 92], ["frank", 33]]);
    expect((await root.admin.describeUsers()).map((u) => u.user)).toEqual(["carol"]);
  });

  it("needs DESCRIBE / ALTER on the cluster: another user gets CLUSTER_AUTHORIZATION_FAILED, then the right ACL lets it", async () => {
    const carol = await servers.client(s.url, { auth: { username: "carol", password: "carol-pw", mechanism: "SCRAM-SHA-256" } });
    expect(await codeOf(carol.admin.describeUsers())).toBe("CLUSTER_AUTHORIZATION_FAILED");
    expect(await codeOf(carol.admin.upsertUser("mallory", "pw"))).toBe("CLUSTER_AUTHORIZATION_FAILED");
    expect(await codeOf(carol.admin.describeAcls())).toBe("CLUSTER_AUTHORIZATION_FAILED");
    expect(await codeOf(carol.admin.createAcls([{ resourceType: "topic", resourceName: "secret", principal: "User:carol", operation: "all" }]))).toBe("CLUSTER_AUTHORIZATION_FAILED");
    expect(await codeOf(carol.admin.deleteAcls([{}]))).toBe("CLUSTER_AUTHORIZATION_FAILED");
    await root.admin.createAcls([{ resourceType: "cluster", resourceName: "kafka-cluster", principal: "User:carol", operation: "describe" }]);
    expect((await carol.admin.describeUsers()).map((u) => u.user)).toEqual(["carol"]);
    expect(await codeOf(carol.admin.upsertUser("mallory", "pw"))).toBe("CLUSTER_AUTHORIZATION_FAILED");
    carol.close();
  });
});

describe("ACLs over the WebSocket", () => {
  it("createAcls / describeAcls / deleteAcls, governing both front ends", async () => {
    const carol = await servers.client(s.url, { auth: { username: "carol", password: "carol-pw", mechanism: "SCRAM-SHA-256" } });
    expect(await codeOf(carol.producer().send({ topic: "carol-orders", value: "x" }))).toBe("TOPIC_AUTHORIZATION_FAILED");
    await root.admin.createAcls([
      { resourceType: "topic", resourceName: "carol-", patternType: "prefixed", principal: "User:carol", operation: "write" },
      { resourceType: "topic", resourceName: "carol-", patternType: "prefixed", principal: "User:carol", operation: "read" },
    ]);
    expect((await carol.producer().send({ topic: "carol-orders", value: "x" })).offset).toBe(0n);
    const kafka = new Kafka({ brokers: [`127.0.0.1:${s.server.kafkaPort}`], logLevel: logLevel.NOTHING, sasl: { mechanism: "scram-sha-256", username: "carol", password: "carol-pw" }, retry: { retries: 0 } });
    const kp = kafka.producer();
    await kp.connect();
    expect((await kp.send({ topic: "carol-orders", messages: [{ value: "k" }] }))[0]!.errorCode).toBe(0);
    const matching = await root.admin.describeAcls({ resourceType: "topic", resourceName: "carol-orders", patternType: "match" });
    expect(matching.map((b) => [b.resourceName, b.patternType, b.operation]).sort()).toEqual([["carol-", 4, 3], ["carol-", 4, 4]]);
    const removed = await root.admin.deleteAcls([{ resourceType: "topic", principal: "User:carol", operation: "write" }]);
    expect(removed).toEqual([[{ resourceType: 2, resourceName: "carol-", patternType: 4, principal: "User:carol", host: "*", operation: 4, permission: 3 }]]);
    expect(await codeOf(carol.producer().send({ topic: "carol-orders", value: "y" }))).toBe("TOPIC_AUTHORIZATION_FAILED");
    await kp.disconnect();
    carol.close();
  });

  it("an invalid binding is refused with its reason while the valid ones are stored; an UNKNOWN filter is INVALID_REQUEST", async () => {
    const r = await root.connection.request({ type: FrameType.CREATE_ACLS, bindings: [
      { resourceType: 2, resourceName: "t", patternType: 3, principal: "alice", host: "*", operation: 3, permission: 3 },
      { resourceType: 4, resourceName: "other-cluster", patternType: 3, principal: "User:a", host: "*", operation: 8, permission: 3 },
      { resourceType: 3, resourceName: "g", patternType: 3, principal: "User:a", host: "*", operation: 3, permission: 3 },
    ] });
    expect(r.type === FrameType.ACLS && r.results.map((x) => [x.errorCode, x.errorMessage])).toEqual([[42, "principal alice is not of the form User:<name>"], [42, "the cluster resource is named kafka-cluster"], [0, ""]]);
    expect((await root.admin.describeAcls({ resourceType: "group" })).map((b) => b.resourceName)).toEqual(["g"]);
    expect(await codeOf(root.admin.describeAcls({ operation: 0 }))).toBe("INVALID_REQUEST");
    await expect(root.admin.describeAcls({ operation: "fly" as never })).rejects.toThrow(/unknown operation fly/);
  });

  it("the stores survive a restart", async () => {
    root.close();
    await reopen();
    const again = await servers.client(s.url, { auth: { token: await token("admin") } });
    expect((await again.admin.describeUsers()).map((u) => u.user)).toEqual(["carol"]);
    expect((await again.admin.describeAcls({ principal: "User:carol" })).map((b) => b.operation).sort()).toEqual([3, 8]);
    root = again;
  });
});

describe("a store the disk refuses", () => {
  // A directory where the file goes fails its rename (EISDIR) even as root: the path a full disk or no
  // descriptor left takes. The change is refused with KAFKA_STORAGE_ERROR on both front ends, and not made.
  const block = (file: string) => mkdirSync(join(s.dataDir, "security", file, "blocker"), { recursive: true });
  const unblock = (file: string) => rmSync(join(s.dataDir, "security", file), { recursive: true, force: true });

  it("ACL and user changes answer KAFKA_STORAGE_ERROR over the WebSocket and the Kafka protocol, and apply nothing", async () => {
    await root.admin.createAcls([{ resourceType: "cluster", resourceName: "kafka-cluster", patternType: "literal", principal: "User:carol", operation: "alter" }]);
    const aclsFile = join(s.dataDir, "security", "acls.json");
    const saved = readFileSync(aclsFile);
    rmSync(aclsFile);
    block("acls.json");
    const dave = { resourceType: "topic", resourceName: "dave-", patternType: "prefixed", principal: "User:dave", operation: "read" } as const;
    expect(await codeOf(root.admin.createAcls([dave]))).toBe("KAFKA_STORAGE_ERROR");
    const kafka = new Kafka({ brokers: [`127.0.0.1:${s.server.kafkaPort}`], logLevel: logLevel.NOTHING, sasl: { mechanism: "scram-sha-256", username: "carol", password: "carol-pw" }, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    const viaKafka = await admin.createAcls({ acl: [{ resourceType: 2, resourceName: "dave-", resourcePatternType: 4, principal: "User:dave", host: "*", operation: 3, permissionType: 3 }] }).then(() => "ok", (e: { type?: string; errors?: { type?: string }[] }) => e.type ?? e.errors?.[0]?.type ?? String(e));
    expect(viaKafka).toBe("KAFKA_STORAGE_ERROR");
    expect(await root.admin.describeAcls({ principal: "User:dave" }), "nothing applied").toEqual([]);
    unblock("acls.json");
    writeFileSync(aclsFile, saved);

    const usersFile = join(s.dataDir, "security", "users.json");
    const users = readFileSync(usersFile);
    rmSync(usersFile);
    block("users.json");
    expect(await codeOf(root.admin.upsertUser("dave", "dave-pw"))).toBe("KAFKA_STORAGE_ERROR");
    expect((await root.admin.describeUsers()).map((u) => u.user), "nothing applied").toEqual(["carol"]);
    unblock("users.json");
    writeFileSync(usersFile, users);
    await root.admin.upsertUser("dave", "dave-pw");
    expect((await root.admin.describeUsers()).map((u) => u.user)).toEqual(["carol", "dave"]);
    await admin.disconnect();
  });
});

describe("without security", () => {
  it("users can be prepared before authentication is on; ACL frames answer SECURITY_DISABLED without an authorizer", async () => {
    const plain = await servers.start({});
    const c = await servers.client(plain.url);
    await c.admin.upsertUser("early", "early-pw", { mechanisms: ["SCRAM-SHA-256"] });
    expect(await c.admin.describeUsers()).toEqual([{ user: "early", credentials: [{ mechanism: "SCRAM-SHA-256", iterations: 4096 }] }]);
    expect(await codeOf(c.admin.createAcls([{ resourceType: "topic", resourceName: "t", principal: "User:a", operation: "read" }]))).toBe("SECURITY_DISABLED");
  });
});

describe("hostile input on an authenticated session", () => {
  it("2,000 mutated user and ACL frames from a super user: every one answered or the socket closed with 4000; the broker and its stores stay sound", async () => {
    const random = seededRandom(1313);
    const seeds = clientSeeds().filter((f) => f.type >= FrameType.DESCRIBE_USERS && f.type <= FrameType.DELETE_ACLS).map((f) => encodeClientFrame(f as ClientFrame));
    expect(seeds).toHaveLength(5);
    let raw = await servers.raw(s.url);
    const authenticate = async () => {
      const r = await raw.request({ type: FrameType.AUTH, mechanism: "JWT", payload: new TextEncoder().encode(await token("admin")) });
      expect(r.type).toBe(FrameType.AUTH_RESULT);
    };
    await authenticate();
    let closes = 0;
    for (let i = 0; i < 2000; i++) {
      const out = Uint8Array.from(seeds[randomInt(random, 0, seeds.length - 1)]!);
      const bytes = (() => {
        switch (randomInt(random, 0, 3)) {
          case 0: // flip bits past the header
            for (let n = randomInt(random, 1, 3); n > 0; n--) flip(out, randomInt(random, 5, Math.max(5, out.length - 1)), 1 << randomInt(random, 0, 7));
            return out;
          case 1:
            return out.subarray(0, randomInt(random, 5, Math.max(5, out.length - 1)));
          case 2:
            return Uint8Array.from([...out, ...randomBytes(random, randomInt(random, 1, 16))]);
          default: {
            const view = new DataView(out.buffer);
            const at = randomInt(random, 5, Math.max(5, out.length - 2));
            if (at + 2 <= out.length) view.setUint16(at, 0xffff);
            return out;
          }
        }
      })();
      const requestId = 100_000 + i;
      new DataView(bytes.buffer, bytes.byteOffset).setUint32(1, requestId);
      raw.sendBytes(bytes);
      const answered = raw.waitFor((f) => f.requestId === requestId, 5000).then(() => "answered", () => "closed");
      if ((await answered) === "closed") {
        expect(await raw.closeCodeWithin(2000)).toBe(4000);
        closes++;
        raw = await servers.raw(s.url);
        await authenticate();
      }
    }
    expect(closes).toBeGreaterThan(0);
    expect(closes).toBeLessThan(2000);
    raw.close();
    root.close();
    await reopen();
    // The fuzzed frames may have changed users and ACLs (a super user sent them): the stores must still load.
    const after = await servers.client(s.url, { auth: { token: await token("admin") } });
    expect(Array.isArray(await after.admin.describeUsers())).toBe(true);
    expect(Array.isArray(await after.admin.describeAcls())).toBe(true);
    expect((await after.producer().send({ topic: "carol-orders", value: "z" })).offset).toBeGreaterThan(0n);
  }, 120_000);
});
