// `rivulet cluster reassign --generate <topics> --brokers 1,2` on etcd + 3 brokers: a topic spread over the
// three gets a balanced proposal over brokers 1 and 2 (broker 3 emptied, as before a decommission), printed
// as kafka-reassign-partitions prints it (the current assignment, then the proposal); the proposal fed back
// with --file moves the partitions there.
// Impossible asks (unknown topic or broker, more replicas than brokers, missing --brokers) are refused.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, clusterFixture, etcdGet, tempDir, until } from "./harness.js";
import { Connection } from "../transactions/wire.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";

const fixture = clusterFixture({ broker: { rf: 2 } });

/** `rivulet cluster reassign <args> --cluster <this file's etcd>`. */
const reassign = (args: string[]) => cli(["cluster", "reassign", ...args, "--cluster", fixture.etcd.url]);

async function replicas(topic: string): Promise<number[][]> {
  const all = await etcdGet(fixture.etcd, `/rivulet/topics/${topic}`);
  return (JSON.parse(all[`/rivulet/topics/${topic}`]!) as { replicas: number[][] }).replicas;
}

describe("cluster reassign --generate", () => {
  it("prints the current and a balanced proposed assignment; the proposal applied with --file moves the partitions", async () => {
    const c = await Connection.open(fixture.broker(1).kafkaPort);
    const created = await c.call(ApiKey.CreateTopics, 4, { topics: [{ name: "gen", numPartitions: 6, replicationFactor: 2, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
    c.close();
    expect(created.topics[0]!.errorCode).toBe(0);
    const before = await until("gen in etcd", async () => ((await etcdGet(fixture.etcd, "/rivulet/topics/gen"))["/rivulet/topics/gen"] ? replicas("gen") : undefined));
    expect(before.flat().includes(3), "the controller used broker 3").toBe(true);

    const r = await reassign(["--generate", "gen", "--brokers", "1,2"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("Current partition replica assignment");
    expect(lines[3]).toBe("Proposed partition reassignment configuration");
    const current = JSON.parse(lines[1]!) as { version: number; partitions: { topic: string; partition: number; replicas: number[] }[] };
    const proposed = JSON.parse(lines[4]!) as typeof current;
    expect(current.partitions.map((p) => p.replicas)).toEqual(before);
    expect(proposed.partitions.map((p) => `${p.topic}-${p.partition}`)).toEqual(Array.from({ length: 6 }, (_, p) => `gen-${p}`));
    const leaders = [1, 2, 3].map((id) => proposed.partitions.filter((p) => p.replicas[0] === id).length);
    const held = [1, 2, 3].map((id) => proposed.partitions.filter((p) => p.replicas.includes(id)).length);
    expect(leaders).toEqual([3, 3, 0]);
    expect(held).toEqual([6, 6, 0]);

    // Moved for real: the plan file goes back in as kafka-reassign-partitions --execute takes it.
    const plan = join(tempDir("gen-plan"), "plan.json");
    writeFileSync(plan, lines[4]!);
    const moved = await reassign(["--file", plan, "--wait", "60"]);
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    expect(await replicas("gen")).toEqual(proposed.partitions.map((p) => p.replicas));

    // --json: both plans in one document.
    const json = JSON.parse((await reassign(["--generate", "gen", "--brokers", "1,2,3", "--json"])).stdout) as { current: typeof current; proposed: typeof current };
    expect(json.current.partitions.map((p) => p.replicas)).toEqual(proposed.partitions.map((p) => p.replicas));
    expect([1, 2, 3].map((id) => json.proposed.partitions.filter((p) => p.replicas[0] === id).length)).toEqual([2, 2, 2]);
  }, 120_000);

  it("refuses what cannot be planned", async () => {
    const unknownTopic = await reassign(["--generate", "nope", "--brokers", "1,2,3"]);
    expect(unknownTopic.code).toBe(1);
    expect(unknownTopic.stderr).toContain("no such topic: nope");
    const unknownBroker = await reassign(["--generate", "gen", "--brokers", "1,9"]);
    expect(unknownBroker.code).toBe(1);
    expect(unknownBroker.stderr).toContain("not registered in the cluster: 9");
    const tooFew = await reassign(["--generate", "gen", "--brokers", "2"]);
    expect(tooFew.code).toBe(1);
    expect(tooFew.stderr).toContain("more than the 1 broker(s) given");
    const noBrokers = await reassign(["--generate", "gen"]);
    expect(noBrokers.code).toBe(2);
    expect(noBrokers.stderr).toContain("--brokers");
    const both = await reassign(["--generate", "gen", "--brokers", "1,2", "--file", "x.json"]);
    expect(both.code).toBe(2);
  }, 60_000);
});
