import { afterEach, describe, expect, it } from "vitest";
import { KafkaProtocolError } from "../../src/errors/index.js";
import { Err, type FenceReason, type GroupCoordinator, type ManagedJoinOptions, type ManagedMemberHandle, type TopicPartition } from "../../src/groups/index.js";
import { coordinator, FakeClock, flush, join, stableGroup } from "./helpers.js";

const key = (tp: TopicPartition) => `${tp.topic}-${tp.partition}`;

/**
 * Managed members whose callbacks record every event and check the one invariant that matters: a
 * partition is never held by two members at once (the old owner's revocation is acknowledged first).
 */
function world(coord: GroupCoordinator) {
  const holder = new Map<string, string>();
  const events: string[] = [];
  // Recorded, not thrown: callbacks run inside the coordinator's effect queue, which logs and swallows throws.
  const violations: string[] = [];
  const members = new Map<string, { handle: ManagedMemberHandle; pending: Array<() => void>; fenced?: FenceReason }>();
  function add(name: string, options: Partial<ManagedJoinOptions> & { ack?: "auto" | "manual" | "reject" } = {}) {
    const { ack = "auto", ...rest } = options;
    const entry = { handle: undefined as unknown as ManagedMemberHandle, pending: [] as Array<() => void>, fenced: undefined as FenceReason | undefined };
    entry.handle = coord.joinManaged(
      { groupId: "m", topics: ["t"], sessionTimeoutMs: 1000, ...rest },
      {
        onAssigned(partitions) {
          for (const tp of partitions) {
            if (holder.has(key(tp))) violations.push(`${key(tp)} given to ${name} while ${holder.get(key(tp))} holds it`);
            holder.set(key(tp), name);
          }
          events.push(`${name} +${partitions.map(key).join(",")}`);
        },
        onRevoked(partitions) {
          events.push(`${name} -${partitions.map(key).join(",")}`);
          const release = () => {
            for (const tp of partitions) holder.delete(key(tp));
            events.push(`${name} ack`);
          };
          if (ack === "reject") return Promise.reject(new Error("client gone"));
          if (ack === "auto") return Promise.resolve().then(release);
          return new Promise<void>((resolve) => entry.pending.push(() => (release(), resolve())));
        },
        onFenced(reason) {
          entry.fenced = reason;
          for (const [k, v] of holder) if (v === name) holder.delete(k); // a fenced member holds nothing
          events.push(`${name} fenced ${reason}`);
        },
      },
    );
    members.set(name, entry);
    return entry;
  }
  const owned = (name: string) => members.get(name)!.handle.assignment().map(key);
  /** A client leaving has stopped reading (after committing) before it says so. */
  const leave = (name: string) => {
    for (const [k, v] of holder) if (v === name) holder.delete(k);
    members.get(name)!.handle.leave();
  };
  return { add, owned, leave, events, holder, members, violations };
}

let current: ReturnType<typeof world> | undefined;
afterEach(() => {
  expect(current?.violations ?? []).toEqual([]);
  current = undefined;
});

async function setup(partitions: Record<string, number> = { t: 6 }) {
  const counts = { ...partitions };
  const clock = new FakeClock();
  const { coord } = await coordinator({ clock, partitionsFor: (t) => counts[t] ?? 0 });
  current = world(coord);
  return { coord, clock, counts, w: current };
}

const groupState = (coord: GroupCoordinator) => coord.listGroups().find((g) => g.groupId === "m")?.state;

