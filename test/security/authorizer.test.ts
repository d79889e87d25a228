// Kafka's ACL semantics: deny wins, LITERAL / wildcard / PREFIXED patterns, implied DESCRIBE, host matching,
// super users, allow.everyone.if.no.acl.found, authorizeAny; and the store's durability and filters.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AclAuthorizer, AclStore, CLUSTER_NAME, Operation as Op, PatternType, Permission, ResourceType as RT, userPrincipal, type AclBinding } from "../../src/security/index.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function store(bindings: Partial<AclBinding>[] = []): AclStore {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-acl-"));
  dirs.push(dir);
  const s = AclStore.open(dir);
  s.add(bindings.map((b) => ({ resourceType: RT.TOPIC, resourceName: "orders", patternType: PatternType.LITERAL, principal: "User:alice", host: "*", operation: Op.READ, permission: Permission.ALLOW, ...b })));
  return s;
}
const alice = userPrincipal("alice");
const bob = userPrincipal("bob");

describe("AclAuthorizer", () => {
  it("allows what an ALLOW grants and nothing else; no ACL at all means deny by default", () => {
    const a = new AclAuthorizer(store([{}]));
    expect(a.authorize(alice, "1.2.3.4", Op.READ, RT.TOPIC, "orders")).toBe(true);
    expect(a.authorize(alice, "1.2.3.4", Op.WRITE, RT.TOPIC, "orders")).toBe(false);
    expect(a.authorize(bob, "1.2.3.4", Op.READ, RT.TOPIC, "orders")).toBe(false);
    expect(a.authorize(alice, "1.2.3.4", Op.READ, RT.TOPIC, "payments")).toBe(false);
    expect(a.authorize(alice, "1.2.3.4", Op.READ, RT.GROUP, "orders")).toBe(false);
  });

  it("READ, WRITE, DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS; ALL grants all", () => {
    const a = new AclAuthorizer(store([{ operation: Op.WRITE }, { resourceName: "cfg", operation: Op.ALTER_CONFIGS }, { resourceName: "any", operation: Op.ALL }]));
    expect(a.authorize(alice, "h", Op.DESCRIBE, RT.TOPIC, "orders")).toBe(true);
    expect(a.authorize(alice, "h", Op.DESCRIBE_CONFIGS, RT.TOPIC, "cfg")).toBe(true);
    expect(a.authorize(alice, "h", Op.DESCRIBE, RT.TOPIC, "cfg")).toBe(false);
    for (const op of [Op.READ, Op.WRITE, Op.DELETE, Op.CREATE, Op.DESCRIBE]) expect(a.authorize(alice, "h", op, RT.TOPIC, "any")).toBe(true);
  });

  it("DENY wins over any ALLOW, including a wildcard principal and a prefixed allow", () => {
    const a = new AclAuthorizer(store([{ patternType: PatternType.PREFIXED, resourceName: "ord", principal: "User:*", operation: Op.ALL }, { permission: Permission.DENY, operation: Op.READ }]));
    expect(a.authorize(alice, "h", Op.READ, RT.TOPIC, "orders")).toBe(false);
    expect(a.authorize(alice, "h", Op.WRITE, RT.TOPIC, "orders")).toBe(true);
    expect(a.authorize(bob, "h", Op.READ, RT.TOPIC, "orders")).toBe(true);
    expect(a.authorize(bob, "h", Op.READ, RT.TOPIC, "ordinal")).toBe(true);
    expect(a.authorize(bob, "h", Op.READ, RT.TOPIC, "or")).toBe(false);
    const denyAll = new AclAuthorizer(store([{ operation: Op.ALL }, { permission: Permission.DENY, operation: Op.ALL, resourceName: "*" }]));
    expect(denyAll.authorize(alice, "h", Op.READ, RT.TOPIC, "orders")).toBe(false);
  });

  it("matches hosts exactly or by '*'", () => {
    const a = new AclAuthorizer(store([{ host: "10.0.0.1" }]));
    expect(a.authorize(alice, "10.0.0.1", Op.READ, RT.TOPIC, "orders")).toBe(true);
    expect(a.authorize(alice, "10.0.0.2", Op.READ, RT.TOPIC, "orders")).toBe(false);
  });

  it("super users bypass ACLs; allow.everyone.if.no.acl.found opens only unmentioned resources", () => {
    const s = store([{ permission: Permission.DENY, principal: "User:admin" }]);
    expect(new AclAuthorizer(s, { superUsers: ["User:admin"] }).authorize(userPrincipal("admin"), "h", Op.READ, RT.TOPIC, "orders")).toBe(true);
    const open = new AclAuthorizer(s, { allowEveryoneIfNoAclFound: true });
    expect(open.authorize(bob, "h", Op.READ, RT.TOPIC, "unmentioned")).toBe(true);
    expect(open.authorize(bob, "h", Op.READ, RT.TOPIC, "orders")).toBe(false);
  });

  it("authorizeAny: WRITE on some topic, unless a covering DENY", () => {
    expect(new AclAuthorizer(store([{ operation: Op.WRITE }])).authorizeAny(alice, "h", Op.WRITE, RT.TOPIC)).toBe(true);
    expect(new AclAuthorizer(store([{ operation: Op.WRITE }])).authorizeAny(bob, "h", Op.WRITE, RT.TOPIC)).toBe(false);
    expect(new AclAuthorizer(store([{ operation: Op.WRITE }, { operation: Op.WRITE, permission: Permission.DENY, patternType: PatternType.PREFIXED, resourceName: "ord" }])).authorizeAny(alice, "h", Op.WRITE, RT.TOPIC)).toBe(false);
  });
});

