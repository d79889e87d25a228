// The CLI and the cluster client's admin calls against a cluster with a broker dying:
// - `rivulet produce` and `rivulet consume --follow --group` as child processes with three --broker URLs,
//   the leader of a partition killed -9 while lines are flowing: produce exits 0 (every line stored) and
//   the consumer prints every line, and so does a plain `consume` (every partition from its leader) after;
// - admin calls (create/alter/describe/delete topic, group list and offsets) succeed with the dead broker
//   first in the bootstrap list, going to a live broker (and to the group's coordinator), and again when
//   the broker they were using is killed in turn.

import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { connectCluster } from "../../src/client/cluster.js";
import { Child, clusterFixture, MAIN, partitionState, sleep, until } from "./harness.js";

const fixture = clusterFixture({ timeoutMs: 90_000 });
const { brokers } = fixture;

const urls = () => brokers.map((b) => `${b.wsUrl}/ws`);
const list0 = () => urls().join(",");
const TOPIC = "cli-orders";
const LINES = 300;

function cli(args: string[]): Child {
  const child = new Child(spawn(process.execPath, [MAIN, ...args], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", RIVULET_PROFILE: "" } }));
  return child;
}

describe("CLI and admin calls against a cluster with a broker killed", () => {
  it("produce and consume --group with several --broker URLs fail over to the new leader", async () => {
    const cluster = await connectCluster({ urls: urls() });
    await cluster.admin.createTopic(TOPIC, { partitions: 2 });
    for (const p of [0, 1]) await until(`ISR of 3 for ${TOPIC}-${p}`, async () => (await partitionState(fixture.etcd, TOPIC, p))?.isr.length === 3);
    const first = (await partitionState(fixture.etcd, TOPIC, 0))!;

    // Consumer first (latest would miss nothing either way: the group starts from the earliest offset).
    let out = "";
    const consumer = new Child(spawn(process.execPath, [MAIN, "consume", TOPIC, "--follow", "--group", "cli-readers", "--from", "earliest", "--broker", urls().join(",")], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } }));
    consumer.child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    const producer = cli(["produce", TOPIC, "--acks", "all", "--timeout", "60000", "--broker", urls().join(",")]);
    const stdin = producer.child.stdin!;
    for (let i = 0; i < LINES; i++) {
      if (i === 100) {
        await until("the consumer printing", () => out.split("\n").length > 20, 30_000);
        await brokers.find((b) => b.id === first.leader)!.kill("SIGKILL");
      }
      stdin.write(`line-${i}\n`);
      await sleep(10);
    }
    stdin.end();
    const code = await producer.exited;
    expect(code, producer.out).toBe(0);
    const expected = Array.from({ length: LINES }, (_, i) => `line-${i}`);
    await until("every line consumed", () => {
      const seen = new Set(out.split("\n"));
      return expected.every((l) => seen.has(l));
    }, 60_000).catch((error: Error) => {
      const seen = new Set(out.split("\n"));
      throw new Error(`${error.message}; missing ${expected.filter((l) => !seen.has(l)).length}\nconsumer: ${consumer.out.slice(-2000)}`);
    });
    consumer.child.kill("SIGTERM");
    expect(await consumer.exited).toBe(143);
    const now = (await partitionState(fixture.etcd, TOPIC, 0))!;
    expect(now.leader).not.toBe(first.leader);

    // A plain (non-group, non-follow) consume of every partition from the leaders: every line, then exit 0.
    const reader = cli(["consume", TOPIC, "--broker", list0()]);
    expect(await reader.exited, reader.out.slice(-2000)).toBe(0);
    const printed = new Set(reader.out.split("\n"));
    expect(expected.filter((l) => !printed.has(l))).toEqual([]);

    // The admin commands with the same --broker list (the dead broker among them): the group is described
    // by its coordinator (another broker would answer NOT_COORDINATOR), topics are created on a live one.
    const list = urls().join(",");
    const describe = cli(["groups", "describe", "cli-readers", "--json", "--broker", list]);
    expect(await describe.exited, describe.out).toBe(0);
    const described = JSON.parse(describe.out.split("\n").find((l) => l.startsWith("{"))!) as { offsets: { committed: string | number }[] };
    expect(described.offsets.reduce((n, o) => n + Number(o.committed), 0)).toBeGreaterThanOrEqual(LINES);
    const create = cli(["topics", "create", "cli-made", "--partitions", "2", "--broker", list]);
    expect(await create.exited, create.out).toBe(0);
    expect(await cluster.admin.listTopics()).toContain("cli-made");
    cluster.close();
  }, 180_000);

  it("admin calls go to a live broker when the first bootstrap URL is dead", async () => {
    const dead = brokers.find((b) => !b.proc.alive())!;
    expect(dead).toBeDefined();
    // The dead broker first: bootstrap and every call must get past it.
    const cluster = await connectCluster({ urls: [`${dead.wsUrl}/ws`, ...brokers.filter((b) => b !== dead).map((b) => `${b.wsUrl}/ws`)], connectTimeoutMs: 2000 });
    expect(cluster.metadata.brokers.map((b) => b.id)).not.toContain(dead.id);
    await cluster.admin.createTopic("after-kill", { partitions: 2, configs: { "retention.ms": "3600000" } });
    await cluster.admin.alterTopicConfigs("after-kill", { set: { "retention.ms": "7200000" } });
    const described = await until("the topic described", () => cluster.admin.describeTopic("after-kill").catch(() => undefined));
    expect(described.partitions.length).toBe(2);
    expect(await cluster.admin.listTopics()).toContain("after-kill");
    // The group from the first test: its coordinator answers (wherever it is now).
    const groups = await cluster.admin.listGroups();
    expect(groups.map((g) => g.groupId)).toContain("cli-readers");
    const committed = await cluster.admin.committedOffsets("cli-readers", [TOPIC]);
    expect(committed.reduce((n, c) => n + (c.offset > 0n ? Number(c.offset) : 0), 0)).toBeGreaterThanOrEqual(LINES);
    // Typed errors still come through (not retried): an unknown topic, a duplicate creation.
    await expect(cluster.admin.describeTopic("no-such-topic")).rejects.toMatchObject({ code: "UNKNOWN_TOPIC_OR_PARTITION" });
    await expect(cluster.admin.createTopic("after-kill")).rejects.toMatchObject({ code: "TOPIC_ALREADY_EXISTS" });
    await cluster.admin.deleteTopic("after-kill");
    await until("the topic gone", async () => !(await cluster.admin.listTopics()).includes("after-kill"));

    // The broker those calls used dies too (kill -9, its connection open): the next calls go to the last one.
    const used = cluster.metadata.brokers[0]!.id;
    await brokers.find((b) => b.id === used)!.kill("SIGKILL");
    await cluster.admin.createTopic("after-second-kill", { partitions: 1 });
    expect(await cluster.admin.listTopics()).toContain("after-second-kill");
    const again = await cluster.admin.committedOffsets("cli-readers", [TOPIC]);
    expect(again.reduce((n, c) => n + (c.offset > 0n ? Number(c.offset) : 0), 0)).toBeGreaterThanOrEqual(LINES);
    cluster.close();
  }, 90_000);
});
