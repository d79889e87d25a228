// `rivulet users` and `rivulet acls` (the built CLI, dist/): on a stopped broker's data directory, refused
// while a broker holds it, and live through --bootstrap (AlterUserScramCredentials, CreateAcls, ...).

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { children, eventually, kafkaServers, run } from "../kafka/helpers.js";
import { KafkaAdminConnection } from "../../src/cli/kafka-admin.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";

const CLI = new URL("../../dist/cli/main.js", import.meta.url).pathname;
const rivulet = (args: string[], input?: string) => run(process.execPath, [CLI, ...args], { input, env: { RIVULET_USER_PASSWORD: "" } });
const servers = kafkaServers();
const dir = mkdtempSync(join(tmpdir(), "rivulet-cli-sec-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("rivulet users / acls on a stopped broker", () => {
  it("adds (password from stdin), lists, deletes users; the file holds no password", async () => {
    const add = await rivulet(["users", "add", "alice", "--password-stdin", "--data-dir", dir], "wonderland\n");
    expect(add.code, add.stderr).toBe(0);
    expect((await rivulet(["users", "add", "bob", "--password", "builder", "--mechanism", "SCRAM-SHA-512", "--iterations", "8192", "--data-dir", dir])).code).toBe(0);
    const list = await rivulet(["users", "list", "--data-dir", dir]);
    expect(list.stdout).toMatch(/alice\s+SCRAM-SHA-256 \(4096\), SCRAM-SHA-512 \(4096\)/);
    expect(list.stdout).toMatch(/bob\s+SCRAM-SHA-512 \(8192\)/);
    expect(readFileSync(join(dir, "security", "users.json"), "utf8")).not.toMatch(/wonderland|builder/);
    expect((await rivulet(["users", "delete", "bob", "--data-dir", dir])).code).toBe(0);
    expect((await rivulet(["users", "delete", "bob", "--data-dir", dir])).stderr).toMatch(/unknown user/);
    expect((await rivulet(["users", "add", "carol", "--data-dir", dir])).code).toBe(2); // no password given
  });

  it("adds, lists and removes ACLs; refuses a filterless remove and invalid input", async () => {
    const add = await rivulet(["acls", "add", "--allow", "User:alice", "--operation", "read,write", "--topic", "orders-", "--prefixed", "--data-dir", dir]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/ALLOW User:alice from \* READ on TOPIC PREFIXED orders-/);
    expect((await rivulet(["acls", "add", "--deny", "User:*", "--operation", "delete", "--cluster", "--data-dir", dir])).code).toBe(0);
    const list = await rivulet(["acls", "list", "--principal", "User:alice", "--data-dir", dir]);
    expect(list.stdout.trim().split("\n")).toHaveLength(3);
    expect((await rivulet(["acls", "remove", "--data-dir", dir])).code).toBe(2);
    expect((await rivulet(["acls", "add", "--allow", "alice", "--operation", "read", "--topic", "x", "--data-dir", dir])).code).toBe(2);
    expect((await rivulet(["acls", "add", "--allow", "User:a", "--operation", "fly", "--topic", "x", "--data-dir", dir])).code).toBe(2);
    const removed = await rivulet(["acls", "remove", "--principal", "User:alice", "--operation", "write", "--data-dir", dir]);
    expect(removed.stdout).toMatch(/removed: ALLOW User:alice from \* WRITE/);
    expect((await rivulet(["acls", "list", "--data-dir", dir])).stdout.trim().split("\n")).toHaveLength(3);
  });
});