describe("AclStore", () => {
  it("persists atomically, ignores duplicates, refuses invalid bindings, and filters like Kafka (MATCH included)", () => {
    const s = store([{}, { patternType: PatternType.PREFIXED, resourceName: "ord" }, { resourceName: "*" }]);
    s.add([{ resourceType: RT.TOPIC, resourceName: "orders", patternType: PatternType.LITERAL, principal: "User:alice", host: "*", operation: Op.READ, permission: Permission.ALLOW }]);
    const reopened = AclStore.open(join(s.path, "..", ".."));
    expect(reopened.all()).toHaveLength(3);
    const any = { resourceType: RT.ANY, resourceName: null, patternType: PatternType.ANY, principal: null, host: null, operation: Op.ANY, permission: Permission.ANY };
    expect(reopened.describe({ ...any, resourceType: RT.TOPIC, resourceName: "orders", patternType: PatternType.MATCH })).toHaveLength(3);
    expect(reopened.describe({ ...any, resourceName: "orders", patternType: PatternType.LITERAL })).toHaveLength(1);
    expect(() => reopened.add([{ resourceType: RT.CLUSTER, resourceName: "other", patternType: PatternType.LITERAL, principal: "User:a", host: "*", operation: Op.ALTER, permission: Permission.ALLOW }])).toThrow(/kafka-cluster/);
    expect(() => reopened.add([{ resourceType: RT.TOPIC, resourceName: "x", patternType: PatternType.MATCH, principal: "User:a", host: "*", operation: Op.READ, permission: Permission.ALLOW }])).toThrow();
    expect(() => reopened.add([{ resourceType: RT.TOPIC, resourceName: "x", patternType: PatternType.LITERAL, principal: "alice", host: "*", operation: Op.READ, permission: Permission.ALLOW }])).toThrow(/User:/);
    const removed = reopened.delete([{ ...any, patternType: PatternType.PREFIXED }]);
    expect(removed[0]).toHaveLength(1);
    expect(AclStore.open(join(s.path, "..", "..")).all()).toHaveLength(2);
    expect(CLUSTER_NAME).toBe("kafka-cluster");
  });
});
