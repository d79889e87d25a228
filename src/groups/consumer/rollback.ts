// Puts a group back as its checkpoint describes it (persist/checkpoint.ts), after a write of its records
// failed (persist/store.ts calls this through the coordinator). Kafka's coordinator does the same: its group
// state is timeline data, reverted to the last committed offset when a write fails, and the request that
// made the change is answered with the write's error.
//
// Behavior:
// - A KIP-848 group gets its fields back: members, epochs, target assignment, subscriptions. A member the
//   failed change added is gone (its timers with it); a member it removed (a leave, a session or rebalance
//   timeout) is back with a new session, and its rebalance timeout again if it was revoking. Timers of the
//   members it did not touch keep running.
// - A group the failed change created or converted goes back to what was there: nothing (an empty classic
//   group if it has committed offsets, as after a restart), the empty group it replaced, or the classic group
//   an online upgrade replaced, with its members' sessions (and its rebalance, if one was under way).
// - A group the failed change replaced (a downgrade to classic) is dropped: requests parked in it are
//   answered REBALANCE_IN_PROGRESS, so those members join again, into the group put back.

import { timerKey } from "../clock.js";
import { Err, type AnyGroup, type GroupContext } from "../context.js";
import { ClassicGroup } from "../group.js";
import type { GroupCheckpoint } from "../persist/checkpoint.js";
import { joinError, rescheduleHeartbeat, resumeRebalance, syncError } from "../classic/rebalance.js";
import type { ConsumerGroup, ConsumerGroupSnapshot, ConsumerMember } from "./group.js";
import { scheduleRebalanceTimeout, scheduleSession } from "./heartbeat.js";

export function rollBack(ctx: GroupContext, checkpoint: GroupCheckpoint): void {
  const { groupId, group } = checkpoint;
  const current = ctx.groups.get(groupId);
  const kept = current === group;
  if (kept && group?.kind !== "consumer") return; // still the group that was written: nothing to put back
  if (current && !kept) retire(ctx, current);
  if (group?.kind === "consumer") {
    restoreConsumer(ctx, group, checkpoint.consumer!, kept ? new Map(group.members) : undefined);
  } else if (group?.kind === "classic") {
    ctx.groups.set(groupId, group);
    restoreClassic(ctx, group);
  } else if (group) {
    ctx.groups.set(groupId, group);
  } else {
    ctx.groups.delete(groupId);
    if (ctx.offsets.has(groupId)) ctx.groups.set(groupId, new ClassicGroup(groupId, ctx.clock.now()));
  }
  ctx.logger.warn("group change rolled back: its records could not be written", { group: groupId, kind: group?.kind ?? "none" });
}

/** The group the failed change put in place: its timers stop, and nobody stays parked in it. */
function retire(ctx: GroupContext, group: AnyGroup): void {
  ctx.timers.cancelPrefix(timerKey.group(group.groupId));
  if (group.kind !== "classic") return;
  for (const m of group.members.values()) {
    m.completeJoin(joinError(m.memberId, Err.REBALANCE_IN_PROGRESS));
    m.completeSync(syncError(Err.REBALANCE_IN_PROGRESS));
  }
}

/** `before`: the members as the failed change left them (undefined: the group was replaced, every timer is gone). */
function restoreConsumer(ctx: GroupContext, group: ConsumerGroup, snapshot: ConsumerGroupSnapshot, before: Map<string, ConsumerMember> | undefined): void {
  group.restore(snapshot);
  ctx.groups.set(group.groupId, group);
  for (const id of before?.keys() ?? []) {
    if (group.members.has(id)) continue;
    ctx.timers.cancel(timerKey.heartbeat(group.groupId, id));
    ctx.timers.cancel(timerKey.revoke(group.groupId, id));
    ctx.timers.cancel(timerKey.classicRejoin(group.groupId, id));
  }
  for (const member of group.members.values()) {
    const was = before?.get(member.memberId);
    if (!was) scheduleSession(ctx, group, member.memberId);
    if (was === member) continue; // untouched: its timers are still the right ones
    if (member.state === "UnrevokedPartitions") scheduleRebalanceTimeout(ctx, group, member);
    else ctx.timers.cancel(timerKey.revoke(group.groupId, member.memberId));
  }
}

function restoreClassic(ctx: GroupContext, group: ClassicGroup): void {
  for (const member of group.members.values()) rescheduleHeartbeat(ctx, group, member);
  if (group.is("PreparingRebalance") || group.is("CompletingRebalance")) resumeRebalance(ctx, group);
}
