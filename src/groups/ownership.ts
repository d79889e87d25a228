// Cluster mode: which groups this broker's coordinator answers for. A group belongs to one partition of
// `__consumer_offsets`, and its coordinator is that partition's leader (Kafka's GroupMetadataManager): the
// cluster layer tells the coordinator when this broker gains a partition (load: replay its offsets, then
// answer) or loses it (unload: drop its groups, answer NOT_COORDINATOR so clients re-run FindCoordinator).
//
// Behavior:
// - A partition never loaded, or unloaded: NOT_COORDINATOR for its groups.
// - A partition being loaded: COORDINATOR_LOAD_IN_PROGRESS (the coordinator maps it per request as Kafka).
// - Loads of one partition run one after another; a load that finishes after its partition was unloaded
//   (or loaded again) does not activate it: `token` tells the current load from a stale one.

import { Err } from "./context.js";

type PartitionStatus = { status: "loading" | "active"; token: number };

export class GroupOwnership {
  private readonly parts = new Map<number, PartitionStatus>();
  private readonly chains = new Map<number, Promise<void>>();
  private nextToken = 0;

  constructor(readonly partitionFor: (groupId: string) => number) {}

  /** NONE when this coordinator answers for the group now; otherwise the Kafka error code to answer. */
  error(groupId: string): number {
    const part = this.parts.get(this.partitionFor(groupId));
    if (!part) return Err.NOT_COORDINATOR;
    return part.status === "active" ? Err.NONE : Err.COORDINATOR_LOAD_IN_PROGRESS;
  }

  owns(groupId: string): boolean {
    return this.error(groupId) === Err.NONE;
  }

  /** Marks the partition loading and returns the token its load must still hold to activate it. */
  begin(partition: number): number {
    const token = ++this.nextToken;
    this.parts.set(partition, { status: "loading", token });
    return token;
  }

  isCurrent(partition: number, token: number): boolean {
    return this.parts.get(partition)?.token === token;
  }

  activate(partition: number, token: number): boolean {
    const part = this.parts.get(partition);
    if (part?.token !== token) return false;
    part.status = "active";
    return true;
  }

  drop(partition: number): void {
    this.parts.delete(partition);
  }

  /** Runs `task` after every earlier task of the same partition (loads and unloads never interleave). */
  serialize(partition: number, task: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(partition) ?? Promise.resolve()).then(task, task);
    this.chains.set(partition, next.catch(() => undefined));
    return next;
  }

  /** Partitions loaded or loading, for logs and tests. */
  partitions(): number[] {
    return [...this.parts.keys()].sort((a, b) => a - b);
  }
}
