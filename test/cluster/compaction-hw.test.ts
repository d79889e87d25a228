// Compaction in a cluster stays below the high watermark (etcd and three broker processes). A record the
// in-sync replicas do not have yet may still be cut by a truncation after a failover, so it must not be
// what compaction uses to remove the committed record of the same key: otherwise the old leader, once it
// has truncated its uncommitted tail, holds neither value of that key and, elected, serves the key as
// never written.
//
// Here: key "k" committed on all three replicas; both followers frozen (SIGSTOP, still in the ISR: the lag
// limit is long, their etcd leases outlive the freeze); a newer "k" and enough filler with acks=1 to close the segments on the leader, which
// cleans every 300 ms; the leader killed -9, the followers resumed and one elected; the old leader
// restarted (it truncates the tail nobody else has) and, once back in the ISR, left the only live replica.
// Reading it must give "k" = the committed value.

import { describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { connect } from "../../src/client/index.js";
import { clusterFixture, partitionState, sleep, until } from "./harness.js";

const fixture = clusterFixture({ broker: { extra: ["--log-cleaner-backoff-ms", "300", "--replica-lag-time-max-ms", "60000", "--min-segment-bytes", "1024", "--lease-ttl", "5"] } });
const { brokers } = fixture;

const kafka = (list = brokers.filter((b) => b.proc.alive())) =>
  new Kafka({ clientId: "compaction-hw", brokers: list.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 500 } });

async function produce(topic: string, acks: 1 | -1, messages: Array<{ key: string; value: string }>, list = brokers.filter((b) => b.proc.alive())): Promise<void> {
  const producer = kafka(list).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (const m of messages) await producer.send({ topic, acks, messages: [m] });
  } finally {
    await producer.disconnect();
  }
}

describe("compaction in a cluster", () => {
  it("never lets a record above the high watermark remove a committed one", async () => {
    const topic = "compact-hw";
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: "cleanup.policy", value: "compact" }, { name: "segment.bytes", value: "1024" }] }],
    });
    await admin.disconnect();
    const placed = await until("a full ISR", async () => {
      const state = await partitionState(fixture.etcd, topic, 0);
      return state && state.leader > 0 && state.isr.length === 3 && state;
    });
    const leader = fixture.broker(placed.leader);
    const followers = brokers.filter((b) => b.id !== leader.id);
    // The committed value, then filler so its segment closes, all on every replica.
    await produce(topic, -1, [{ key: "k", value: "committed" }, ...Array.from({ length: 12 }, (_, i) => ({ key: `a${i}`, value: "x".repeat(200) }))]);

    for (const f of followers) f.proc.child.kill("SIGSTOP");
    try {
      // On the leader only: a newer "k", and filler that closes its segment too.
      // (Through the leader alone: a frozen broker accepts connections and never answers.) A frozen
      // follower's fetch may be parked on the leader: the first record answers it, so the follower finds
      // that one in its socket when it thaws. The records that matter come after, when none is parked.
      await produce(topic, 1, [{ key: "z", value: "absorbs the parked fetches" }], [leader]);
      await sleep(300);
      await produce(topic, 1, [{ key: "k", value: "uncommitted" }, ...Array.from({ length: 12 }, (_, i) => ({ key: `b${i}`, value: "y".repeat(200) }))], [leader]);
      await sleep(1000); // several cleaner passes on the leader (the followers' leases outlive the freeze)
      await leader.kill("SIGKILL");
    } finally {
      for (const f of followers) f.proc.child.kill("SIGCONT");
    }
    await until("a follower elected", async () => {
      const state = await partitionState(fixture.etcd, topic, 0);
      return state && followers.some((f) => f.id === state.leader);
    }, 30_000);

    await leader.start();
    await until(`broker ${leader.id} back in the ISR`, async () => (await partitionState(fixture.etcd, topic, 0))?.isr.includes(leader.id), 30_000);
    await sleep(1000); // let its cleaner run over what it holds now
    for (const f of followers) await f.kill("SIGKILL");
    await until(`broker ${leader.id} leads again`, async () => (await partitionState(fixture.etcd, topic, 0))?.leader === leader.id, 30_000);

    // Every record the old leader serves now, key -> latest value (a plain reader, no group).
    const client = await connect({ url: `${leader.wsUrl}/ws` });
    const latest = new Map<string, string>();
    try {
      const [meta] = await client.admin.metadata([topic]);
      const end = meta!.partitions[0]!.logEndOffset;
      const reader = client.consumer({ topic, from: "earliest" });
      for await (const record of reader as AsyncIterable<{ offset: bigint; key: Uint8Array | null; value: Uint8Array | null }>) {
        latest.set(new TextDecoder().decode(record.key ?? new Uint8Array()), new TextDecoder().decode(record.value ?? new Uint8Array()));
        if (record.offset >= end - 1n) break;
      }
    } finally {
      client.close();
    }
    expect(latest.get("k"), `keys read: ${[...latest.keys()].join(",")}`).toBe("committed");
    expect(latest.has("b0")).toBe(false); // the uncommitted tail is gone
    for (const f of followers) await f.start();
  }, 180_000);
});
