// SASL on the Kafka listener with real clients (SASL_PLAINTEXT: TLS is the lead's part of issue 13):
// kcat and confluent-kafka (librdkafka), kafka-python and kafkajs with SCRAM-SHA-256/512 and PLAIN;
// OAUTHBEARER (JWT) with kafkajs and librdkafka; wrong passwords, forged/expired/foreign-audience tokens,
// requests before authentication, the failure delay and the /metrics counter.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel, type SASLOptions } from "kafkajs";
import { connect as tcpConnect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafkaServers, PYTHON, run, type KafkaTestServer } from "../kafka/helpers.js";
import { ApiKey, encodeRequestFrame } from "../../src/protocol/kafka/index.js";
import { makeKeys, sign, unsignedToken, type TestKeys } from "./keys.js";

const servers = kafkaServers();
const keyDir = mkdtempSync(join(tmpdir(), "rivulet-sasl-keys-"));
afterAll(() => rmSync(keyDir, { recursive: true, force: true }));
let keys: TestKeys;
let s: KafkaTestServer;
const CLIENT = new URL("./clients/sasl_client.py", import.meta.url).pathname;

beforeAll(async () => {
  keys = makeKeys(keyDir);
  s = await servers.start({
    kafka: { autoCreateTopics: true },
    security: { requireAuthentication: true, jwt: { keyFile: keys.files.rsaPem, audience: "rivulet" }, failedAuthenticationDelayMs: 100 },
  });
  await s.server.security.users.setPassword("alice", "alice-pw", ["SCRAM-SHA-256", "SCRAM-SHA-512"]);
});

function kafkajs(sasl: SASLOptions) {
  return new Kafka({ brokers: [s.bootstrap], clientId: "kafkajs-sasl", logLevel: logLevel.NOTHING, sasl, retry: { retries: 0 }, connectionTimeout: 3000, authenticationTimeout: 5000 });
}

async function roundTrip(kafka: Kafka, topic: string): Promise<string[]> {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  await producer.send({ topic, messages: [{ value: `v-${topic}` }] });
  await producer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  return offsets.map((o) => o.high);
}

const kcatArgs = (mechanism: string, user: string, password: string) => ["-b", s.bootstrap, "-X", "security.protocol=SASL_PLAINTEXT", "-X", `sasl.mechanisms=${mechanism}`, "-X", `sasl.username=${user}`, "-X", `sasl.password=${password}`, "-m", "5"];

