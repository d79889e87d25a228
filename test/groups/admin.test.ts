import { describe, expect, it } from "vitest";
import { decodeSubscription, Err } from "../../src/groups/index.js";
import type { StartFrom } from "../../src/protocol/start-from.js";
import { coordinator, FakeClock, flush, join, stableGroup } from "./helpers.js";

const ends: Record<string, bigint> = { "t-0": 100n, "t-1": 50n, "t-2": 7n };
const hooks = {
  partitionsFor: (t: string) => (t === "t" ? 3 : 0),
  logEndOffset: async (t: string, p: number) => ends[`${t}-${p}`],
  // As the broker resolves a start: a time after the last record means the log end.
  resolveStart: async (_t: string, p: number, from: StartFrom) => {
    if (from === "earliest") return 0n;
    if (from === "latest" || "offset" in from) return ends[`t-${p}`]!;
    return from.timestamp > 1000 ? ends[`t-${p}`]! : BigInt(p + 1);
  },
};

const standalone = (groupId: string, partition: number, offset: bigint) => ({
  groupId,
  generationId: -1,
  memberId: "",
  topics: [{ name: "t", partitions: [{ partitionIndex: partition, committedOffset: offset }] }],
});

describe("listGroups / describeGroup", () => {
  it("lists every group with its state, filtered by state", async () => {
    const { coord, clock } = await coordinator(hooks);
    await stableGroup(coord, clock, 1, "active");
    await coord.commitOffsets(standalone("idle", 0, 1n));
    expect(coord.listGroups()).toEqual([
      { groupId: "active", protocolType: "consumer", state: "Stable", type: "classic" },
      { groupId: "idle", protocolType: "", state: "Empty", type: "classic" },
    ]);
    expect(coord.listGroups({ states: ["stable"] }).map((g) => g.groupId)).toEqual(["active"]);
  });

  it("describes a Stable classic group with its members' partitions and lag", async () => {
    const { coord, clock } = await coordinator(hooks);
    const [a, b] = await stableGroup(coord, clock, 2);
    await coord.commitOffsets({ ...standalone("g", 0, 90n), generationId: 1, memberId: a!.memberId });
    const d = await coord.describeGroup("g");
    expect(d).toMatchObject({ groupId: "g", state: "Stable", type: "classic", protocolType: "consumer", protocol: "range", generationId: 1, leader: a!.memberId });
    expect(d.members.map((m) => [m.memberId, m.clientId, m.clientHost, m.partitions])).toEqual([
      [a!.memberId, "client", "/127.0.0.1", [{ topic: "t", partition: 0 }]],
      [b!.memberId, "client", "/127.0.0.1", [{ topic: "t", partition: 1 }]],
    ]);
    expect(decodeSubscription(d.members[0]!.metadata)).toEqual(["t"]);
    expect(d.offsets).toEqual([
      { topic: "t", partition: 0, committedOffset: 90n, metadata: "", logEndOffset: 100n, lag: 10n, memberId: a!.memberId },
      { topic: "t", partition: 1, committedOffset: -1n, metadata: "", logEndOffset: 50n, lag: null, memberId: b!.memberId },
    ]);
  });

  it("hides protocol and assignments outside Stable, as Kafka does, and describes unknown groups as Dead", async () => {
    const { coord, clock } = await coordinator(hooks);
    coord.joinGroup(join());
    clock.advance(100);
    await flush();
    const d = await coord.describeGroup("g");
    expect(d).toMatchObject({ state: "CompletingRebalance", protocol: "" });
    expect(d.members[0]!.assignment).toEqual(new Uint8Array());
    expect(await coord.describeGroup("nope")).toMatchObject({ state: "Dead", members: [], offsets: [] });
  });

  it("describes a managed group with consumer-protocol bytes", async () => {
    const clock = new FakeClock();
    const { coord } = await coordinator({ ...hooks, clock });
    coord.joinManaged({ groupId: "m", topics: ["t"], sessionTimeoutMs: 1000, clientId: "browser" }, { onAssigned() {}, onRevoked: async () => {} });
    clock.advance(100);
    await flush();
    const d = await coord.describeGroup("m");
    expect(d).toMatchObject({ state: "Stable", type: "managed", protocolType: "consumer", protocol: "sticky", generationId: 1 });
    expect(d.members[0]!.partitions).toHaveLength(3);
    expect(decodeSubscription(d.members[0]!.metadata)).toEqual(["t"]);
    expect(d.offsets.map((o) => o.logEndOffset)).toEqual([100n, 50n, 7n]);
  });
});

