import { describe, expect, it } from "vitest";
import { Err, leaveErrorCodeV0 } from "../../src/groups/index.js";
import { coordinator, flush, join, stableGroup, track } from "./helpers.js";

const state = (coord: { listGroups(): Array<{ groupId: string; state: string }> }, id = "g") => coord.listGroups().find((g) => g.groupId === id)?.state;

describe("Heartbeat", () => {
  it("answers by state and validates member and generation", async () => {
    const { coord, clock } = await coordinator();
    const hb = (memberId: string, generationId = 1, groupId = "g") => coord.heartbeat({ groupId, generationId, memberId }).errorCode;
    const a = track(coord.joinGroup(join()));
    clock.advance(100);
    await flush();
    const id = a.value.memberId;
    expect(state(coord)).toBe("CompletingRebalance");
    expect(hb(id)).toBe(Err.NONE);
    expect(hb(id, 0)).toBe(Err.ILLEGAL_GENERATION);
    expect(hb("ghost")).toBe(Err.UNKNOWN_MEMBER_ID);
    expect(hb(id, 1, "nope")).toBe(Err.UNKNOWN_MEMBER_ID);
    expect(hb(id, 1, "")).toBe(Err.INVALID_GROUP_ID);
    await coord.syncGroup({ groupId: "g", generationId: 1, memberId: id, assignments: [] });
    expect(hb(id)).toBe(Err.NONE);
    expect(hb(id, 2)).toBe(Err.ILLEGAL_GENERATION);
  });

  it("keeps a member alive past its session timeout", async () => {
    const { coord, clock } = await coordinator();
    const [a] = await stableGroup(coord, clock, 1);
    for (let i = 0; i < 10; i++) {
      clock.advance(900);
      expect(coord.heartbeat({ groupId: "g", generationId: 1, memberId: a!.memberId }).errorCode).toBe(Err.NONE);
    }
    expect(state(coord)).toBe("Stable");
  });
});

