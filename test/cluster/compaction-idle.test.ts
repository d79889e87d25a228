// An idle compacted partition is still cleaned after a restart in cluster mode: the shard learns the high
// watermark from the replica manager's periodic push (src/cluster/committed-push.ts), not only from
// produce or replicated appends, which an idle partition never gets. (Compaction stays below the high
// watermark: compaction-hw.test.ts.) One broker, etcd, a restart with no client traffic at all.

import { describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { ClusterBroker, clusterFixture, freePort, partitionState, until } from "./harness.js";

// The first life never cleans (a cleaner pass every 10 minutes), so the segments are dirty at the restart.
const fixture = clusterFixture({ ids: [1], broker: { rf: 1, extra: ["--log-cleaner-backoff-ms", "600000", "--min-segment-bytes", "1024"] } });

describe("compaction in a cluster after a restart", () => {
  it("cleans an idle partition's dirty segments without any new write", async () => {
    const topic = "compact-idle";
    const first = fixture.broker(1);
    const kafka = new Kafka({ clientId: "compaction-idle", brokers: [first.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: "cleanup.policy", value: "compact" }, { name: "segment.bytes", value: "1024" }] }] });
    await admin.disconnect();
    await until("a leader", async () => ((await partitionState(fixture.etcd, topic, 0))?.leader ?? -1) > 0);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    for (let round = 0; round < 6; round++) {
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 5 }, (_, k) => ({ key: `k${k}`, value: `${round}-${"v".repeat(200)}` })) });
    }
    await producer.disconnect();
    expect(first.proc.out).not.toContain("compaction rewrote segments");
    await first.kill("SIGKILL");

    // The same broker and data dir, now cleaning every 300 ms; nobody writes to it.
    const again = new ClusterBroker(1, fixture.etcd, await freePort(), await freePort(), { rf: 1, dataDir: first.dataDir, extra: ["--log-cleaner-backoff-ms", "300", "--min-segment-bytes", "1024"] });
    fixture.brokers.push(again);
    await again.start();
    await until("the idle partition compacted", () => again.proc.out.includes("compaction rewrote segments"), 20_000);
  }, 90_000);
});