describe("managed members", () => {
  it("3 members on 6 partitions get 2 each after one initial window", async () => {
    const { coord, clock, w } = await setup();
    for (const n of ["a", "b", "c"]) w.add(n);
    await flush();
    expect(groupState(coord)).toBe("Assigning");
    expect(w.events).toEqual([]);
    clock.advance(200);
    await flush();
    expect(["a", "b", "c"].map((n) => w.owned(n).length)).toEqual([2, 2, 2]);
    expect(w.holder.size).toBe(6);
    expect(groupState(coord)).toBe("Stable");
    expect(w.events.every((e) => e.includes("+"))).toBe(true); // assignments only, no revocation
  });

  it("a 4th member gets its partition only after the old owner acknowledges the revocation (sticky: one move)", async () => {
    const { coord, clock, w } = await setup();
    const old = ["a", "b", "c"].map((n) => w.add(n, { ack: "manual" }));
    clock.advance(200);
    await flush();
    const before = new Map(["a", "b", "c"].map((n) => [n, w.owned(n)]));
    w.events.length = 0;
    const d = w.add("d");
    await flush();
    const revokes = w.events.filter((e) => e.includes(" -"));
    expect(revokes).toHaveLength(1);
    expect(w.owned("d")).toEqual([]);
    expect(groupState(coord)).toBe("Reconciling");
    const [loser, what] = revokes[0]!.split(" -") as [string, string];
    // The revoking member still owns the partition and may commit it before acknowledging.
    const [topic, p] = what.split("-");
    const committed = await w.members.get(loser)!.handle.commit([{ topic: topic!, partition: Number(p), offset: 42n }]);
    expect(committed).toEqual([{ topic, partition: Number(p), errorCode: Err.NONE }]);
    old.forEach((m) => m.pending.forEach((release) => release()));
    await flush();
    expect(w.events.slice(-2)).toEqual([`${loser} ack`, `d +${what}`]);
    expect(d.handle.assignment().map(key)).toEqual([what]);
    expect(["a", "b", "c", "d"].map((n) => w.owned(n).length).sort()).toEqual([1, 1, 2, 2]);
    for (const n of ["a", "b", "c"]) for (const k of w.owned(n)) expect(before.get(n)).toContain(k);
    expect(groupState(coord)).toBe("Stable");
    expect(d.handle.generation).toBe(2);
  });

  it("range: partitions move through revocation first, never held twice", async () => {
    const { clock, w } = await setup({ t: 7 });
    for (const n of ["a", "b", "c"]) w.add(n, { assignor: "range" });
    clock.advance(200);
    await flush();
    w.add("d", { assignor: "range" });
    await flush();
    await flush();
    expect(["a", "b", "c", "d"].map((n) => w.owned(n).length).reduce((x, y) => x + y)).toBe(7);
    expect(w.holder.size).toBe(7);
  });

  it("a member whose session expires is fenced and its partitions go to the others", async () => {
    const { coord, clock, w } = await setup();
    const [a, b, c] = ["a", "b", "c"].map((n) => w.add(n));
    clock.advance(200);
    await flush();
    for (let i = 0; i < 3; i++) {
      clock.advance(400);
      expect(a!.handle.heartbeat()).toBe(Err.NONE);
      expect(c!.handle.heartbeat()).toBe(Err.NONE);
    }
    await flush();
    expect(b!.fenced).toBe("session-timeout");
    expect(w.owned("a").length + w.owned("c").length).toBe(6);
    expect([w.owned("a").length, w.owned("c").length]).toEqual([3, 3]);
    expect(b!.handle.heartbeat()).toBe(Err.UNKNOWN_MEMBER_ID);
    expect(await b!.handle.commit([{ topic: "t", partition: 0, offset: 1n }])).toEqual([{ topic: "t", partition: 0, errorCode: Err.UNKNOWN_MEMBER_ID }]);
    expect(groupState(coord)).toBe("Stable");
  });

  it("removes a member that does not acknowledge a revocation within the rebalance timeout", async () => {
    const { clock, w } = await setup();
    const slow = w.add("a", { ack: "manual", rebalanceTimeoutMs: 500, sessionTimeoutMs: 10_000 });
    clock.advance(100);
    await flush();
    expect(w.owned("a")).toHaveLength(6);
    w.add("b", { sessionTimeoutMs: 10_000 });
    await flush();
    clock.advance(499);
    await flush();
    expect(slow.fenced).toBeUndefined();
    clock.advance(1);
    await flush();
    expect(slow.fenced).toBe("revocation-timeout");
    expect(w.owned("b")).toHaveLength(6);
  });

  it("removes a member whose revocation fails", async () => {
    const { clock, w } = await setup();
    const bad = w.add("a", { ack: "reject" });
    clock.advance(100);
    await flush();
    w.add("b");
    await flush();
    await flush();
    expect(bad.fenced).toBe("revocation-failed");
    expect(w.owned("b")).toHaveLength(6);
  });

  it("a leaving member's partitions are reassigned at once", async () => {
    const { clock, w } = await setup();
    const [a] = ["a", "b"].map((n) => w.add(n));
    clock.advance(200);
    await flush();
    w.leave("a");
    await flush();
    expect(w.owned("b")).toHaveLength(6);
    expect(a!.fenced).toBeUndefined();
  });

  it("sees new partitions at the next heartbeat", async () => {
    const { clock, counts, w } = await setup({ t: 2 });
    const [a] = ["a", "b"].map((n) => w.add(n));
    clock.advance(200);
    await flush();
    counts.t = 5;
    a!.handle.heartbeat();
    await flush();
    expect(w.owned("a").length + w.owned("b").length).toBe(5);
    expect(w.events.some((e) => e.includes(" -"))).toBe(false); // growth needs no revocation
  });

  it("commits only partitions the member owns", async () => {
    const { coord, clock, w } = await setup({ t: 2 });
    const [a] = ["a", "b"].map((n) => w.add(n));
    clock.advance(200);
    await flush();
    const mine = a!.handle.assignment()[0]!;
    const other = w.members.get("b")!.handle.assignment()[0]!;
    const res = await a!.handle.commit([{ ...mine, offset: 7n, metadata: "x" }, { ...other, offset: 9n }]);
    expect(res.map((r) => r.errorCode)).toEqual([Err.NONE, Err.ILLEGAL_GENERATION]);
    expect(coord.fetchOffsets({ groupId: "m", topics: null }).topics[0]!.partitions).toEqual([
      { partitionIndex: mine.partition, committedOffset: 7n, committedLeaderEpoch: -1, metadata: "x", errorCode: 0 },
    ]);
  });

  it("changes subscriptions", async () => {
    const { clock, w } = await setup({ t: 2, u: 2 });
    const [a] = ["a"].map((n) => w.add(n));
    clock.advance(100);
    await flush();
    expect(a!.handle.subscribe(["t", "u"])).toBe(Err.NONE);
    await flush();
    expect(w.owned("a")).toEqual(["t-0", "t-1", "u-0", "u-1"]);
  });
});

