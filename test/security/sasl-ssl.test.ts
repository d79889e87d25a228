// SASL over TLS (SASL_SSL) with real clients: kcat and kafkajs with SCRAM-SHA-512 on the TLS Kafka
// listener (certificates made at test time with openssl), and an mTLS client certificate authenticating
// a connection as User:<CN> for the ACLs. Skipped where openssl is missing.
import { rmSync } from "node:fs";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestCa, opensslAvailable, pem, type TestCa } from "../helpers/certs.js";
import { kafkaServers, run, type KafkaTestServer } from "../kafka/helpers.js";
import { Operation, PatternType, Permission, ResourceType } from "../../src/security/index.js";

const servers = kafkaServers();
let ca: TestCa;
let s: KafkaTestServer;
let mtls: KafkaTestServer;
afterAll(() => {
  if (ca) rmSync(ca.dir, { recursive: true, force: true });
});

beforeAll(async () => {
  if (!opensslAvailable) return;
  ca = createTestCa();
  const server = ca.server("broker");
  s = await servers.start({ kafka: { autoCreateTopics: true }, kafkaTls: { certFile: server.cert, keyFile: server.key }, security: { requireAuthentication: true } });
  await s.server.security.users.setPassword("alice", "alice-pw", ["SCRAM-SHA-512"]);
  mtls = await servers.start({ kafkaTls: { certFile: server.cert, keyFile: server.key, caFile: ca.caCert }, security: { requireAuthentication: true, authorizer: "acl" } });
  mtls.server.security.acls.add([{ resourceType: ResourceType.TOPIC, resourceName: "*", patternType: PatternType.LITERAL, principal: "User:svc-cert", host: "*", operation: Operation.DESCRIBE, permission: Permission.ALLOW }]);
}, 60_000);

describe.skipIf(!opensslAvailable)("SASL_SSL", () => {
  it("kcat SCRAM-SHA-512 over TLS produces and consumes; a wrong password is refused", async () => {
    const base = ["-b", s.bootstrap, "-X", "security.protocol=SASL_SSL", "-X", `ssl.ca.location=${ca.caCert}`, "-X", "sasl.mechanisms=SCRAM-SHA-512", "-X", "sasl.username=alice", "-m", "5"];
    const produced = await run("kcat", [...base, "-X", "sasl.password=alice-pw", "-P", "-t", "tls-topic"], { input: "over tls\n" });
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await run("kcat", [...base, "-X", "sasl.password=alice-pw", "-C", "-t", "tls-topic", "-o", "beginning", "-c", "1", "-e"]);
    expect(consumed.stdout.trim()).toBe("over tls");
    const refused = await run("kcat", [...base, "-X", "sasl.password=wrong", "-L"], { timeoutMs: 15_000 });
    expect(refused.code).not.toBe(0);
  });

  it("kafkajs SCRAM-SHA-512 over TLS", async () => {
    const kafka = new Kafka({ brokers: [s.bootstrap], logLevel: logLevel.NOTHING, ssl: { ca: [pem(ca.caCert)], servername: "localhost" }, sasl: { mechanism: "scram-sha-512", username: "alice", password: "alice-pw" }, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.listTopics()).toContain("tls-topic");
    await admin.disconnect();
  });

  it("an mTLS client certificate authenticates as User:<CN> with no SASL", async () => {
    const client = ca.client("svc-cert");
    const kafka = new Kafka({ brokers: [mtls.bootstrap], logLevel: logLevel.NOTHING, ssl: { ca: [pem(ca.caCert)], cert: pem(client.cert), key: pem(client.key), servername: "localhost" }, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    // Authenticated by the certificate (no SASL) and authorized by its ACL: DESCRIBE on every topic.
    expect(await admin.listTopics()).toContain("__consumer_offsets");
    await admin.disconnect();
  });
});