describe("deleteGroups / deleteGroupOffsets", () => {
  it("deletes only empty groups, with their offsets", async () => {
    const { coord, clock } = await coordinator(hooks);
    await stableGroup(coord, clock, 1, "busy");
    await coord.commitOffsets(standalone("idle", 0, 3n));
    expect(await coord.deleteGroups(["busy", "idle", "nope"])).toEqual([
      { groupId: "busy", errorCode: Err.NON_EMPTY_GROUP },
      { groupId: "idle", errorCode: Err.NONE },
      { groupId: "nope", errorCode: Err.GROUP_ID_NOT_FOUND },
    ]);
    expect(coord.listGroups().map((g) => g.groupId)).toEqual(["busy"]);
    expect(coord.fetchOffsets({ groupId: "idle", topics: null }).topics).toEqual([]);
  });

  it("deletes some offsets of an empty group, refuses an active one", async () => {
    const { coord, clock } = await coordinator(hooks);
    await coord.commitOffsets(standalone("idle", 0, 3n));
    await coord.commitOffsets(standalone("idle", 1, 4n));
    expect(await coord.deleteGroupOffsets("idle", [{ topic: "t", partition: 0 }])).toEqual({ errorCode: 0, partitions: [{ topic: "t", partition: 0, errorCode: 0 }] });
    expect(coord.fetchOffsets({ groupId: "idle", topics: null }).topics[0]!.partitions.map((p) => p.partitionIndex)).toEqual([1]);
    await stableGroup(coord, clock, 1, "busy");
    expect((await coord.deleteGroupOffsets("busy", [{ topic: "t", partition: 0 }])).errorCode).toBe(Err.NON_EMPTY_GROUP);
    expect((await coord.deleteGroupOffsets("nope", [])).errorCode).toBe(Err.GROUP_ID_NOT_FOUND);
  });
});

describe("resetOffsets", () => {
  it("is refused while the group has members", async () => {
    const { coord, clock } = await coordinator(hooks);
    await stableGroup(coord, clock, 1);
    expect(await coord.resetOffsets("g", "t", "earliest")).toEqual({ errorCode: Err.NON_EMPTY_GROUP, partitions: [] });
    const clock2 = new FakeClock();
    const { coord: c2 } = await coordinator({ ...hooks, clock: clock2 });
    c2.joinManaged({ groupId: "m", topics: ["t"], sessionTimeoutMs: 1000 }, { onAssigned() {}, onRevoked: async () => {} });
    expect((await c2.resetOffsets("m", "t", "latest")).errorCode).toBe(Err.NON_EMPTY_GROUP);
  });

  it("resets an empty group to earliest, latest, a timestamp (log end past the last record) or an offset", async () => {
    const { coord } = await coordinator(hooks);
    const offsets = async () => coord.fetchOffsets({ groupId: "g", topics: null }).topics[0]!.partitions.map((p) => p.committedOffset);
    expect((await coord.resetOffsets("g", "t", "latest")).partitions.map((p) => p.offset)).toEqual([100n, 50n, 7n]);
    expect(await offsets()).toEqual([100n, 50n, 7n]);
    await coord.resetOffsets("g", "t", "earliest", [1]);
    expect(await offsets()).toEqual([100n, 0n, 7n]);
    await coord.resetOffsets("g", "t", { timestamp: 5 });
    expect(await offsets()).toEqual([1n, 2n, 3n]);
    await coord.resetOffsets("g", "t", { timestamp: 5000 });
    expect(await offsets()).toEqual([100n, 50n, 7n]);
    await coord.resetOffsets("g", "t", { offset: 42n }, [2]);
    expect(await offsets()).toEqual([100n, 50n, 42n]);
    expect((await coord.resetOffsets("g", "unknown", "latest")).errorCode).toBe(Err.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