describe("Kafka SASL", () => {
  for (const mechanism of ["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"]) {
    it(`kcat ${mechanism}: produces and consumes; a wrong password is refused`, async () => {
      const topic = `kcat-${mechanism.toLowerCase()}`;
      const produced = await run("kcat", [...kcatArgs(mechanism, "alice", "alice-pw"), "-P", "-t", topic], { input: "hello\n" });
      expect(produced.code, produced.stderr).toBe(0);
      const consumed = await run("kcat", [...kcatArgs(mechanism, "alice", "alice-pw"), "-C", "-t", topic, "-o", "beginning", "-c", "1", "-e"]);
      expect(consumed.stdout.trim()).toBe("hello");
      const refused = await run("kcat", [...kcatArgs(mechanism, "alice", "nope"), "-L"], { timeoutMs: 15_000 });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/SASL authentication error|Authentication failed/);
    });
  }

  it("kcat without SASL is disconnected before any other request, and failures are counted", async () => {
    const refused = await run("kcat", ["-b", s.bootstrap, "-L", "-m", "3"], { timeoutMs: 15_000 });
    expect(refused.code).not.toBe(0);
    expect(s.logger.entries.some((e) => /authentication required/.test(e.msg))).toBe(true);
    const metrics = await (await fetch(`http://127.0.0.1:${s.server.port}/metrics`)).text();
    expect(metrics).toMatch(/rivulet_auth_failures_total\{frontend="kafka",mechanism="SCRAM-SHA-256"\} [1-9]/);
    expect(metrics).toMatch(/rivulet_auth_successes_total\{frontend="kafka",mechanism="PLAIN"\} [1-9]/);
  });

  it("a raw Metadata request before SASL closes the connection (as Kafka does)", async () => {
    const socket = tcpConnect(s.kafkaPort, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    let bytes = 0;
    socket.on("data", (d) => (bytes += d.length));
    const closed = new Promise((r) => socket.once("close", r));
    socket.write(Buffer.concat(encodeRequestFrame(ApiKey.Metadata, 1, 1, "raw", { topics: null, allowAutoTopicCreation: false })));
    await closed;
    expect(bytes).toBe(0);
  });

  for (const mechanism of ["scram-sha-256", "scram-sha-512", "plain"] as const) {
    it(`kafkajs ${mechanism}`, async () => {
      expect(await roundTrip(kafkajs({ mechanism, username: "alice", password: "alice-pw" } as SASLOptions), `kj-${mechanism}`)).toEqual(["1"]);
      const started = Date.now();
      await expect(roundTrip(kafkajs({ mechanism, username: "alice", password: "bad" } as SASLOptions), `kj-${mechanism}`)).rejects.toThrow(/SASL|authentication/i);
      expect(Date.now() - started).toBeGreaterThanOrEqual(90); // connection.failed.authentication.delay.ms
    });
  }

  it("kafkajs OAUTHBEARER: a valid JWT works; expired, forged, unsigned and foreign-audience tokens fail", async () => {
    const token = await sign(keys, "RS256", { sub: "svc-orders", aud: "rivulet" }, { expiresInSec: 3600 });
    expect(await roundTrip(kafkajs({ mechanism: "oauthbearer", oauthBearerProvider: async () => ({ value: token }) }), "kj-oauth")).toEqual(["1"]);
    const bad = [
      await sign(keys, "RS256", { sub: "svc", aud: "rivulet" }, { expiresInSec: -60 }),
      await sign(keys, "RS256", { sub: "svc", aud: "another-service" }, { expiresInSec: 3600 }),
      await sign(keys, "ES256", { sub: "svc", aud: "rivulet" }, { expiresInSec: 3600 }),
      unsignedToken({ sub: "admin", aud: "rivulet", exp: Math.floor(Date.now() / 1000) + 3600 }),
    ];
    for (const value of bad) {
      // The broker answers a bad token with RFC 7628's error challenge; kafkajs ignores it and sends its
      // next request, which closes the connection (as Kafka does): a closed connection, not a SASL error.
      await expect(roundTrip(kafkajs({ mechanism: "oauthbearer", oauthBearerProvider: async () => ({ value }) }), "kj-oauth")).rejects.toThrow(/SASL|authentication|Closed connection/i);
    }
  });

  it("kafka-python SCRAM-SHA-256 and PLAIN", async () => {
    for (const mechanism of ["SCRAM-SHA-256", "PLAIN"]) {
      const r = await run(PYTHON, [CLIENT, "kafka-python", s.bootstrap, `kp-${mechanism.toLowerCase()}`, mechanism, "alice", "alice-pw"], { timeoutMs: 60_000 });
      expect(r.stdout, r.stderr).toMatch(/^OK /);
    }
    const wrong = await run(PYTHON, [CLIENT, "kafka-python", s.bootstrap, "kp-wrong", "SCRAM-SHA-256", "alice", "wrong"], { timeoutMs: 60_000 });
    expect(wrong.stdout).toMatch(/^ERR /);
  });

  it("confluent-kafka SCRAM-SHA-512 and OAUTHBEARER (oauth_cb)", async () => {
    const scram = await run(PYTHON, [CLIENT, "confluent", s.bootstrap, "ck-scram", "SCRAM-SHA-512", "alice", "alice-pw"], { timeoutMs: 60_000 });
    expect(scram.stdout, scram.stderr).toMatch(/^OK /);
    const token = await sign(keys, "RS256", { sub: "svc-python", aud: "rivulet" }, { expiresInSec: 3600 });
    const oauth = await run(PYTHON, [CLIENT, "confluent", s.bootstrap, "ck-oauth", "OAUTHBEARER", "", token], { timeoutMs: 60_000 });
    expect(oauth.stdout, oauth.stderr).toMatch(/^OK /);
  });
});
