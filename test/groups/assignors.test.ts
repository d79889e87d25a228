import { describe, expect, it } from "vitest";
import { range, roundRobin, sticky, type Assignment, type AssignorMember, type TopicPartition } from "../../src/groups/index.js";

const counts = (partitions: Record<string, number>) => (topic: string) => partitions[topic] ?? 0;
const fmt = (a: Assignment) => Object.fromEntries([...a].map(([id, list]) => [id, list.map((tp) => `${tp.topic}${tp.partition}`).join(" ")]));
const member = (memberId: string, topics: string[], current?: TopicPartition[]): AssignorMember => ({ memberId, topics, current });
const tps = (topic: string, ...partitions: number[]) => partitions.map((partition) => ({ topic, partition }));

/** Partitions whose owner differs between two assignments (new partitions count as moved only if owned before). */
function moved(before: Assignment, after: Assignment): number {
  const owner = new Map<string, string>();
  for (const [id, list] of before) for (const tp of list) owner.set(`${tp.topic}-${tp.partition}`, id);
  let n = 0;
  for (const [id, list] of after) for (const tp of list) if (owner.has(`${tp.topic}-${tp.partition}`) && owner.get(`${tp.topic}-${tp.partition}`) !== id) n++;
  return n;
}

describe("range", () => {
  it("gives each subscriber a consecutive range per topic, the first ones one extra", () => {
    const a = range([member("c", ["t"]), member("a", ["t", "u"]), member("b", ["t", "u"])], counts({ t: 7, u: 2 }));
    expect(fmt(a)).toEqual({ a: "t0 t1 t2 u0", b: "t3 t4 u1", c: "t5 t6" });
  });

  it("gives nothing to members beyond the partition count", () => {
    expect(fmt(range([member("a", ["t"]), member("b", ["t"]), member("c", ["t"])], counts({ t: 2 })))).toEqual({ a: "t0", b: "t1", c: "" });
  });
});

describe("roundrobin", () => {
  it("deals partitions in topic, partition order across members", () => {
    const a = roundRobin([member("b", ["t", "u"]), member("a", ["t", "u"])], counts({ t: 3, u: 2 }));
    expect(fmt(a)).toEqual({ a: "t0 t2 u1", b: "t1 u0" });
  });

  it("skips members not subscribed to a topic", () => {
    const a = roundRobin([member("a", ["t"]), member("b", ["t", "u"]), member("c", ["u"])], counts({ t: 3, u: 3 }));
    // Kafka's circular walk: t2 skips c (not subscribed to t), u2 skips a.
    expect(fmt(a)).toEqual({ a: "t0 t2", b: "t1 u0 u2", c: "u1" });
  });
});

describe("sticky", () => {
  it("balances a fresh group", () => {
    const a = sticky([member("a", ["t"]), member("b", ["t"]), member("c", ["t"])], counts({ t: 7 }));
    expect([...a.values()].map((l) => l.length).sort()).toEqual([2, 2, 3]);
    expect(new Set([...a.values()].flat().map((tp) => tp.partition)).size).toBe(7);
  });

  it("moves exactly one partition when a 4th member joins 3 members on 6 partitions", () => {
    const before = new Map([
      ["a", tps("t", 0, 1)],
      ["b", tps("t", 2, 3)],
      ["c", tps("t", 4, 5)],
    ]);
    const members = [...before].map(([id, list]) => member(id, ["t"], list));
    const after = sticky([...members, member("d", ["t"])], counts({ t: 6 }));
    expect([...after.values()].map((l) => l.length).sort()).toEqual([1, 1, 2, 2]);
    expect(moved(before, after)).toBe(1);
    for (const [id, list] of after) if (id !== "d") for (const tp of list) expect(before.get(id)).toContainEqual(tp);
  });

  it("moves only the leaver's partitions when a member leaves", () => {
    const before = new Map([
      ["a", tps("t", 0, 1)],
      ["b", tps("t", 2, 3)],
      ["c", tps("t", 4, 5)],
    ]);
    const after = sticky([member("a", ["t"], before.get("a")), member("c", ["t"], before.get("c"))], counts({ t: 6 }));
    expect(fmt(after)).toEqual({ a: "t0 t1 t2", c: "t3 t4 t5" });
  });

  it("keeps what it can when partitions are added, and drops partitions that no longer exist", () => {
    const grown = sticky([member("a", ["t"], tps("t", 0)), member("b", ["t"], tps("t", 1))], counts({ t: 4 }));
    expect(fmt(grown)).toEqual({ a: "t0 t2", b: "t1 t3" });
    const shrunk = sticky([member("a", ["t"], tps("t", 0, 5)), member("b", ["t"], tps("t", 1))], counts({ t: 2 }));
    expect(fmt(shrunk)).toEqual({ a: "t0", b: "t1" });
  });

  it("balances as far as differing subscriptions allow", () => {
    const a = sticky([member("a", ["t"]), member("b", ["t", "u"]), member("c", ["u"])], counts({ t: 4, u: 2 }));
    expect([...a.values()].map((l) => l.length)).toEqual([2, 2, 2]);
    for (const tp of a.get("a")!) expect(tp.topic).toBe("t");
    for (const tp of a.get("c")!) expect(tp.topic).toBe("u");
    // Now c leaves: b must take u; a keeps its t partitions.
    const after = sticky([member("a", ["t"], a.get("a")), member("b", ["t", "u"], a.get("b"))], counts({ t: 4, u: 2 }));
    expect(after.get("a")).toEqual(expect.arrayContaining(a.get("a")!));
    expect(after.get("b")!.filter((tp) => tp.topic === "u")).toHaveLength(2);
    expect([...after.values()].flat()).toHaveLength(6);
  });

  it("is deterministic", () => {
    const members = [member("x", ["t"]), member("y", ["t"]), member("z", ["t"])];
    expect(fmt(sticky(members, counts({ t: 10 })))).toEqual(fmt(sticky([...members].reverse(), counts({ t: 10 }))));
  });
});
