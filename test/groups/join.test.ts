import { describe, expect, it } from "vitest";
import { Err, encodeSubscription } from "../../src/groups/index.js";
import { coordinator, flush, join, stableGroup, track } from "./helpers.js";

const groupState = (coord: Awaited<ReturnType<typeof coordinator>>["coord"], id = "g") => coord.listGroups().find((g) => g.groupId === id)?.state;

describe("JoinGroup: the initial rebalance", () => {
  it("holds the first JoinGroup for the initial delay, then answers generation 1 with the leader and its members", async () => {
    const { coord, clock } = await coordinator();
    const a = track(coord.joinGroup(join()));
    clock.advance(99);
    await flush();
    expect(a.done).toBe(false);
    expect(groupState(coord)).toBe("PreparingRebalance");
    clock.advance(1);
    await flush();
    expect(a.value).toMatchObject({ errorCode: Err.NONE, generationId: 1, protocolType: "consumer", protocolName: "range" });
    expect(a.value.leader).toBe(a.value.memberId);
    expect(a.value.memberId).toMatch(/^client-[0-9a-f-]{36}$/);
    expect(a.value.members).toEqual([{ memberId: a.value.memberId, groupInstanceId: null, metadata: encodeSubscription(["t"]) }]);
    expect(groupState(coord)).toBe("CompletingRebalance");
  });

  it("renews the window when a member arrives during it; only the leader gets the member list", async () => {
    const { coord, clock } = await coordinator();
    const a = track(coord.joinGroup(join()));
    clock.advance(50);
    const b = track(coord.joinGroup(join()));
    clock.advance(50); // the first window ends, but B arrived: another window
    await flush();
    expect(a.done || b.done).toBe(false);
    clock.advance(100);
    await flush();
    expect(a.value.generationId).toBe(1);
    expect(b.value.generationId).toBe(1);
    expect(a.value.leader).toBe(a.value.memberId);
    expect(b.value.leader).toBe(a.value.memberId);
    expect(a.value.members.map((m) => m.memberId).sort()).toEqual([a.value.memberId, b.value.memberId].sort());
    expect(b.value.members).toEqual([]);
  });

  it("never extends the initial rebalance past the rebalance timeout", async () => {
    const { coord, clock } = await coordinator();
    const a = track(coord.joinGroup(join({ rebalanceTimeoutMs: 150 })));
    clock.advance(50);
    coord.joinGroup(join({ rebalanceTimeoutMs: 150 }));
    clock.advance(70);
    coord.joinGroup(join({ rebalanceTimeoutMs: 150 }));
    clock.advance(29);
    await flush();
    expect(a.done).toBe(false);
    clock.advance(1); // t = 150: a new member came, but the budget is spent
    await flush();
    expect(a.value.errorCode).toBe(Err.NONE);
    expect(a.value.members).toHaveLength(3);
  });
});

describe("JoinGroup: MEMBER_ID_REQUIRED (v4+)", () => {
  it("hands out an id first, then admits the member that comes back with it", async () => {
    const { coord, clock } = await coordinator();
    const first = await coord.joinGroup(join({ requireKnownMemberId: true }));
    expect(first).toMatchObject({ errorCode: Err.MEMBER_ID_REQUIRED, generationId: -1 });
    expect(first.memberId).toMatch(/^client-/);
    const second = track(coord.joinGroup(join({ memberId: first.memberId, requireKnownMemberId: true })));
    clock.advance(100);
    await flush();
    expect(second.value).toMatchObject({ errorCode: Err.NONE, memberId: first.memberId, leader: first.memberId, generationId: 1 });
  });

  it("does not send it to JoinGroup v0-3 (no requireKnownMemberId): the member is admitted at once", async () => {
    const { coord, clock } = await coordinator();
    const a = track(coord.joinGroup(join()));
    clock.advance(100);
    await flush();
    expect(a.value.errorCode).toBe(Err.NONE);
  });

  it("forgets an id that does not come back within the session timeout, and holds the join phase until then", async () => {
    const { coord, clock } = await coordinator();
    const [a] = await stableGroup(coord, clock, 1);
    const pending = await coord.joinGroup(join({ requireKnownMemberId: true, sessionTimeoutMs: 500 }));
    expect(groupState(coord)).toBe("Stable"); // an id handed out is not yet a member
    // The leader rejoins: the join phase must wait for the outstanding id too.
    const rejoin = track(coord.joinGroup(join({ memberId: a!.memberId })));
    await flush();
    expect(rejoin.done).toBe(false);
    clock.advance(500);
    await flush();
    expect(rejoin.value).toMatchObject({ errorCode: Err.NONE, generationId: 2 });
    expect(rejoin.value.members).toHaveLength(1);
    expect(await coord.joinGroup(join({ memberId: pending.memberId }))).toMatchObject({ errorCode: Err.UNKNOWN_MEMBER_ID });
  });
});

