// A group's checkpoint: what the coordinator held under a group id at one moment, so that a failed write of
// the group's records can put it back (persist/store.ts keeps the checkpoint of the last successful write;
// consumer/rollback.ts applies it). For a KIP-848 group that is its fields (ConsumerGroup.snapshot); for
// any other group, or none, the object itself: a failed KIP-848 join that created or converted the group
// puts back what was there before (nothing, an empty group with offsets, a classic group being upgraded).

import type { AnyGroup, GroupContext } from "../context.js";
import type { ConsumerGroupSnapshot } from "../consumer/group.js";

export interface GroupCheckpoint {
  readonly groupId: string;
  readonly group: AnyGroup | undefined;
  /** The consumer group's fields when `group` is one. */
  readonly consumer: ConsumerGroupSnapshot | undefined;
}

export function checkpointOf(ctx: GroupContext, groupId: string): GroupCheckpoint {
  const group = ctx.groups.get(groupId);
  return { groupId, group, consumer: group?.kind === "consumer" ? group.snapshot() : undefined };
}
