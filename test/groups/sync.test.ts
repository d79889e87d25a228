import { describe, expect, it } from "vitest";
import { decodeAssignment, Err } from "../../src/groups/index.js";
import { assignmentBytes, coordinator, flush, join, stableGroup, track } from "./helpers.js";

const state = (coord: { listGroups(): Array<{ groupId: string; state: string }> }) => coord.listGroups().find((g) => g.groupId === "g")?.state;

/** Two members through the join phase, not yet synced: [leader, follower] JoinGroup answers. */
async function joined(sessionTimeoutMs = 1000, rebalanceTimeoutMs = 5000) {
  const { coord, clock } = await coordinator();
  const a = coord.joinGroup(join({ sessionTimeoutMs, rebalanceTimeoutMs }));
  const b = coord.joinGroup(join({ sessionTimeoutMs, rebalanceTimeoutMs }));
  clock.advance(200);
  const answers = await Promise.all([a, b]);
  const leader = answers.find((x) => x.leader === x.memberId)!;
  const follower = answers.find((x) => x !== leader)!;
  return { coord, clock, leader, follower };
}

describe("SyncGroup", () => {
  it("parks followers until the leader's assignment arrives, then answers each with its own (a slow leader)", async () => {
    const { coord, clock, leader, follower } = await joined();
    const fs = track(coord.syncGroup({ groupId: "g", generationId: 1, memberId: follower.memberId, assignments: [] }));
    clock.advance(800); // the leader is slow, but within its session
    await flush();
    expect(fs.done).toBe(false);
    expect(state(coord)).toBe("CompletingRebalance");
    const ls = await coord.syncGroup({
      groupId: "g",
      generationId: 1,
      memberId: leader.memberId,
      assignments: [
        { memberId: leader.memberId, assignment: assignmentBytes([{ topic: "t", partition: 0 }]) },
        { memberId: follower.memberId, assignment: assignmentBytes([{ topic: "t", partition: 1 }]) },
        { memberId: "not-a-member", assignment: assignmentBytes([{ topic: "t", partition: 2 }]) },
      ],
    });
    await flush();
    expect(ls).toMatchObject({ errorCode: Err.NONE, protocolType: "consumer", protocolName: "range" });
    expect(decodeAssignment(ls.assignment)).toEqual([{ topic: "t", partition: 0 }]);
    expect(decodeAssignment(fs.value.assignment)).toEqual([{ topic: "t", partition: 1 }]);
    expect(state(coord)).toBe("Stable");
  });

  it("a leader that never syncs is removed at its session timeout; parked followers get REBALANCE_IN_PROGRESS", async () => {
    const { coord, clock, leader, follower } = await joined();
    const fs = track(coord.syncGroup({ groupId: "g", generationId: 1, memberId: follower.memberId, assignments: [] }));
    clock.advance(999);
    await flush();
    expect(fs.done).toBe(false);
    clock.advance(1);
    await flush();
    expect(fs.value).toMatchObject({ errorCode: Err.REBALANCE_IN_PROGRESS, protocolType: null, assignment: new Uint8Array() });
    expect(state(coord)).toBe("PreparingRebalance");
    expect(coord.heartbeat({ groupId: "g", generationId: 1, memberId: leader.memberId }).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
    // The follower rejoins and becomes the leader of generation 2.
    const again = await coord.joinGroup(join({ memberId: follower.memberId }));
    expect(again).toMatchObject({ errorCode: Err.NONE, generationId: 2, leader: follower.memberId });
  });

  it("a member that joins but never syncs (nor heartbeats) is removed after its session timeout", async () => {
    const { coord, clock, leader, follower } = await joined();
    const ls = await coord.syncGroup({ groupId: "g", generationId: 1, memberId: leader.memberId, assignments: [] });
    expect(ls.errorCode).toBe(Err.NONE);
    expect(state(coord)).toBe("Stable");
    clock.advance(500);
    expect(coord.heartbeat({ groupId: "g", generationId: 1, memberId: leader.memberId }).errorCode).toBe(Err.NONE);
    clock.advance(500); // the follower's session (started when its JoinGroup was answered) ends
    expect(coord.heartbeat({ groupId: "g", generationId: 1, memberId: leader.memberId }).errorCode).toBe(Err.REBALANCE_IN_PROGRESS);
    expect(coord.heartbeat({ groupId: "g", generationId: 1, memberId: follower.memberId }).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
  });

  it("a member that heartbeats but never syncs is removed at the rebalance timeout", async () => {
    const { coord, clock, leader, follower } = await joined(1000, 3000);
    await coord.syncGroup({ groupId: "g", generationId: 1, memberId: leader.memberId, assignments: [] });
    for (let i = 0; i < 5; i++) {
      clock.advance(500);
      coord.heartbeat({ groupId: "g", generationId: 1, memberId: leader.memberId });
      expect(coord.heartbeat({ groupId: "g", generationId: 1, memberId: follower.memberId }).errorCode).toBe(Err.NONE);
    }
    clock.advance(500); // t = 3000 after the join phase ended
    expect(state(coord)).toBe("PreparingRebalance");
    expect(coord.heartbeat({ groupId: "g", generationId: 1, memberId: follower.memberId }).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
  });

  it("answers a follower that syncs after the leader at once (Stable)", async () => {
    const { coord, leader, follower } = await joined();
    const assignments = [{ memberId: follower.memberId, assignment: assignmentBytes([{ topic: "t", partition: 3 }]) }];
    await coord.syncGroup({ groupId: "g", generationId: 1, memberId: leader.memberId, assignments });
    const late = await coord.syncGroup({ groupId: "g", generationId: 1, memberId: follower.memberId, assignments: [] });
    expect(decodeAssignment(late.assignment)).toEqual([{ topic: "t", partition: 3 }]);
  });

  it("gives members the leader left out an empty assignment", async () => {
    const { coord, leader, follower } = await joined();
    const fs = coord.syncGroup({ groupId: "g", generationId: 1, memberId: follower.memberId, assignments: [] });
    await coord.syncGroup({ groupId: "g", generationId: 1, memberId: leader.memberId, assignments: [] });
    expect(await fs).toMatchObject({ errorCode: Err.NONE, assignment: new Uint8Array() });
  });

  it("answers ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, INCONSISTENT_GROUP_PROTOCOL and INVALID_GROUP_ID", async () => {
    const { coord, leader } = await joined();
    const sync = (o: object) => coord.syncGroup({ groupId: "g", generationId: 1, memberId: leader.memberId, assignments: [], ...o });
    expect((await sync({ generationId: 0 })).errorCode).toBe(Err.ILLEGAL_GENERATION);
    expect((await sync({ memberId: "ghost" })).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
    expect((await sync({ groupId: "nope" })).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
    expect((await sync({ groupId: "" })).errorCode).toBe(Err.INVALID_GROUP_ID);
    expect((await sync({ protocolName: "roundrobin" })).errorCode).toBe(Err.INCONSISTENT_GROUP_PROTOCOL);
    expect((await sync({ protocolType: "connect" })).errorCode).toBe(Err.INCONSISTENT_GROUP_PROTOCOL);
    expect((await sync({ protocolType: "consumer", protocolName: "range" })).errorCode).toBe(Err.NONE);
  });

  it("answers REBALANCE_IN_PROGRESS while the group prepares a rebalance, ILLEGAL_GENERATION for a stale one after", async () => {
    const { coord, clock } = await coordinator();
    const [a, b] = await stableGroup(coord, clock, 2);
    const c = coord.joinGroup(join());
    expect((await coord.syncGroup({ groupId: "g", generationId: 1, memberId: a!.memberId, assignments: [] })).errorCode).toBe(Err.REBALANCE_IN_PROGRESS);
    coord.joinGroup(join({ memberId: a!.memberId }));
    coord.joinGroup(join({ memberId: b!.memberId }));
    await c;
    expect((await coord.syncGroup({ groupId: "g", generationId: 1, memberId: b!.memberId, assignments: [] })).errorCode).toBe(Err.ILLEGAL_GENERATION);
  });

  it("answers UNKNOWN_MEMBER_ID once the group is Empty", async () => {
    const { coord, clock } = await coordinator();
    const [a] = await stableGroup(coord, clock, 1);
    coord.leaveGroup({ groupId: "g", members: [{ memberId: a!.memberId }] });
    expect(state(coord)).toBe("Empty");
    expect((await coord.syncGroup({ groupId: "g", generationId: 2, memberId: a!.memberId, assignments: [] })).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
  });
});