describe("managed and Kafka-protocol members do not mix", () => {
  it("refuses a classic JoinGroup into a managed group, and a managed member into a classic group", async () => {
    const { coord, clock, w } = await setup();
    w.add("a");
    expect((await coord.joinGroup(join({ groupId: "m" }))).errorCode).toBe(Err.INCONSISTENT_GROUP_PROTOCOL);
    await stableGroup(coord, clock, 1, "k");
    expect(() => coord.joinManaged({ groupId: "k", topics: ["t"], sessionTimeoutMs: 1000 }, { onAssigned() {}, onRevoked: async () => {} })).toThrow(
      expect.objectContaining({ kafkaCode: Err.INCONSISTENT_GROUP_PROTOCOL }),
    );
  });

  it("refuses a second assignor and bad arguments", async () => {
    const { coord, w } = await setup();
    w.add("a", { assignor: "sticky" });
    const cb = { onAssigned() {}, onRevoked: async () => {} };
    const attempt = (o: Partial<ManagedJoinOptions>) => {
      try {
        coord.joinManaged({ groupId: "m", topics: ["t"], sessionTimeoutMs: 1000, ...o }, cb);
        return Err.NONE;
      } catch (error) {
        return (error as KafkaProtocolError).kafkaCode;
      }
    };
    expect(attempt({ assignor: "range" })).toBe(Err.INCONSISTENT_GROUP_PROTOCOL);
    expect(attempt({ groupId: "" })).toBe(Err.INVALID_GROUP_ID);
    expect(attempt({ sessionTimeoutMs: 1 })).toBe(Err.INVALID_SESSION_TIMEOUT);
    expect(attempt({ assignor: "nope" as never, groupId: "other" })).toBe(Err.INVALID_REQUEST);
  });

  it("an empty group changes kind and keeps its offsets", async () => {
    const { coord, clock, w } = await setup();
    await coord.commitOffsets({ groupId: "m", generationId: -1, memberId: "", topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 5n }] }] });
    const a = w.add("a");
    clock.advance(100);
    await flush();
    expect(coord.listGroups()).toEqual([{ groupId: "m", protocolType: "consumer", state: "Stable", type: "managed" }]);
    w.leave("a");
    const classic = coord.joinGroup(join({ groupId: "m" }));
    clock.advance(100);
    expect((await classic).errorCode).toBe(Err.NONE);
    expect(coord.fetchOffsets({ groupId: "m", topics: null }).topics[0]!.partitions[0]!.committedOffset).toBe(5n);
  });

  it("fences managed members when the coordinator closes", async () => {
    const { coord, w } = await setup();
    const a = w.add("a");
    coord.close();
    await flush();
    expect(a.fenced).toBe("coordinator-closed");
  });
});
