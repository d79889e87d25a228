// An independent implementation of the flexible encodings: @platformatic/kafka (dev dependency) authenticates
// with SCRAM-SHA-512 and manages ACLs through CreateAcls/DescribeAcls/DeleteAcls v3 against the broker, and
// its AlterUserScramCredentials / DescribeUserScramCredentials v0 codecs are checked against ours both ways.

import { Admin, alterUserScramCredentialsV0, describeUserScramCredentialsV0, Reader as PReader } from "@platformatic/kafka";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alterUserScramCredentials, describeUserScramCredentials, Reader, Writer } from "../../src/protocol/kafka/index.js";
import { kafkaServers, type KafkaTestServer } from "../kafka/helpers.js";

const servers = kafkaServers();
let s: KafkaTestServer;
let admin: Admin;

beforeAll(async () => {
  s = await servers.start({ security: { requireAuthentication: true, authorizer: "acl", superUsers: ["User:root"] } });
  await s.server.security.users.setPassword("root", "root-pw", ["SCRAM-SHA-512"]);
  admin = new Admin({ clientId: "platformatic", bootstrapBrokers: [s.bootstrap], sasl: { mechanism: "SCRAM-SHA-512", username: "root", password: "root-pw" }, retries: 0 } as never);
});
afterAll(async () => {
  await admin?.close().catch(() => {});
});

describe("@platformatic/kafka against the security APIs", () => {
  it("creates, describes and deletes ACLs over the flexible v3 encodings, after SCRAM-SHA-512", async () => {
    const acl = { resourceType: 2, resourceName: "pf-", resourcePatternType: 4, principal: "User:pf", host: "*", operation: 3, permissionType: 3 } as const;
    await admin.createAcls({ creations: [acl, { ...acl, operation: 4 }] } as never);
    expect(s.server.security.acls.all()).toHaveLength(2);
    const described = await admin.describeAcls({ filter: { resourceType: 1, resourceName: null, resourcePatternType: 1, principal: "User:pf", host: null, operation: 1, permissionType: 1 } } as never);
    expect(described).toEqual([expect.objectContaining({ resourceName: "pf-", resourcePatternType: 4, acls: expect.arrayContaining([expect.objectContaining({ operation: 3 }), expect.objectContaining({ operation: 4 })]) })]);
    const deleted = await admin.deleteAcls({ filters: [{ resourceType: 2, resourceName: "pf-", resourcePatternType: 4, principal: null, host: null, operation: 4, permissionType: 1 }] } as never);
    expect(deleted).toHaveLength(1);
    expect(s.server.security.acls.all()).toHaveLength(1);
  });

  it("their SCRAM admin requests decode with our codecs, our responses parse with theirs", () => {
    const salt = Buffer.from("salty");
    const salted = Buffer.alloc(32, 9);
    const theirs = alterUserScramCredentialsV0.createRequest([{ name: "old", mechanism: 2 }], [{ name: "alice", mechanism: 1, iterations: 4096, salt, saltedPassword: salted }]);
    const decoded = alterUserScramCredentials.decodeRequest(new Reader(new Uint8Array(theirs.buffer)), 0);
    expect(decoded).toEqual({ deletions: [{ name: "old", mechanism: 2 }], upsertions: [{ name: "alice", mechanism: 1, iterations: 4096, salt: new Uint8Array(salt), saltedPassword: new Uint8Array(salted) }] });
    const w = new Writer();
    alterUserScramCredentials.encodeResponse(w, 0, { throttleTimeMs: 0, results: [{ user: "alice", errorCode: 0, errorMessage: null }] });
    expect(alterUserScramCredentialsV0.parseResponse(1, 51, 0, PReader.from(Buffer.from(w.toBytes())))).toEqual({ throttleTimeMs: 0, results: [{ user: "alice", errorCode: 0, errorMessage: null }] });
    const req = describeUserScramCredentialsV0.createRequest([{ name: "alice" }] as never);
    expect(describeUserScramCredentials.decodeRequest(new Reader(new Uint8Array(req.buffer)), 0)).toEqual({ users: ["alice"] });
    const dw = new Writer();
    describeUserScramCredentials.encodeResponse(dw, 0, { throttleTimeMs: 0, errorCode: 0, errorMessage: null, results: [{ user: "alice", errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 4096 }] }] });
    const parsed = describeUserScramCredentialsV0.parseResponse(1, 50, 0, PReader.from(Buffer.from(dw.toBytes())));
    expect(parsed.results[0]).toMatchObject({ user: "alice", credentialInfos: [{ mechanism: 1, iterations: 4096 }] });
  });
});