describe("session expiry", () => {
  it("removes a silent member and rebalances; the survivor learns it from Heartbeat and rejoins alone", async () => {
    const { coord, clock } = await coordinator();
    const [a, b] = await stableGroup(coord, clock, 2);
    clock.advance(600);
    expect(coord.heartbeat({ groupId: "g", generationId: 1, memberId: a!.memberId }).errorCode).toBe(Err.NONE);
    clock.advance(400); // B's session ends
    expect(state(coord)).toBe("PreparingRebalance");
    expect(coord.heartbeat({ groupId: "g", generationId: 1, memberId: a!.memberId }).errorCode).toBe(Err.REBALANCE_IN_PROGRESS);
    expect(coord.heartbeat({ groupId: "g", generationId: 1, memberId: b!.memberId }).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
    const again = await coord.joinGroup(join({ memberId: a!.memberId }));
    expect(again).toMatchObject({ errorCode: Err.NONE, generationId: 2, leader: a!.memberId });
    expect(again.members.map((m) => m.memberId)).toEqual([a!.memberId]);
  });

  it("an expiring sole member leaves the group Empty with the next generation", async () => {
    const { coord, clock } = await coordinator();
    await stableGroup(coord, clock, 1);
    clock.advance(1000);
    expect(state(coord)).toBe("Empty");
    expect((await coord.describeGroup("g")).generationId).toBe(2);
  });
});

describe("LeaveGroup", () => {
  it("v3: answers per member, removes the known ones and rebalances", async () => {
    const { coord, clock } = await coordinator();
    const [a, b] = await stableGroup(coord, clock, 2);
    const res = coord.leaveGroup({ groupId: "g", members: [{ memberId: b!.memberId }, { memberId: "ghost", groupInstanceId: "i-1" }, { memberId: "" }] });
    expect(res).toEqual({
      errorCode: Err.NONE,
      members: [
        { memberId: b!.memberId, groupInstanceId: null, errorCode: Err.NONE },
        { memberId: "ghost", groupInstanceId: "i-1", errorCode: Err.UNKNOWN_MEMBER_ID },
        { memberId: "", groupInstanceId: null, errorCode: Err.UNKNOWN_MEMBER_ID },
      ],
    });
    expect(state(coord)).toBe("PreparingRebalance");
    expect(coord.heartbeat({ groupId: "g", generationId: 1, memberId: a!.memberId }).errorCode).toBe(Err.REBALANCE_IN_PROGRESS);
  });

  it("v0-2: one member, one error code", async () => {
    const { coord, clock } = await coordinator();
    const [a] = await stableGroup(coord, clock, 1);
    expect(leaveErrorCodeV0(coord.leaveGroup({ groupId: "g", members: [{ memberId: "ghost" }] }))).toBe(Err.UNKNOWN_MEMBER_ID);
    expect(leaveErrorCodeV0(coord.leaveGroup({ groupId: "nope", members: [{ memberId: "ghost" }] }))).toBe(Err.UNKNOWN_MEMBER_ID);
    expect(leaveErrorCodeV0(coord.leaveGroup({ groupId: "g", members: [{ memberId: a!.memberId }] }))).toBe(Err.NONE);
    expect(state(coord)).toBe("Empty");
  });

  it("a leave during a rebalance ends the join phase if everyone else has rejoined", async () => {
    const { coord, clock } = await coordinator();
    const [a, b] = await stableGroup(coord, clock, 2);
    const c = track(coord.joinGroup(join()));
    const ra = track(coord.joinGroup(join({ memberId: a!.memberId })));
    await flush();
    expect(ra.done).toBe(false);
    coord.leaveGroup({ groupId: "g", members: [{ memberId: b!.memberId }] });
    await flush();
    expect(ra.value).toMatchObject({ errorCode: Err.NONE, generationId: 2 });
    expect(c.value.generationId).toBe(2);
  });

  it("answers a leaving member's own parked JoinGroup with UNKNOWN_MEMBER_ID", async () => {
    const { coord, clock } = await coordinator();
    const [a, b] = await stableGroup(coord, clock, 2);
    const rb = track(coord.joinGroup(join({ memberId: b!.memberId, protocols: [{ name: "range", metadata: new Uint8Array([1]) }] })));
    coord.leaveGroup({ groupId: "g", members: [{ memberId: b!.memberId }] });
    await flush();
    expect(rb.value).toMatchObject({ errorCode: Err.UNKNOWN_MEMBER_ID, memberId: "" });
    expect((await coord.joinGroup(join({ memberId: a!.memberId }))).generationId).toBe(2);
  });

  it("forgets a MEMBER_ID_REQUIRED id that leaves", async () => {
    const { coord } = await coordinator();
    const pending = await coord.joinGroup(join({ requireKnownMemberId: true }));
    expect(coord.leaveGroup({ groupId: "g", members: [{ memberId: pending.memberId }] }).members[0]!.errorCode).toBe(Err.NONE);
    expect((await coord.joinGroup(join({ memberId: pending.memberId }))).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
  });
});

describe("coordinator lifecycle", () => {
  it("answers parked requests with NOT_COORDINATOR on close, and COORDINATOR_NOT_AVAILABLE after", async () => {
    const { coord } = await coordinator();
    const a = track(coord.joinGroup(join()));
    coord.close();
    await flush();
    expect(a.value.errorCode).toBe(Err.NOT_COORDINATOR);
    expect((await coord.joinGroup(join())).errorCode).toBe(Err.COORDINATOR_NOT_AVAILABLE);
    expect(coord.heartbeat({ groupId: "g", generationId: 1, memberId: "x" }).errorCode).toBe(Err.COORDINATOR_NOT_AVAILABLE);
  });

  it("answers while loading as Kafka does", async () => {
    const { GroupCoordinator } = await import("../../src/groups/index.js");
    const coord = new GroupCoordinator({ logger: (await import("./helpers.js")).quiet });
    expect((await coord.joinGroup(join())).errorCode).toBe(Err.COORDINATOR_LOAD_IN_PROGRESS);
    expect((await coord.syncGroup({ groupId: "g", generationId: 1, memberId: "x", assignments: [] })).errorCode).toBe(Err.REBALANCE_IN_PROGRESS);
    expect(coord.heartbeat({ groupId: "g", generationId: 1, memberId: "x" }).errorCode).toBe(Err.NONE);
    await coord.start();
    expect(coord.isActive).toBe(true);
  });
});