describe("JoinGroup: errors", () => {
  it("rejects bad ids, session timeouts and unknown members", async () => {
    const { coord } = await coordinator();
    expect((await coord.joinGroup(join({ groupId: "" }))).errorCode).toBe(Err.INVALID_GROUP_ID);
    expect((await coord.joinGroup(join({ sessionTimeoutMs: 5 }))).errorCode).toBe(Err.INVALID_SESSION_TIMEOUT);
    expect((await coord.joinGroup(join({ sessionTimeoutMs: 1_800_001 }))).errorCode).toBe(Err.INVALID_SESSION_TIMEOUT);
    expect((await coord.joinGroup(join({ groupId: "nope", memberId: "ghost" }))).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
  });

  it("answers UNKNOWN_MEMBER_ID to an unknown id in an existing group", async () => {
    const { coord, clock } = await coordinator();
    await stableGroup(coord, clock, 1);
    expect((await coord.joinGroup(join({ memberId: "ghost" }))).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
  });

  it("answers INCONSISTENT_GROUP_PROTOCOL to a member sharing no protocol or another protocol type", async () => {
    const { coord, clock } = await coordinator();
    await stableGroup(coord, clock, 2);
    const rr = await coord.joinGroup(join({ protocols: [{ name: "roundrobin", metadata: new Uint8Array() }] }));
    expect(rr).toMatchObject({ errorCode: Err.INCONSISTENT_GROUP_PROTOCOL, memberId: "" });
    expect((await coord.joinGroup(join({ protocolType: "connect" }))).errorCode).toBe(Err.INCONSISTENT_GROUP_PROTOCOL);
    expect((await coord.joinGroup(join({ groupId: "g2", protocols: [] }))).errorCode).toBe(Err.INCONSISTENT_GROUP_PROTOCOL);
    expect(groupState(coord)).toBe("Stable");
  });

  it("answers GROUP_MAX_SIZE_REACHED beyond group.max.size", async () => {
    const { coord, clock } = await coordinator({ config: { maxGroupSize: 1 } });
    await stableGroup(coord, clock, 1);
    expect(await coord.joinGroup(join())).toMatchObject({ errorCode: Err.GROUP_MAX_SIZE_REACHED, memberId: "" });
  });
});

describe("JoinGroup: protocol choice", () => {
  it("picks the protocol every member supports, by the members' votes", async () => {
    const { coord, clock } = await coordinator();
    const p = (...names: string[]) => names.map((name) => ({ name, metadata: new TextEncoder().encode(name) }));
    const a = track(coord.joinGroup(join({ protocols: p("range", "sticky", "roundrobin") })));
    const b = track(coord.joinGroup(join({ protocols: p("sticky", "roundrobin") })));
    const c = track(coord.joinGroup(join({ protocols: p("roundrobin", "sticky") })));
    clock.advance(200);
    await flush();
    // Candidates: roundrobin and sticky. A votes sticky (its first candidate), B sticky, C roundrobin.
    expect([a.value.protocolName, b.value.protocolName, c.value.protocolName]).toEqual(["sticky", "sticky", "sticky"]);
    expect(a.value.members.map((m) => new TextDecoder().decode(m.metadata))).toEqual(["sticky", "sticky", "sticky"]);
  });
});

describe("JoinGroup: rebalancing a Stable group", () => {
  it("a new member triggers a rebalance; the others learn it from Heartbeat and the phase ends when all rejoined", async () => {
    const { coord, clock } = await coordinator();
    const [a, b] = await stableGroup(coord, clock, 2);
    const c = track(coord.joinGroup(join()));
    await flush();
    expect(groupState(coord)).toBe("PreparingRebalance");
    for (const m of [a!, b!]) {
      expect(coord.heartbeat({ groupId: "g", generationId: 1, memberId: m.memberId }).errorCode).toBe(Err.REBALANCE_IN_PROGRESS);
    }
    const ra = track(coord.joinGroup(join({ memberId: a!.memberId })));
    await flush();
    expect(c.done).toBe(false);
    const rb = track(coord.joinGroup(join({ memberId: b!.memberId })));
    await flush(); // no timer needed: everybody is in
    for (const r of [ra, rb, c]) expect(r.value).toMatchObject({ errorCode: Err.NONE, generationId: 2, leader: a!.memberId });
    expect(ra.value.members).toHaveLength(3);
    expect(groupState(coord)).toBe("CompletingRebalance");
  });

  it("removes a member that does not rejoin within the rebalance timeout", async () => {
    const { coord, clock } = await coordinator();
    const [a, b] = await stableGroup(coord, clock, 2, "g", { rebalanceTimeoutMs: 3000, sessionTimeoutMs: 1000 });
    const c = track(coord.joinGroup(join({ rebalanceTimeoutMs: 3000 })));
    const ra = track(coord.joinGroup(join({ memberId: a!.memberId, rebalanceTimeoutMs: 3000 })));
    // B stays alive by heartbeating but never rejoins. The rebalance started at t = 200 (after stableGroup).
    for (let i = 0; i < 5; i++) {
      clock.advance(500);
      expect(coord.heartbeat({ groupId: "g", generationId: 1, memberId: b!.memberId }).errorCode).toBe(Err.REBALANCE_IN_PROGRESS);
    }
    await flush();
    expect(ra.done).toBe(false);
    clock.advance(500);
    await flush();
    expect(ra.value).toMatchObject({ errorCode: Err.NONE, generationId: 2 });
    expect(ra.value.members.map((m) => m.memberId).sort()).toEqual([a!.memberId, c.value.memberId].sort());
    expect(coord.heartbeat({ groupId: "g", generationId: 1, memberId: b!.memberId }).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
  });

  it("elects a new leader when the leader does not rejoin", async () => {
    const { coord, clock } = await coordinator();
    const [a, b] = await stableGroup(coord, clock, 2, "g", { sessionTimeoutMs: 10_000 });
    // New metadata from a follower starts a rebalance (the same metadata would just get generation 1 again).
    const protocols = [{ name: "range", metadata: encodeSubscription(["t", "u"]) }];
    const rb = track(coord.joinGroup(join({ memberId: b!.memberId, sessionTimeoutMs: 10_000, protocols })));
    clock.advance(5000); // the rebalance timeout
    await flush();
    expect(rb.value).toMatchObject({ errorCode: Err.NONE, generationId: 2, leader: b!.memberId });
    expect(coord.heartbeat({ groupId: "g", generationId: 2, memberId: a!.memberId }).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
  });

  it("answers a follower that rejoins Stable with the same metadata at once; the leader rejoining starts a rebalance", async () => {
    const { coord, clock } = await coordinator();
    const [a, b] = await stableGroup(coord, clock, 2);
    const again = await coord.joinGroup(join({ memberId: b!.memberId }));
    expect(again).toMatchObject({ errorCode: Err.NONE, generationId: 1, leader: a!.memberId, members: [] });
    expect(groupState(coord)).toBe("Stable");
    const changed = track(coord.joinGroup(join({ memberId: b!.memberId, protocols: [{ name: "range", metadata: encodeSubscription(["t", "u"]) }] })));
    await flush();
    expect(changed.done).toBe(false);
    expect(groupState(coord)).toBe("PreparingRebalance");
    coord.joinGroup(join({ memberId: a!.memberId }));
    await flush();
    expect(changed.value.generationId).toBe(2);
  });

  it("repeats this generation's answer to a member rejoining with the same metadata while CompletingRebalance", async () => {
    const { coord, clock } = await coordinator();
    const a = track(coord.joinGroup(join()));
    const b = track(coord.joinGroup(join()));
    clock.advance(200);
    await flush();
    const leaderAgain = await coord.joinGroup(join({ memberId: a.value.memberId }));
    expect(leaderAgain).toMatchObject({ errorCode: Err.NONE, generationId: 1, leader: a.value.memberId });
    expect(leaderAgain.members).toHaveLength(2);
    expect((await coord.joinGroup(join({ memberId: b.value.memberId }))).members).toEqual([]);
    expect(groupState(coord)).toBe("CompletingRebalance");
  });

  it("drops a new member whose JoinGroup waits longer than newMemberJoinTimeoutMs", async () => {
    const { coord, clock } = await coordinator({ config: { newMemberJoinTimeoutMs: 200 } });
    const [a] = await stableGroup(coord, clock, 1, "g", { sessionTimeoutMs: 10_000 });
    const b = track(coord.joinGroup(join()));
    clock.advance(200);
    await flush();
    expect(b.value).toMatchObject({ errorCode: Err.UNKNOWN_MEMBER_ID, memberId: "" });
    // The leader rejoins: the phase completes with the leader alone.
    const ra = await coord.joinGroup(join({ memberId: a!.memberId }));
    expect(ra.members.map((m) => m.memberId)).toEqual([a!.memberId]);
  });
});
