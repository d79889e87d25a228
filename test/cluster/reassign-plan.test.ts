// The balanced plan of `rivulet cluster reassign --generate` (src/cluster/reassign-plan.ts), without a cluster.
import { describe, expect, it } from "vitest";
import { generatePlan } from "../../src/cluster/reassign-plan.js";
import type { TopicAssignment } from "../../src/cluster/layout.js";

const topic = (name: string, replicas: number[][]): TopicAssignment => ({ name, partitions: replicas.length, replicationFactor: replicas[0]?.length ?? 1, configs: {}, replicas });

function counts(partitions: { replicas: number[] }[]): { leaders: Map<number, number>; replicas: Map<number, number> } {
  const leaders = new Map<number, number>();
  const replicas = new Map<number, number>();
  for (const p of partitions) {
    leaders.set(p.replicas[0]!, (leaders.get(p.replicas[0]!) ?? 0) + 1);
    for (const r of p.replicas) replicas.set(r, (replicas.get(r) ?? 0) + 1);
  }
  return { leaders, replicas };
}

describe("reassign --generate's plan", () => {
  it("spreads leaders and replicas evenly over the brokers given, keeping each partition's replication factor", () => {
    // Everything on brokers 1 and 2; broker 3 and 4 are new.
    const topics = [topic("b", [[1, 2], [2, 1], [1, 2], [2, 1], [1, 2]]), topic("a", [[1, 2, 4], [2, 1, 4], [1, 2, 4]])];
    const { current, proposed } = generatePlan(topics, [4, 3, 2, 1, 3]);
    expect(current.partitions.map((p) => `${p.topic}-${p.partition}:${p.replicas.join(",")}`)).toEqual(["a-0:1,2,4", "a-1:2,1,4", "a-2:1,2,4", "b-0:1,2", "b-1:2,1", "b-2:1,2", "b-3:2,1", "b-4:1,2"]);
    expect(proposed.version).toBe(1);
    expect(proposed.partitions.map((p) => p.replicas.length)).toEqual([3, 3, 3, 2, 2, 2, 2, 2]);
    for (const p of proposed.partitions) {
      expect(new Set(p.replicas).size, "no broker twice in a partition").toBe(p.replicas.length);
      expect(p.log_dirs).toEqual(p.replicas.map(() => "any"));
      for (const r of p.replicas) expect([1, 2, 3, 4]).toContain(r);
    }
    const { leaders, replicas } = counts(proposed.partitions);
    // 8 partitions over 4 brokers: 2 leaders each; 19 replicas: 4 or 5 each.
    expect([...leaders.values()].sort()).toEqual([2, 2, 2, 2]);
    const r = [...replicas.values()];
    expect(r.length).toBe(4);
    expect(Math.max(...r) - Math.min(...r)).toBeLessThanOrEqual(1);
  });

  it("refuses a replication factor above the brokers given, and an empty broker list", () => {
    expect(() => generatePlan([topic("t", [[1, 2, 3]])], [1, 2])).toThrow(/t-0 has 3 replicas, more than the 2 broker/);
    expect(() => generatePlan([topic("t", [[1]])], [])).toThrow(/at least one broker/);
  });
});
