// Failure covered: a broker killed -9 in the middle of a throttled partition move (`rivulet cluster reassign
// --throttle`, ~3 MB at 300 kB/s: the copy takes ~9 s). First the destination broker dies mid-copy and is
// started again; then, in a second move, the source leader (the replica leaving) dies mid-copy and the
// copy goes on from the surviving replica. Either way the move completes, every acknowledged record is on
// each replica of the new set in the same order with the same bytes (read from one, then from the other
// after killing the first), and `--verify` reports it done and removes the throttle configs.

import { randomBytes } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { cli, clusterFixture, etcdGet, partitionState, readValues, replicasOf, sameList, sleep, until, type ClusterBroker } from "./harness.js";

const fixture = clusterFixture();
const { brokers } = fixture;
const RATE = 300_000;

const live = () => brokers.filter((b) => b.proc.alive());
const kafka = (list: ClusterBroker[] = live()) =>
  new Kafka({ clientId: "reassign-kill", brokers: list.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 500 } });

/** Random ~1 KB values (no compression shrinks them), acknowledged with acks=all by an idempotent producer. */
async function produce(topic: string, from: number, count: number): Promise<string[]> {
  const values = Array.from({ length: count }, (_, i) => `${from + i}:${randomBytes(500).toString("hex")}`);
  const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  for (let i = 0; i < values.length; i += 100) await producer.send({ topic, acks: -1, messages: values.slice(i, i + 100).map((value) => ({ value })) });
  await producer.disconnect();
  return values;
}

/** The throttle configs left in etcd (rates on brokers, replica lists on the topic). */
async function throttleConfigs(topic: string): Promise<string[]> {
  const all = await etcdGet(fixture.etcd, "/rivulet/configs/");
  return Object.keys(all).filter((k) => /replication\.throttled/.test(k) && (k.includes("/broker/") || k.includes(`/topic/${topic}/`)));
}

/**
 * Creates a two-replica topic with ~3 MB, starts a throttled move off one replica onto the third broker,
 * kills `victim(...)` -9 while the copy runs, and checks everything once `--verify` says done.
 */
async function killDuringMove(topic: string, victimOf: (p: { leader: number; follower: number; third: number }) => { to: number[]; victim: number }): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 2 }] });
  await admin.disconnect();
  const state = await until(`${topic} has both replicas in sync`, async () => {
    const s = await partitionState(fixture.etcd, topic, 0);
    return s && s.leader > 0 && s.isr.length === 2 && s;
  });
  const follower = state.isr.find((id) => id !== state.leader)!;
  const third = brokers.map((b) => b.id).find((id) => !state.isr.includes(id))!;
  const { to, victim } = victimOf({ leader: state.leader, follower, third });
  const acked = await produce(topic, 0, 3000);

  const asked = await cli(["cluster", "reassign", topic, "0", to.join(","), "--throttle", String(RATE), "--cluster", fixture.etcd.url]);
  expect(asked.code, asked.stdout + asked.stderr).toBe(0);
  expect(asked.stdout).toContain(`throttled to ${RATE} bytes/s`);
  expect((await throttleConfigs(topic)).length).toBeGreaterThan(0);
  // A little more while it moves: acknowledged records the copy must catch up on.
  acked.push(...(await produce(topic, 3000, 20)));
  await sleep(2500);
  const midway = await cli(["cluster", "reassign", topic, "0", "--verify", "--cluster", fixture.etcd.url]);
  expect(midway.code, "still moving when the broker is killed").toBe(1);
  const killed = fixture.broker(victim);
  await killed.kill("SIGKILL");
  acked.push(...(await produce(topic, 3020, 20)));
  await sleep(1000);
  await killed.start();

  const started = Date.now();
  await until(`${topic} moved (--verify)`, async () => (await cli(["cluster", "reassign", topic, "0", "--verify", "--cluster", fixture.etcd.url])).code === 0, 120_000);
  console.log(`reassign-kill: ${topic} ${JSON.stringify(state.isr)} -> ${JSON.stringify(to)}, broker ${victim} killed mid-copy; done ${Date.now() - started} ms after its restart`);
  expect(sameList(await replicasOf(fixture.etcd, topic), to)).toBe(true);
  expect(await throttleConfigs(topic)).toEqual([]);
  const after = await until(`${topic} ISR is the new set`, async () => {
    const s = await partitionState(fixture.etcd, topic, 0);
    return s && s.isr.length === 2 && to.every((id) => s.isr.includes(id)) && s;
  }, 30_000);

  // Every acknowledged record, in order, byte for byte: from the leader, then from the other new replica.
  expect(await readValues(kafka(), topic, acked.length)).toEqual(acked);
  const leader = fixture.broker(after.leader);
  await leader.kill("SIGKILL");
  await until(`the other new replica leads ${topic}`, async () => {
    const s = await partitionState(fixture.etcd, topic, 0);
    return s && s.leader > 0 && s.leader !== leader.id && to.includes(s.leader);
  }, 30_000);
  expect(await readValues(kafka(), topic, acked.length)).toEqual(acked);
  await leader.start();
  await until(`${topic} back to both replicas`, async () => (await partitionState(fixture.etcd, topic, 0))?.isr.length === 2, 30_000);
}

describe("kill -9 during a throttled partition move", () => {
  it("the destination broker killed mid-copy and restarted: the move completes with every record", async () => {
    // [leader, follower] -> [leader, third]: the third broker copies from the leader, and dies.
    await killDuringMove("rk-dest", ({ leader, third }) => ({ to: [leader, third], victim: third }));
  }, 240_000);

  it("the source leader (leaving) killed mid-copy: the copy goes on from the other replica", async () => {
    // [leader, follower] -> [follower, third]: the leader leaves and dies; the follower takes over.
    await killDuringMove("rk-source", ({ follower, third, leader }) => ({ to: [follower, third], victim: leader }));
  }, 240_000);
});
