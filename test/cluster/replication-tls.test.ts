// The replication listener over TLS on a real cluster: brokers started with a certificate (--tls-cert,
// --tls-key; the Kafka listener left plain here) listen for replication with TLS and say so in their etcd
// registration; followers connect with TLS and replicate (full ISR, every acknowledged record read back);
// a plain TCP client gets no answer; a TLS client holding the cluster secret is served. A broker with the
// same certificate and --replication-plaintext listens plain (still authenticated) and replicates too.

import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { ReplicaClient } from "../../src/cluster/replica-transport.js";
import { createTestCa, opensslAvailable, type TestCa } from "../helpers/certs.js";
import { ClusterBroker, clusterFixture, etcdGet, partitionState, readValues, replicationCredentials, until } from "./harness.js";

let ca: TestCa | undefined;
const fixture = clusterFixture({
  broker: () => {
    ca ??= createTestCa();
    const { cert, key } = ca.server("broker");
    return { extra: ["--tls-cert", cert, "--tls-key", key, "--tls-listeners", "ws"] };
  },
});
const { brokers } = fixture;

const kafka = () => new Kafka({ clientId: "repltls", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });

describe.skipIf(!opensslAvailable)("replication over TLS", () => {
  it("replicates over TLS, refuses plain TCP, serves a TLS peer holding the secret", async () => {
    const registrations = await etcdGet(fixture.etcd, "/rivulet/brokers/");
    const info = (id: number) => JSON.parse(registrations[`/rivulet/brokers/${id}`]!) as { replicationPort: number; replicationTls?: boolean };
    for (const b of brokers) expect(info(b.id).replicationTls, `broker ${b.id} registration`).toBe(true);

    const topic = "tls-topic";
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] });
    await admin.disconnect();
    const producer = kafka().producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 50 }, (_, i) => ({ value: `v${i}` })) });
    await producer.disconnect();
    const { leader } = await until("a full ISR", async () => {
      const s = await partitionState(fixture.etcd, topic, 0);
      return s && s.isr.length === 3 ? s : undefined;
    }, 30_000);
    expect(new Set(await readValues(kafka(), topic, 50)).size).toBe(50);

    const credentials = await replicationCredentials(fixture.etcd);
    const plain = new ReplicaClient("127.0.0.1", info(leader).replicationPort, leader, credentials, false);
    const overTls = new ReplicaClient("127.0.0.1", info(leader).replicationPort, leader, credentials, true);
    try {
      await expect(plain.request({ type: "hw", topic, partition: 0 }, 2000)).rejects.toThrow();
      expect((await overTls.request({ type: "hw", topic, partition: 0 }, 5000)).header.highWatermark).toBe(50n);
    } finally {
      plain.close();
      overTls.close();
    }
  }, 90_000);

  it("--replication-plaintext keeps the replication listener plain TCP, still authenticated", async () => {
    const { cert, key: keyFile } = ca!.server("b4");
    const b4 = await ClusterBroker.start(4, fixture.etcd, { extra: ["--tls-cert", cert, "--tls-key", keyFile, "--tls-listeners", "ws", "--replication-plaintext"] });
    brokers.push(b4);
    const key = "/rivulet/brokers/4";
    const info = JSON.parse((await etcdGet(fixture.etcd, key))[key]!) as { replicationPort: number; replicationTls?: boolean };
    expect(info.replicationTls).toBeUndefined();
    const plain = new ReplicaClient("127.0.0.1", info.replicationPort, 4, await replicationCredentials(fixture.etcd), false);
    try {
      expect((await plain.request({ type: "hw", topic: "tls-topic", partition: 0 }, 5000)).header.error).toBe("NOT_LEADER_OR_FOLLOWER");
    } finally {
      plain.close();
    }
    // It follows a TLS leader, and a TLS broker follows it.
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "mixed", numPartitions: 4, replicationFactor: 4 }] });
    await admin.disconnect();
    await until("full ISRs on every partition of mixed", async () => {
      for (let p = 0; p < 4; p++) if ((await partitionState(fixture.etcd, "mixed", p))?.isr.length !== 4) return false;
      return true;
    }, 30_000);
  }, 90_000);
});
