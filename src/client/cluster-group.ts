// A consumer-group member through the cluster client (docs/cluster.md, "Clients"): the membership lives at
// the group's coordinator, the records come from each partition's leader.
//
//   const cluster = await connectCluster({ urls: ["ws://h1:8081/ws", "ws://h2:8082/ws"] });
//   const consumer = cluster.consumer({ group: "billing", topic: "orders", from: "earliest" });
//   for await (const record of consumer) { ... }
//
// Behavior:
// - Coordinator: the leader of the group's `__consumer_offsets` partition (Kafka's partitionFor: abs(Java
//   String#hashCode) % partitions), learned from METADATA's cluster block. The member joins there with
//   JOIN_GROUP's assignment-only flag: the coordinator assigns and revokes but streams nothing.
// - Records: each assigned partition is read by a ClusterConsumer on the partition's leader from the
//   ASSIGNED start offset (the group's commit; -1: none, so `from` is resolved at the leader), merged by
//   cluster-merge.ts. A leader change is followed by the ClusterConsumer from the next offset after the last record it handed
//   over: no gap, no duplicate.
// - Commits go to the coordinator through the membership (periodically, on revocation, on close, or by
//   commit()). Positions are what next() handed out, never what is buffered.
// - REVOKED: the partitions' readers stop and their buffered records are dropped, the positions handed out
//   are committed (autoCommit, or onRevoke), then REVOKE_DONE: the next owner starts where this one stopped.
// - Coordinator lost (its connection closed, NOT_COORDINATOR, UNKNOWN_MEMBER_ID when fenced): every reader
//   stops and the buffer is dropped; the uncommitted positions are kept, the new coordinator is looked up
//   (retrying NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, connection errors with backoff), the positions
//   are offered as a standalone commit (accepted while the group has no members, e.g. just after the move),
//   and the member joins again. Delivery is at-least-once from the last commit, as Kafka's: records handed
//   out but not committed may come again; committed ones do not.
// - Errors that retrying cannot mend (INVALID_SESSION_TIMEOUT, INCONSISTENT_GROUP_PROTOCOL, authorization)
//   are thrown from next().

import { RivuletError } from "../errors/index.js";
import { FrameType, StartKind, type ServerFrame } from "../protocol/ws/index.js";
import type { ClusterHandle } from "./cluster-types.js";
import type { GroupMembershipOptions } from "./group-consumer.js";
import { MergedPartitions, type MergedOptions } from "./cluster-merge.js";
import type { RequestOptions, StreamHandler } from "./connection.js";
import { ConnectionError, errorFromCode, TimeoutError } from "./errors.js";
import type { RivuletClient } from "./index.js";

export interface ClusterGroupConsumerOptions extends MergedOptions, GroupMembershipOptions {}

const RETRY = new Set(["NOT_COORDINATOR", "COORDINATOR_LOAD_IN_PROGRESS", "COORDINATOR_NOT_AVAILABLE", "REBALANCE_IN_PROGRESS", "UNKNOWN_MEMBER_ID", "UNKNOWN_TOPIC_OR_PARTITION", "LEADER_NOT_AVAILABLE", "NOT_LEADER_OR_FOLLOWER"]);

/** Whether joining again (at a coordinator found anew) may succeed. */
export function rejoinable(error: unknown): boolean {
  if (error instanceof ConnectionError || error instanceof TimeoutError) return true;
  return error instanceof RivuletError && (RETRY.has(error.code) || error.retriable);
}

/** Kafka's partitionFor of a group id: abs(java.lang.String#hashCode) % partitions. */
export function offsetsPartitionFor(group: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < group.length; i++) h = (Math.imul(31, h) + group.charCodeAt(i)) | 0;
  return (h === -0x80000000 ? 0 : Math.abs(h)) % partitions;
}

