// Idempotent produce across a failover (docs/cluster.md "Idempotent producers across a failover"): a
// follower that becomes leader knows each producer's last sequences, because it rebuilt them from the
// batches it replicated (their producer id, epoch and base sequence). So a batch retried on the new leader
// after the old one was killed -9 is answered as a duplicate with its original offset, never stored twice;
// a gap is OUT_OF_ORDER_SEQUENCE_NUMBER as in Kafka. End to end: kafkajs (idempotent: true) and the
// WebSocket cluster client produce through a leader kill -9 with zero duplicates and no acknowledged loss.

import { describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { connect, type RivuletClient } from "../../src/client/index.js";
import { connectCluster } from "../../src/client/cluster.js";
import { encodeRecordBatch } from "../../src/core/index.js";
import { FrameType, type ServerFrame } from "../../src/protocol/ws/index.js";
import { clusterFixture, partitionState, until } from "./harness.js";

const fixture = clusterFixture({ broker: { minIsr: 2 } });
const { brokers } = fixture;

const broker = (id: number) => brokers.find((b) => b.id === id)!;
const wsOf = (id: number) => `${broker(id).wsUrl}/ws`;
const text = (v: Uint8Array | string | null | undefined) => (typeof v === "string" ? v : new TextDecoder().decode(v ?? new Uint8Array()));

/** A topic of one partition whose three replicas are all in sync; its partition state. */
async function topicInSync(name: string) {
  const admin = await connect({ url: wsOf(brokers.find((b) => b.proc.alive())!.id) });
  await admin.admin.createTopic(name, { partitions: 1 } as never);
  admin.close();
  return until(`ISR of 3 for ${name}`, async () => {
    const s = await partitionState(fixture.etcd, name, 0);
    return s && s.isr.length === 3 ? s : undefined;
  });
}

/** Kills the leader -9, waits for a new one, and restarts the killed broker (it rejoins as a follower). */
async function killLeader(name: string, leader: number) {
  await broker(leader).kill("SIGKILL");
  const after = await until("a new leader", async () => {
    const s = await partitionState(fixture.etcd, name, 0);
    return s && s.leader !== leader && s.leader !== -1 ? s : undefined;
  });
  return after;
}

async function readAll(id: number, topic: string, count: number): Promise<string[]> {
  const reader = await connect({ url: wsOf(id) });
  const seen: string[] = [];
  const consumer = reader.consumer({ topic, from: "earliest" });
  const timer = setTimeout(() => void consumer.close(), 8000);
  try {
    for await (const record of consumer as AsyncIterable<{ value: Uint8Array | string | null }>) {
      seen.push(text(record.value));
      if (seen.length >= count) break;
    }
  } catch {
    // closed by the timer: fewer records than expected, which the caller's assertions report
  }
  clearTimeout(timer);
  reader.close();
  return seen;
}

async function produceRaw(client: RivuletClient, topic: string, batch: Uint8Array): Promise<{ errorCode: number; baseOffset: bigint }> {
  const frame = (await client.connection.request({ type: FrameType.PRODUCE, acks: -1, timeoutMs: 10_000, items: [{ topic, partition: 0, batch }] })) as Extract<ServerFrame, { type: typeof FrameType.PRODUCE_RESULT }>;
  return frame.items[0]!;
}

describe("idempotent produce across a leader failover", () => {
  it("answers a batch the old leader replicated as a duplicate on the new leader, and refuses a gap", async () => {
    const first = await topicInSync("idem-raw");
    const old = await connect({ url: wsOf(first.leader) });
    const id = (await old.connection.request({ type: FrameType.INIT_PRODUCER_ID })) as Extract<ServerFrame, { type: typeof FrameType.PRODUCER_ID }>;
    const identity = { producerId: id.producerId, producerEpoch: id.producerEpoch };
    const batch = (seq: number, tag: string) => encodeRecordBatch([0, 1, 2].map((i) => ({ value: `${tag}${seq + i}` })), { ...identity, baseSequence: seq });
    const b0 = batch(0, "r");
    const b3 = batch(3, "r");
    expect(await produceRaw(old, "idem-raw", b0)).toMatchObject({ errorCode: 0, baseOffset: 0n });
    expect(await produceRaw(old, "idem-raw", b3)).toMatchObject({ errorCode: 0, baseOffset: 3n });
    old.close();

    const after = await killLeader("idem-raw", first.leader);
    const fresh = await connect({ url: wsOf(after.leader) });
    // The client never saw an answer for b3 (say): its retry to the new leader is the same bytes.
    expect(await produceRaw(fresh, "idem-raw", b3)).toMatchObject({ errorCode: 0, baseOffset: 3n });
    expect(await produceRaw(fresh, "idem-raw", b0)).toMatchObject({ errorCode: 0, baseOffset: 0n });
    // A gap (sequence 9 after 5) is OUT_OF_ORDER_SEQUENCE_NUMBER (45), as Kafka answers.
    expect((await produceRaw(fresh, "idem-raw", batch(9, "r"))).errorCode).toBe(45);
    // The next sequence appends after the replicated ones.
    expect(await produceRaw(fresh, "idem-raw", batch(6, "r"))).toMatchObject({ errorCode: 0, baseOffset: 6n });
    fresh.close();
    const seen = await readAll(after.leader, "idem-raw", 20);
    expect(seen).toEqual(["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8"]);
    await broker(first.leader).start();
  }, 90_000);

  it("kafkajs idempotent: true through a leader kill -9: no duplicate, nothing acknowledged lost", async () => {
    const first = await topicInSync("idem-kafkajs");
    const live = () => brokers.filter((b) => b.proc.alive()).map((b) => b.bootstrap);
    const kafka = new Kafka({ clientId: "idem", brokers: live(), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 500 } });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    const acked: string[] = [];
    let failed = 0;
    for (let round = 0; round < 40; round++) {
      if (round === 15) void broker(first.leader).kill("SIGKILL");
      // Five sends at once: several are in flight (queued in kafkajs) when the leader dies.
      await Promise.all([0, 1, 2, 3, 4].map(async (i) => {
        const value = `k${round * 5 + i}`;
        try {
          await producer.send({ topic: "idem-kafkajs", acks: -1, messages: [{ value }] });
          acked.push(value);
        } catch {
          failed++;
        }
      }));
    }
    await producer.disconnect();
    const now = await until("a new leader", async () => {
      const s = await partitionState(fixture.etcd, "idem-kafkajs", 0);
      return s && s.leader !== first.leader && s.leader !== -1 ? s : undefined;
    });
    const seen = await readAll(now.leader, "idem-kafkajs", 200);
    const counts = new Map<string, number>();
    for (const v of seen) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
    expect(acked.filter((v) => !counts.has(v))).toEqual([]);
    expect(acked.length).toBeGreaterThan(150);
    expect(failed + acked.length).toBe(200);
    await broker(first.leader).start();
  }, 120_000);

  it("the WebSocket cluster producer (idempotent by default) through a leader kill -9: no duplicate, no loss", async () => {
    const first = await topicInSync("idem-ws");
    const cluster = await connectCluster({ urls: brokers.filter((b) => b.proc.alive()).map((b) => `${b.wsUrl}/ws`) });
    const producer = cluster.producer({ acks: "all", deliveryTimeoutMs: 30_000 });
    const acked: string[] = [];
    const offsets = new Set<bigint>();
    for (let round = 0; round < 30; round++) {
      if (round === 10) void broker(first.leader).kill("SIGKILL");
      // Ten records at once per round: they share batches, and a batch is in flight when the leader dies.
      await Promise.all(Array.from({ length: 10 }, async (_, i) => {
        const value = `w${round * 10 + i}`;
        const meta = await producer.send({ topic: "idem-ws", partition: 0, value });
        offsets.add(meta.offset);
        acked.push(value);
      }));
    }
    await producer.close();
    cluster.close();
    expect(acked.length).toBe(300);
    expect(offsets.size).toBe(300);
    const now = (await partitionState(fixture.etcd, "idem-ws", 0))!;
    expect(now.leader).not.toBe(first.leader);
    const seen = await readAll(now.leader, "idem-ws", 400);
    // Exactly the 300 acknowledged records, each once, at the offsets their acknowledgements named.
    expect(seen.length).toBe(300);
    expect(new Set(seen).size).toBe(300);
    expect([...offsets].sort((a, b) => (a < b ? -1 : 1)).at(-1)).toBe(299n);
    await broker(first.leader).start();
  }, 120_000);
});
