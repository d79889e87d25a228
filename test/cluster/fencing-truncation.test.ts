// A leader cut off from etcd (SIGSTOP: its lease expires) is replaced; when it wakes it is fenced (it
// no longer accepts produce, its writes carry a stale leader epoch) and its divergent tail — acks=1
// records no follower ever copied — is truncated by leader epoch when it rejoins as a follower.

import { describe, expect, it } from "vitest";
import { Kafka, logLevel, type Producer } from "kafkajs";
import { ClusterBroker, clusterFixture, partitionState, sleep, until } from "./harness.js";

const fixture = clusterFixture({ broker: { minIsr: 2 }, debugLines: 30 });
const { brokers } = fixture;

const kafkaFor = (list: ClusterBroker[]) => new Kafka({ clientId: "t", brokers: list.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 500 } });

async function send(producer: Producer, values: string[], acks: number): Promise<void> {
  for (const value of values) await producer.send({ topic: "fence", acks, messages: [{ value }] });
}

describe("fencing and truncation by leader epoch", () => {
  it("fences a stopped leader and truncates its divergent tail when it returns", async () => {
    const admin = kafkaFor(brokers).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "fence", numPartitions: 1, replicationFactor: 3 }] });
    await admin.disconnect();
    const first = await until("partition state", () => partitionState(fixture.etcd, "fence", 0));
    const old = brokers.find((b) => b.id === first.leader)!;
    const followers = brokers.filter((b) => b !== old);

    const producer = kafkaFor(brokers).producer();
    await producer.connect();
    const committed = Array.from({ length: 10 }, (_, i) => `c${i}`);
    await send(producer, committed, -1);

    // Freeze the followers, append acks=1 records only the leader has, then freeze the leader.
    for (const f of followers) f.proc.child.kill("SIGSTOP");
    const divergent = Array.from({ length: 5 }, (_, i) => `d${i}`);
    await send(producer, divergent, 1);
    old.proc.child.kill("SIGSTOP");
    for (const f of followers) f.proc.child.kill("SIGCONT");
    await producer.disconnect();

    // The followers elect a new leader once the old one's lease expires (TTL 2 s).
    const t0 = Date.now();
    const next = await until("a new leader", async () => {
      const s = await partitionState(fixture.etcd, "fence", 0);
      return s && s.leader !== old.id && s.leader !== -1 ? s : undefined;
    }, 15_000);
    const electedMs = Date.now() - t0;
    expect(next.leaderEpoch).toBeGreaterThan(first.leaderEpoch);
    const after = Array.from({ length: 10 }, (_, i) => `a${i}`);
    const p2 = kafkaFor(followers).producer();
    await p2.connect();
    await send(p2, after, -1);
    await p2.disconnect();

    // Wake the old leader: it must not act as leader (NOT_LEADER_OR_FOLLOWER for produce)...
    old.proc.child.kill("SIGCONT");
    await until("old leader fenced", () => old.proc.out.includes("lease lost") || old.proc.out.includes("truncated divergent tail"), 15_000);
    // ...and, following the new leader, cut the 5 records the others never had, then rejoin the ISR.
    await until("old leader truncated", () => /"msg":"truncated divergent tail","topic":"fence"/.test(old.proc.out), 20_000);
    const line = old.proc.out.split("\n").find((l) => l.includes('"truncated divergent tail","topic":"fence"'))!;
    // A follower's fetch already in flight when it was frozen may carry d0 to it (delivered on SIGCONT), so
    // the new leader's log may hold it: the cut is to where the new leader's log diverges, 10 or 11.
    const cut = JSON.parse(line) as { from: string; to: string };
    expect(cut.from).toBe("15");
    expect(["10", "11"]).toContain(cut.to);
    const survived = divergent.slice(0, Number(cut.to) - 10);
    await until("old leader back in the ISR", async () => (await partitionState(fixture.etcd, "fence", 0))?.isr.includes(old.id), 20_000);

    // Everything acknowledged with acks=all is there once, nothing of the divergent tail is.
    const consumer = kafkaFor(brokers).consumer({ groupId: "verify-fence" });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: "fence", fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await until("all records", () => seen.length >= 20 + survived.length, 20_000);
    await sleep(500);
    await consumer.disconnect();
    expect(seen).toEqual([...committed, ...survived, ...after]);
    expect(electedMs).toBeLessThan(8000);
  }, 120_000);
});