interface Member {
  client: RivuletClient;
  id: number;
  memberId: string;
  generation: number;
  lose(error: Error): void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ClusterGroupConsumer extends MergedPartitions {
  private member: Member | undefined;
  private readonly committed = new Map<number, bigint>();
  /** Positions handed out under a membership that was lost, offered to the next coordinator. */
  private readonly orphaned = new Map<number, bigint>();
  /** Per partition, the grant a pending start-offset lookup belongs to (a revocation withdraws it). */
  private readonly grants = new Map<number, object>();
  private commitTimer: ReturnType<typeof setInterval> | undefined;

  constructor(cluster: ClusterHandle, readonly groupOptions: ClusterGroupConsumerOptions) {
    super(cluster, groupOptions);
  }

  /** Partitions this member owns now (those whose start offset is still being looked up included). */
  assignment(): number[] {
    return [...new Set([...this.readers.keys(), ...this.grants.keys()])].sort((a, b) => a - b);
  }

  get memberId(): string {
    return this.member?.memberId ?? "";
  }

  get generation(): number {
    return this.member?.generation ?? -1;
  }

  protected begin(): Promise<void> {
    void this.run();
    return Promise.resolve();
  }

  /**
   * Commits what next() handed out (of `partitions`, default all owned) at the coordinator. Throws a typed
   * error when refused, or COORDINATOR_NOT_AVAILABLE (retriable) while the member is between coordinators.
   */
  async commit(partitions: number[] = this.assignment(), options: RequestOptions = {}): Promise<void> {
    const member = this.member;
    const offsets = partitions
      .map((partition) => ({ partition, offset: this.handed.get(partition) }))
      .filter((o): o is { partition: number; offset: bigint } => o.offset !== undefined && o.offset !== this.committed.get(o.partition));
    if (offsets.length === 0) return;
    if (!member) throw new RivuletError("COORDINATOR_NOT_AVAILABLE", `group ${this.groupOptions.group} has no coordinator right now`, { retriable: true });
    const topic = this.options.topic;
    const response = await member.client.connection.request(
      { type: FrameType.COMMIT, groupId: this.groupOptions.group, offsets: offsets.map((o) => ({ topic, partition: o.partition, offset: o.offset, metadata: "" })) },
      undefined,
      undefined,
      options,
    );
    if (response.type !== FrameType.COMMIT_RESULT) throw new Error("unexpected response to COMMIT");
    const failed = response.items.find((i) => i.errorCode !== 0);
    for (const o of offsets) if (!response.items.some((i) => i.partition === o.partition && i.errorCode !== 0)) this.committed.set(o.partition, o.offset);
    if (failed) throw errorFromCode(failed.errorCode, "", `commit of ${topic}-${failed.partition} refused`);
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    // Hand out nothing more first, so the commit below covers exactly what the application was handed.
    this.stop();
    if (this.commitTimer) clearInterval(this.commitTimer);
    const member = this.member;
    if (member && this.groupOptions.autoCommit !== false) await this.commit().catch(() => undefined);
    await super.close();
    if (member) {
      this.member = undefined;
      member.client.connection.streams.delete(member.id);
      if (member.client.connection.isOpen) await member.client.connection.request({ type: FrameType.LEAVE_GROUP, subscriptionId: member.id }).catch(() => undefined);
    }
  }

  /** The membership loop: find the coordinator, join, wait until the membership is lost, again. */
  private async run(): Promise<void> {
    if (this.groupOptions.autoCommit !== false) {
      this.commitTimer = setInterval(() => void this.commit().catch(() => undefined), this.groupOptions.autoCommitIntervalMs ?? 5000);
      (this.commitTimer as { unref?: () => void }).unref?.();
    }
    for (let attempt = 0; !this.closed; attempt++) {
      let lost: Promise<Error>;
      try {
        const client = await this.cluster.coordinatorFor(this.groupOptions.group);
        await this.offerOrphans(client);
        lost = (await this.join(client)).lost;
        attempt = 0;
      } catch (error) {
        if (this.closed) return;
        if (!rejoinable(error)) {
          this.fail(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        await sleep(Math.min(100 * 2 ** Math.min(attempt, 4), 1000));
        continue;
      }
      await lost;
      if (this.closed) return;
      await this.dropMembership();
    }
  }

  private async offerOrphans(client: RivuletClient): Promise<void> {
    if (this.orphaned.size === 0) return;
    const offsets = [...this.orphaned].map(([partition, offset]) => ({ topic: this.options.topic, partition, offset }));
    this.orphaned.clear();
    // Refused while the group already has members again: those records will be delivered again.
    await client.admin.commitOffsets(this.groupOptions.group, offsets).catch(() => undefined);
  }

  private async join(client: RivuletClient): Promise<{ lost: Promise<Error> }> {
    const connection = client.connection;
    const id = connection.allocateId();
    let lose!: (error: Error) => void;
    const lost = new Promise<Error>((resolve) => (lose = resolve));
    const member: Member = { client, id, memberId: "", generation: -1, lose };
    const handler: StreamHandler = {
      onFrame: (frame) => this.onMemberFrame(member, frame),
      onReconnect: () => lose(new ConnectionError("the coordinator's connection was re-established")),
      onClose: (error) => lose(error),
    };
    connection.streams.set(id, handler);
    this.member = member;
    const o = this.groupOptions;
    const sessionTimeoutMs = o.sessionTimeoutMs ?? 10_000;
    try {
      const response = await connection.request(
        {
          type: FrameType.JOIN_GROUP,
          groupId: o.group,
          topic: o.topic,
          sessionTimeoutMs,
          assignor: o.assignor ?? "sticky",
          credit: 0,
          maxChunkBytes: 0,
          reset: { kind: o.from === "earliest" ? StartKind.EARLIEST : StartKind.LATEST, value: 0n },
          assignOnly: true,
        },
        id,
      );
      if (response.type !== FrameType.GROUP_JOINED) throw new Error("unexpected response to JOIN_GROUP");
      member.memberId = response.memberId;
      member.generation = response.generation;
    } catch (error) {
      connection.streams.delete(id);
      if (this.member === member) this.member = undefined;
      throw error;
    }
    connection.keepAlive(Math.floor(sessionTimeoutMs / 3));
    return { lost };
  }

  private onMemberFrame(member: Member, frame: ServerFrame): void {
    if (member !== this.member || this.closed) return;
    if (frame.type === FrameType.ASSIGNED) {
      member.generation = frame.generation;
      for (const { partition, startOffset } of frame.partitions) void this.assign(member, partition, startOffset);
      this.groupOptions.onAssign?.(frame.partitions.map((p) => p.partition));
    } else if (frame.type === FrameType.REVOKED) {
      void this.revoke(member, frame.partitions, frame.generation);
    } else if (frame.type === FrameType.ERROR) {
      // Fenced (UNKNOWN_MEMBER_ID: the session expired, or the coordinator moved away): join again.
      member.lose(errorFromCode(frame.errorCode, frame.code, frame.message));
    }
  }

  /** Opens an assigned partition at its committed offset, or (none) where `from` puts it at the leader. */
  private async assign(member: Member, partition: number, startOffset: bigint): Promise<void> {
    const grant = {};
    this.grants.set(partition, grant);
    let position = startOffset;
    if (position >= 0n) this.committed.set(partition, position);
    else {
      try {
        position = await this.resolveStart(partition, this.groupOptions.from ?? "latest");
      } catch (error) {
        // The leader could not say (gone, no leader yet): the membership starts over, as on any loss.
        if (this.grants.get(partition) === grant && member === this.member) member.lose(error instanceof Error ? error : new Error(String(error)));
        return;
      }
    }
    if (this.grants.get(partition) !== grant || member !== this.member) return;
    this.grants.delete(partition);
    this.startReader(partition, position);
  }

  private async revoke(member: Member, partitions: number[], generation: number): Promise<void> {
    for (const p of partitions) this.grants.delete(p);
    const stopped = this.stopReaders(partitions);
    try {
      await stopped;
      if (this.groupOptions.onRevoke) await this.groupOptions.onRevoke(partitions);
      if (this.groupOptions.autoCommit !== false) await this.commit(partitions);
    } catch {
      // A refused commit: the next owner starts from the previous commit (at-least-once).
    } finally {
      for (const p of partitions) {
        this.handed.delete(p);
        this.committed.delete(p);
      }
      await member.client.connection.request({ type: FrameType.REVOKE_DONE, subscriptionId: member.id, generation }).catch(() => undefined);
    }
  }

  /** After the membership was lost: keep the uncommitted positions for the next coordinator, stop reading. */
  private async dropMembership(): Promise<void> {
    const member = this.member;
    this.member = undefined;
    member?.client.connection.streams.delete(member.id);
    // Lost while the connection lives (fenced, or a start offset could not be found): leave, so a membership
    // the coordinator may still hold does not keep the partitions from the next one.
    if (member?.client.connection.isOpen) await member.client.connection.request({ type: FrameType.LEAVE_GROUP, subscriptionId: member.id }, undefined, undefined, { timeoutMs: 2000 }).catch(() => undefined);
    this.grants.clear();
    for (const [partition, offset] of this.handed) if (offset !== this.committed.get(partition)) this.orphaned.set(partition, offset);
    await this.stopReaders([...this.readers.keys()]);
    this.handed.clear();
    this.committed.clear();
  }
}
