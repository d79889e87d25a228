// Draining and removing a broker under continuous acks=all produce (RF 3, min.insync.replicas 2, four
// brokers): `rivulet cluster drain` moves every replica off the broker, the controller (including partitions
// it leads and its internal-topic replicas, and the controllership)
// while no partition is ever without a live leader, no produce fails, and every acknowledged record is read
// back; `rivulet cluster remove` refuses while the broker holds replicas, and succeeds once it is stopped.

import { describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { cli, ClusterBroker, clusterFixture, etcdGet, partitionState, sleep, until } from "./harness.js";

const fixture = clusterFixture({ ids: [1, 2, 3, 4], broker: { minIsr: 2 }, timeoutMs: 90_000 });
const { brokers } = fixture;

const kafka = (list = brokers) =>
  new Kafka({ clientId: "drain", brokers: list.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 500 } });

async function assignments(topic: string): Promise<number[][]> {
  const all = await etcdGet(fixture.etcd, `/rivulet/topics/${topic}`);
  return (JSON.parse(all[`/rivulet/topics/${topic}`]!) as { replicas: number[][] }).replicas;
}

describe("cluster drain and remove", () => {
  it("drains a leader's replicas under acks=all load without unavailability or loss, then removes it", async () => {
    const topic = "drained";
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }] });
    await admin.disconnect();
    for (const p of [0, 1, 2]) await until(`partition ${p} state`, () => partitionState(fixture.etcd, topic, p));
    // Drain the controller: it holds replicas of the internal topics too, leads some partitions (so
    // leadership has to move as well as replicas), and must hand the controllership over.
    const controllerOf = async () => (JSON.parse((await etcdGet(fixture.etcd, "/rivulet/controller"))["/rivulet/controller"]!) as { brokerId: number }).brokerId;
    const victim = await controllerOf();
    const states = await etcdGet(fixture.etcd, "/rivulet/partitions/");
    const led = Object.entries(states).filter(([, v]) => (JSON.parse(v) as { leader: number }).leader === victim).map(([k]) => k);
    expect(led.length).toBeGreaterThan(0);
    const before = await assignments(topic);
    expect(before.filter((set) => set.includes(victim)).length).toBeGreaterThan(0);

    // Removing a broker that still holds replicas is refused.
    const early = await cli(["cluster", "remove", String(victim), "--cluster", fixture.etcd.url, "--force"]);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/still holds \d+ replica/);

    // Continuous acks=all produce to every partition, recording acknowledgements and failures.
    const producer = kafka().producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const acked: string[] = [];
    const failures: string[] = [];
    let running = true;
    const traffic = (async () => {
      for (let i = 0; running; i++) {
        const value = `v${i}`;
        try {
          await producer.send({ topic, acks: -1, messages: [{ value, partition: i % 3 }] });
          acked.push(value);
        } catch (error) {
          failures.push(`${value}: ${(error as Error).name}: ${(error as Error).message}`);
          await sleep(50);
        }
      }
    })();

    // Watch every partition's state from etcd throughout: a live leader at every sample.
    const leaderless: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const all = await etcdGet(fixture.etcd, "/rivulet/");
        const live = new Set(Object.keys(all).filter((k) => k.startsWith("/rivulet/brokers/")).map((k) => Number(k.split("/").pop())));
        for (const p of [0, 1, 2]) {
          const raw = all[`/rivulet/partitions/${topic}/${p}`];
          const state = raw ? (JSON.parse(raw) as { leader: number }) : undefined;
          if (!state || state.leader === -1 || !live.has(state.leader)) leaderless.push(`p${p} at ${Date.now()}: ${raw ?? "none"}`);
        }
        await sleep(100);
      }
    })();

    await until("traffic flowing", () => acked.length >= 30, 20_000);
    const drained = await cli(["cluster", "drain", String(victim), "--cluster", fixture.etcd.url, "--wait", "60"]);
    expect(drained.stderr).toBe("");
    expect(drained.code).toBe(0);
    expect(drained.stdout).toContain(`broker ${victim} is drained`);
    const atDrained = acked.length;
    await until("acks after the drain", () => acked.length >= atDrained + 30, 20_000);

    // The controllership moved to another broker; no partition of any topic assigns the victim a replica.
    expect(await controllerOf()).not.toBe(victim);
    for (const [key, raw] of Object.entries(await etcdGet(fixture.etcd, "/rivulet/topics/"))) {
      expect((JSON.parse(raw) as { replicas: number[][] }).replicas.flat(), key).not.toContain(victim);
    }
    // No replica left on the victim; every partition keeps 3 replicas, all in the ISR.
    const after = await assignments(topic);
    for (const [p, set] of after.entries()) {
      expect(set).not.toContain(victim);
      expect(set.length).toBe(3);
      const state = await until(`ISR of p${p} complete`, async () => {
        const s = await partitionState(fixture.etcd, topic, p);
        return s && s.isr.length === 3 ? s : undefined;
      }, 20_000);
      expect(state.isr.sort()).toEqual([...set].sort());
      expect(state.leader).not.toBe(victim);
    }

    // Still registered: remove is refused without --force; then stop it (graceful) and remove it.
    const running1 = await cli(["cluster", "remove", String(victim), "--cluster", fixture.etcd.url]);
    expect(running1.code).toBe(2);
    expect(running1.stderr).toContain("still registered");
    const broker = brokers.find((b) => b.id === victim)!;
    await broker.kill("SIGTERM");
    const removed = await cli(["cluster", "remove", String(victim), "--cluster", fixture.etcd.url]);
    expect(removed.code).toBe(0);
    const atStop = acked.length;
    await until("acks after the stop", () => acked.length >= atStop + 30, 20_000);

    running = false;
    await traffic;
    await producer.disconnect();
    watching = false;
    await watcher;

    expect(failures).toEqual([]);
    expect(leaderless).toEqual([]);
    const status = await cli(["cluster", "status", "--cluster", fixture.etcd.url, "--json"]);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.stdout) as { brokers: Array<{ id: number }>; draining: number[]; underReplicated: unknown[]; offline: unknown[] };
    expect(parsed.brokers.map((b) => b.id).sort()).toEqual([1, 2, 3, 4].filter((id) => id !== victim));
    expect(parsed.draining).toEqual([]);
    expect(parsed.underReplicated).toEqual([]);
    expect(parsed.offline).toEqual([]);

    // Every acknowledged record is there, read from the remaining brokers.
    const rest = brokers.filter((b) => b.id !== victim);
    const consumer = kafka(rest).consumer({ groupId: `verify-${Date.now()}` });
    const seen = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
    await until(`${acked.length} records read back`, () => acked.every((v) => seen.has(v)), 40_000).catch(() => undefined);
    await consumer.disconnect();
    expect(acked.filter((v) => !seen.has(v))).toEqual([]);
    expect(acked.length).toBeGreaterThan(90);
  }, 200_000);

  it("reports a drain with nowhere to go as blocked, places no new replica on a draining broker, and cancels", async () => {
    // Three brokers are left and the topic has RF 3: a replica of a drained broker has nowhere to go.
    const remaining = (await etcdGet(fixture.etcd, "/rivulet/brokers/"));
    const ids = Object.keys(remaining).map((k) => Number(k.split("/").pop())).sort();
    expect(ids).toHaveLength(3);
    const target = ids[0]!;
    const before = await assignments("drained");
    const blocked = await cli(["cluster", "drain", String(target), "--cluster", fixture.etcd.url, "--wait", "2"]);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain("blocked");
    expect(blocked.stdout).toContain("replication factor 3");
    expect(await assignments("drained")).toEqual(before); // nothing moved, nothing shrank
    // While it is draining, a new topic's replicas avoid it.
    const admin = kafka(brokers.filter((b) => ids.includes(b.id))).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "avoid", numPartitions: 4, replicationFactor: 2 }] });
    await admin.disconnect();
    expect((await assignments("avoid")).flat()).not.toContain(target);
    const status = await cli(["cluster", "status", "--cluster", fixture.etcd.url, "--json"]);
    expect((JSON.parse(status.stdout) as { draining: number[] }).draining).toEqual([target]);
    const cancel = await cli(["cluster", "drain", String(target), "--cluster", fixture.etcd.url, "--cancel"]);
    expect(cancel.code).toBe(0);
    expect((await etcdGet(fixture.etcd, `/rivulet/draining/${target}`))[`/rivulet/draining/${target}`]).toBeUndefined();
  }, 60_000);

  it("finishes a drain whose broker is killed -9 half-way, re-creating its replicas from the leaders", async () => {
    // A fifth broker gives the replicas somewhere to go; the drained one dies in the middle of the moves.
    brokers.push(await ClusterBroker.start(5, fixture.etcd, { minIsr: 2 }));
    const live = Object.keys(await etcdGet(fixture.etcd, "/rivulet/brokers/")).map((k) => Number(k.split("/").pop()));
    expect(live).toContain(5);
    const target = (await partitionState(fixture.etcd, "drained", 1))!.leader;
    const topic = "drained";
    const producer = kafka(brokers.filter((b) => b.proc.alive())).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const acked: string[] = [];
    let running = true;
    const traffic = (async () => {
      for (let i = 0; running; i++) {
        try {
          await producer.send({ topic, acks: -1, messages: [{ value: `kill-${i}`, partition: i % 3 }] });
          acked.push(`kill-${i}`);
        } catch {
          await sleep(50); // not acknowledged: may or may not be stored
        }
      }
    })();
    await until("traffic flowing", () => acked.length >= 20, 20_000);
    const drainRun = cli(["cluster", "drain", String(target), "--cluster", fixture.etcd.url, "--wait", "90"], 120_000);
    // Kill it as soon as the first replica has been added elsewhere (the drain is under way).
    await until("a replica added", async () => Object.values(await etcdGet(fixture.etcd, "/rivulet/topics/")).some((raw) => (JSON.parse(raw) as { replicas: number[][] }).replicas.some((set) => set.length > 3)), 20_000);
    await brokers.find((b) => b.id === target)!.kill("SIGKILL");
    const drained = await drainRun;
    expect(drained.code, drained.stdout + drained.stderr).toBe(0);
    for (const [key, raw] of Object.entries(await etcdGet(fixture.etcd, "/rivulet/topics/"))) {
      expect((JSON.parse(raw) as { replicas: number[][] }).replicas.flat(), key).not.toContain(target);
    }
    for (const p of [0, 1, 2]) {
      await until(`drained-${p} has a full ISR without ${target}`, async () => {
        const s = await partitionState(fixture.etcd, topic, p);
        return s && s.isr.length === 3 && !s.isr.includes(target) && s.leader !== target;
      }, 30_000);
    }
    const atEnd = acked.length;
    await until("acks after the drain", () => acked.length >= atEnd + 20, 20_000);
    running = false;
    await traffic;
    await producer.disconnect();
    // Its lease expired with the kill: remove needs no --force.
    await until("registration gone", async () => !(await etcdGet(fixture.etcd, `/rivulet/brokers/${target}`))[`/rivulet/brokers/${target}`], 15_000);
    expect((await cli(["cluster", "remove", String(target), "--cluster", fixture.etcd.url])).code).toBe(0);
    expect((await cli(["cluster", "status", "--cluster", fixture.etcd.url])).code).toBe(0);
    const rest = brokers.filter((b) => b.proc.alive());
    const consumer = kafka(rest).consumer({ groupId: `verify-kill-${Date.now()}` });
    const seen = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
    await until("every acknowledged record", () => acked.every((v) => seen.has(v)), 40_000).catch(() => undefined);
    await consumer.disconnect();
    expect(acked.filter((v) => !seen.has(v))).toEqual([]);
  }, 180_000);

  it("refuses to drain an unknown broker and reports bad ids as usage errors", async () => {
    const unknown = await cli(["cluster", "drain", "77", "--cluster", fixture.etcd.url, "--wait", "0"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("not registered and holds no replicas");
    const bad = await cli(["cluster", "drain", "abc", "--cluster", fixture.etcd.url]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("broker id must be an integer");
  }, 30_000);
});
