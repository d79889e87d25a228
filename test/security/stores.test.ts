// The security stores under failure: a crash mid-write leaves the previous file (the temporary file is
// ignored), and a corrupt or hand-broken file stops the broker from starting rather than running open
// (fail closed), on both the user and the ACL store.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AclStore, Operation, PatternType, Permission, ResourceType, UserStore } from "../../src/security/index.js";
import { startServer } from "../../src/server.js";
import { KafkaErrors, StorageError, toKafkaCode } from "../../src/errors/index.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "rivulet-stores-"));
  dirs.push(d);
  return d;
};
const binding = { resourceType: ResourceType.TOPIC, resourceName: "t", patternType: PatternType.LITERAL, principal: "User:a", host: "*", operation: Operation.READ, permission: Permission.ALLOW } as const;

describe("security stores", () => {
  it("a write interrupted before its rename leaves the previous content", async () => {
    const dir = temp();
    const users = UserStore.open(dir);
    await users.setPassword("alice", "pw", ["SCRAM-SHA-256"]);
    const before = readFileSync(users.path, "utf8");
    // What a crash between write and rename leaves behind: a half-written temporary file.
    writeFileSync(`${users.path}.tmp`, before.slice(0, 20));
    expect(UserStore.open(dir).list().map((u) => u.name)).toEqual(["alice"]);
    const acls = AclStore.open(dir);
    acls.add([binding]);
    writeFileSync(`${acls.path}.tmp`, "{");
    expect(AclStore.open(dir).all()).toHaveLength(1);
  });

  it("the users and ACL files are readable by the broker's user only (0600): they hold credentials", async () => {
    const dir = temp();
    const users = UserStore.open(dir);
    await users.setPassword("alice", "pw", ["SCRAM-SHA-256"]);
    const acls = AclStore.open(dir);
    acls.add([binding]);
    expect(statSync(users.path).mode & 0o777).toBe(0o600);
    expect(statSync(acls.path).mode & 0o777).toBe(0o600);
  });

  it("a corrupt users or ACL file stops the broker from starting (fail closed)", async () => {
    for (const [file, content] of [["users.json", "{ not json"], ["acls.json", '{"version":1,"acls":[{"resourceType":2,"resourceName":"t","patternType":9,"principal":"User:a","host":"*","operation":3,"permission":3}]}'], ["acls.json", '{"version":7,"acls":[]}']] as const) {
      const dir = temp();
      AclStore.open(dir).add([binding]); // creates security/
      writeFileSync(join(dir, "security", file), content);
      if (file === "acls.json") expect(() => AclStore.open(dir)).toThrow();
      await expect(startServer({ dataDir: dir, port: 0, kafkaPort: 0, shards: 1, host: "127.0.0.1", logLevel: "error" })).rejects.toThrow();
      // The data directory is released: a fixed file lets the broker start.
      writeFileSync(join(dir, "security", file), file === "users.json" ? '{"version":1,"users":{}}' : '{"version":1,"acls":[]}');
      const server = await startServer({ dataDir: dir, port: 0, kafkaPort: 0, shards: 1, host: "127.0.0.1", logLevel: "error" });
      await server.close();
    }
  });
});

describe("security stores when the disk refuses a write", () => {
  // Running as root, permissions cannot make a write fail; a directory where the file goes makes the
  // rename fail (EISDIR) on every machine, which is the same path as a full disk or no descriptor left.
  const blockFile = (path: string) => {
    rmSync(path, { force: true });
    mkdirSync(join(path, "blocker"), { recursive: true });
  };
  const unblockFile = (path: string) => rmSync(path, { recursive: true, force: true });

  it("an ACL change the file did not take is a typed, retriable error and does not apply", () => {
    const dir = temp();
    const acls = AclStore.open(dir);
    acls.add([binding]);
    blockFile(acls.path);
    const other = { ...binding, resourceName: "u" };
    const error = (() => {
      try {
        acls.add([other]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(StorageError);
    expect(toKafkaCode(error)).toBe(KafkaErrors.KAFKA_STORAGE_ERROR.code);
    expect(acls.all().map((b) => b.resourceName)).toEqual(["t"]);
    expect(() => acls.delete([{ ...binding, resourceName: "t" }])).toThrow(StorageError);
    expect(acls.all().map((b) => b.resourceName)).toEqual(["t"]);
    expect(readdirSync(join(dir, "security")).filter((f) => f.endsWith(".tmp")), "no temporary file left behind").toEqual([]);
    unblockFile(acls.path);
    acls.add([other]);
    expect(AclStore.open(dir).all().map((b) => b.resourceName)).toEqual(["t", "u"]);
  });

  it("a user change the file did not take is a typed error and does not apply", async () => {
    const dir = temp();
    const users = UserStore.open(dir);
    await users.setPassword("alice", "pw", ["SCRAM-SHA-256"]);
    blockFile(users.path);
    await expect(users.setPassword("bob", "pw", ["SCRAM-SHA-256"])).rejects.toThrow(StorageError);
    expect(() => users.delete("alice")).toThrow(StorageError);
    expect(users.list().map((u) => u.name), "bob not added, alice not removed").toEqual(["alice"]);
    expect(users.get("alice", "SCRAM-SHA-256")).toBeDefined();
    unblockFile(users.path);
    await users.setPassword("bob", "pw", ["SCRAM-SHA-256"]);
    expect(UserStore.open(dir).list().map((u) => u.name)).toEqual(["alice", "bob"]);
  });
});