describe("rivulet users / acls against a running broker", () => {
  it("refuses to edit the data directory of a running broker, and works through --bootstrap", async () => {
    const s = await servers.start({ dataDir: dir, security: { requireAuthentication: true, authorizer: "acl", superUsers: ["User:alice"] } });
    expect((await rivulet(["users", "add", "dave", "--password", "x", "--data-dir", dir])).stderr).toMatch(/--bootstrap/);
    const admin = ["--bootstrap", s.bootstrap, "--admin-user", "alice", "--admin-password", "wonderland"];
    const add = await rivulet(["users", "add", "dave", "--password", "dave-pw", ...admin]);
    expect(add.code, add.stderr).toBe(0);
    expect((await rivulet(["users", "list", ...admin])).stdout).toMatch(/dave\s+SCRAM-SHA-256 \(4096\), SCRAM-SHA-512 \(4096\)/);
    // The new user logs in at once (the broker stored what the CLI salted), and needs ACLs to see topics.
    const kafka = new Kafka({ brokers: [s.bootstrap], logLevel: logLevel.NOTHING, sasl: { mechanism: "scram-sha-512", username: "dave", password: "dave-pw" }, retry: { retries: 0 } });
    const daveAdmin = kafka.admin();
    await daveAdmin.connect();
    expect(await daveAdmin.listTopics()).toEqual([]);
    const grant = await rivulet(["acls", "add", "--allow", "User:dave", "--operation", "describe", "--topic", "*", ...admin]);
    expect(grant.code, grant.stderr).toBe(0);
    expect((await rivulet(["acls", "list", "--topic", "*", ...admin])).stdout).toMatch(/User:dave\s+\*\s+ALLOW\s+DESCRIBE\s+TOPIC\s+LITERAL\s+\*/);
    expect(await daveAdmin.listTopics()).toContain("__consumer_offsets");
    await daveAdmin.disconnect();
    expect((await rivulet(["acls", "remove", "--principal", "User:dave", ...admin])).stdout).toMatch(/removed/);
    expect((await rivulet(["users", "delete", "dave", ...admin])).code).toBe(0);
    expect((await rivulet(["users", "list", ...admin])).stdout).not.toMatch(/dave/);
    const wrong = await rivulet(["users", "list", "--bootstrap", s.bootstrap, "--admin-user", "alice", "--admin-password", "nope"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/authentication failed/);
    await s.stop();
  });
});

describe("rivulet serve security flags", () => {
  const procs = children();
  it("--require-auth --authorizer acl --super-users: the admin works through --bootstrap, anonymous is refused", async () => {
    const serve = procs.spawn(process.execPath, [CLI, "serve", "--data-dir", dir, "--host", "127.0.0.1", "--port", "0", "--kafka-port", "0", "--shards", "1", "--require-auth", "--authorizer", "acl", "--super-users", "User:alice", "--auth-failure-delay-ms", "0"]);
    const line = await eventually(() => serve.output().split("\n").find((l) => l.includes("rivulet listening")), 15_000, "the listening line");
    const bootstrap = `127.0.0.1:${JSON.parse(line).kafkaPort}`;
    const listed = await rivulet(["users", "list", "--bootstrap", bootstrap, "--admin-user", "alice", "--admin-password", "wonderland", "--admin-mechanism", "SCRAM-SHA-512"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/alice/);
    const anonymous = await rivulet(["users", "list", "--bootstrap", bootstrap]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/closed the connection/);
    serve.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
  });

  it("users and acls over the WebSocket with --broker (ANONYMOUS a super user here, no profile needed)", async () => {
    const wsDir = mkdtempSync(join(tmpdir(), "rivulet-cli-sec-ws-"));
    const serve = procs.spawn(process.execPath, [CLI, "serve", "--data-dir", wsDir, "--host", "127.0.0.1", "--port", "0", "--kafka-port", "-1", "--shards", "1", "--authorizer", "acl", "--super-users", "User:ANONYMOUS"]);
    const line = await eventually(() => serve.output().split("\n").find((l) => l.includes("rivulet listening")), 15_000, "the listening line");
    const broker = (JSON.parse(line) as { ws: string }).ws;
    const add = await rivulet(["users", "add", "carol", "--password-stdin", "--mechanism", "SCRAM-SHA-512", "--broker", broker], "carol-pw\n");
    expect(add.code, add.stderr).toBe(0);
    const listed = await rivulet(["users", "list", "--broker", broker]);
    expect(listed.stdout).toMatch(/carol\s+SCRAM-SHA-512 \(4096\)/);
    expect((await rivulet(["acls", "add", "--allow", "User:carol", "--operation", "read,write", "--topic", "c-", "--prefixed", "--broker", broker])).code).toBe(0);
    const acls = await rivulet(["acls", "list", "--principal", "User:carol", "--broker", broker]);
    expect(acls.stdout.match(/User:carol/g)).toHaveLength(2);
    const removed = await rivulet(["acls", "remove", "--principal", "User:carol", "--operation", "write", "--broker", broker]);
    expect(removed.stdout).toMatch(/removed: ALLOW User:carol from \* WRITE on TOPIC PREFIXED c-/);
    expect((await rivulet(["users", "delete", "carol", "--broker", broker])).code).toBe(0);
    expect((await rivulet(["users", "list", "--broker", broker])).stdout).not.toMatch(/carol/);
    const both = await rivulet(["users", "list", "--broker", broker, "--bootstrap", "127.0.0.1:1"]);
    expect([both.code, both.stderr]).toEqual([2, expect.stringMatching(/exclusive/)]);
    serve.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
    rmSync(wsDir, { recursive: true, force: true });
  });

  it("--connections-max-reauth-ms bounds the session lifetime SaslAuthenticate reports", async () => {
    const serve = procs.spawn(process.execPath, [CLI, "serve", "--data-dir", dir, "--host", "127.0.0.1", "--port", "0", "--kafka-port", "0", "--shards", "1", "--require-auth", "--connections-max-reauth-ms", "60000"]);
    const line = await eventually(() => serve.output().split("\n").find((l) => l.includes("rivulet listening")), 15_000, "the listening line");
    const wire = await KafkaAdminConnection.open(`127.0.0.1:${JSON.parse(line).kafkaPort}`);
    await wire.request(ApiKey.SaslHandshake, 1, { mechanism: "PLAIN" });
    const r = await wire.request(ApiKey.SaslAuthenticate, 1, { authBytes: Buffer.from("\u0000alice\u0000wonderland") });
    wire.close();
    expect(r.errorCode).toBe(0);
    expect(Number(r.sessionLifetimeMs)).toBeGreaterThan(50_000);
    expect(Number(r.sessionLifetimeMs)).toBeLessThanOrEqual(60_000);
    serve.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
    const bad = await rivulet(["serve", "--data-dir", dir, "--connections-max-reauth-ms", "-1"]);
    expect(bad.code).toBe(2);
  });
});
