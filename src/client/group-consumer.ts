// A consumer that is a member of a consumer group: the broker assigns its partitions (no assignor runs in
// the client), streams them, and moves them between members as members come and go.
//
// Delivery is at-least-once and ordered per partition: when partitions are revoked, the consumer drops what
// it holds for them, commits what the application consumed (autoCommit, or the onRevoke callback), and only
// then acknowledges, so the next owner starts exactly where this one stopped. Committed positions are also
// written every autoCommitIntervalMs and on close. After a reconnect the membership is new: the consumer
// first tries a standalone commit of what it consumed (accepted while the group has no members, e.g. after
// a broker restart), so the rejoined member resumes right after the last record it delivered; when that is
// refused, it resumes from the group's commits (at-least-once).

import { FrameType, StartKind, type ServerFrame } from "../protocol/ws/index.js";
import type { Admin } from "./admin.js";
import type { Connection, RequestOptions } from "./connection.js";
import { Consumer, type ConsumerOptions } from "./consumer.js";
import { errorFromCode } from "./errors.js";
import { KafkaErrors } from "../errors/index.js";

/** A WebSocket group member's settings, the same on one connection and through the cluster client. */
export interface GroupMembershipOptions {
  group: string;
  /** Where partitions without a committed offset start. Default "latest" (Kafka's auto.offset.reset). */
  from?: "earliest" | "latest";
  /** The member is removed when the coordinator hears nothing for this long. Default 10000. */
  sessionTimeoutMs?: number;
  /** "sticky" (default: fewest moves), "range" or "roundrobin"; all members must agree. */
  assignor?: "sticky" | "range" | "roundrobin";
  /** Commit consumed positions periodically, on revocation and on close. Default true. */
  autoCommit?: boolean;
  autoCommitIntervalMs?: number;
  /** Called before revoked partitions are released (commit here when autoCommit is off). */
  onRevoke?: (partitions: number[]) => Promise<void> | void;
  onAssign?: (partitions: number[]) => void;
}

export interface GroupConsumerOptions extends Omit<ConsumerOptions, "partitions" | "positions" | "onGap" | "from">, GroupMembershipOptions {}

export class GroupConsumer extends Consumer {
  private readonly owned = new Set<number>();
  private committedPositions = new Map<number, bigint>();
  private commitTimer: ReturnType<typeof setInterval> | undefined;
  /** Positions consumed under a membership the connection lost, to commit before joining again. */
  private orphaned: { topic: string; partition: number; offset: bigint }[] = [];
  memberId = "";
  generation = -1;

  constructor(connection: Connection, admin: Admin, readonly groupOptions: GroupConsumerOptions) {
    super(connection, admin, { ...groupOptions, onGap: "skip" });
    connection.keepAlive(Math.floor((groupOptions.sessionTimeoutMs ?? 10_000) / 3));
  }

  /** Partitions this member owns now. */
  assignment(): number[] {
    return [...this.owned].sort((a, b) => a - b);
  }

  protected override async subscribe(): Promise<void> {
    if (this.orphaned.length) {
      const offsets = this.orphaned;
      this.orphaned = [];
      await this.admin.commitOffsets(this.groupOptions.group, offsets).catch(() => {});
    }
    const id = this.connection.allocateId();
    this.connection.streams.delete(this.subscriptionId);
    this.subscriptionId = id;
    this.connection.streams.set(id, this);
    const o = this.groupOptions;
    const response = await this.connection.request(
      {
        type: FrameType.JOIN_GROUP,
        groupId: o.group,
        topic: o.topic,
        sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000,
        assignor: o.assignor ?? "sticky",
        credit: this.window,
        maxChunkBytes: o.maxChunkBytes ?? 256 * 1024,
        reset: { kind: o.from === "earliest" ? StartKind.EARLIEST : StartKind.LATEST, value: 0n },
      },
      id,
    );
    if (response.type !== FrameType.GROUP_JOINED) throw new Error("unexpected response to JOIN_GROUP");
    this.memberId = response.memberId;
    this.generation = response.generation;
    if (o.autoCommit !== false && !this.commitTimer) {
      this.commitTimer = setInterval(() => void this.commit().catch(() => {}), o.autoCommitIntervalMs ?? 5000);
      (this.commitTimer as { unref?: () => void }).unref?.();
    }
  }

  override onFrame(frame: ServerFrame): void {
    if (this.closed) return;
    if (frame.type === FrameType.ASSIGNED && frame.requestId === this.subscriptionId) {
      this.generation = frame.generation;
      for (const p of frame.partitions) {
        this.owned.add(p.partition);
        this.setPosition(p.partition, p.startOffset);
        this.committedPositions.set(p.partition, p.startOffset);
      }
      this.groupOptions.onAssign?.(frame.partitions.map((p) => p.partition));
      return;
    }
    if (frame.type === FrameType.REVOKED && frame.requestId === this.subscriptionId) {
      void this.revoke(frame.partitions, frame.generation);
      return;
    }
    if (frame.type === FrameType.ERROR && frame.requestId === this.subscriptionId && frame.errorCode === KafkaErrors.UNKNOWN_MEMBER_ID.code) {
      // Removed from the group (session expired): rejoin, like Kafka consumers do.
      this.rejoin();
      return;
    }
    super.onFrame(frame);
  }

  private async revoke(partitions: number[], generation: number): Promise<void> {
    const revoked = new Set(partitions);
    this.dropHeld(revoked);
    try {
      if (this.groupOptions.onRevoke) await this.groupOptions.onRevoke(partitions);
      if (this.groupOptions.autoCommit !== false) await this.commit(partitions);
    } finally {
      for (const p of partitions) {
        this.owned.delete(p);
        this.forgetPosition(p);
        this.committedPositions.delete(p);
      }
      await this.connection
        .request({ type: FrameType.REVOKE_DONE, subscriptionId: this.subscriptionId, generation })
        .catch(() => {});
    }
  }

  /**
   * Commits the consumed positions (of `partitions`, default all owned) as the group's offsets. Throws a
   * typed error if the broker refused any.
   */
  async commit(partitions: number[] = [...this.owned], options: RequestOptions = {}): Promise<void> {
    const offsets = partitions
      .map((partition) => ({ partition, offset: this.positionOf(partition) }))
      .filter((o): o is { partition: number; offset: bigint } => o.offset !== undefined && o.offset !== this.committedPositions.get(o.partition));
    if (offsets.length === 0) return;
    const response = await this.connection.request(
      {
        type: FrameType.COMMIT,
        groupId: this.groupOptions.group,
        offsets: offsets.map((o) => ({ topic: this.options.topic, partition: o.partition, offset: o.offset, metadata: "" })),
      },
      undefined,
      undefined,
      options,
    );
    if (response.type !== FrameType.COMMIT_RESULT) throw new Error("unexpected response to COMMIT");
    const failed = response.items.find((i) => i.errorCode !== 0);
    for (const o of offsets) if (!response.items.some((i) => i.partition === o.partition && i.errorCode !== 0)) this.committedPositions.set(o.partition, o.offset);
    if (failed) throw errorFromCode(failed.errorCode, "", `commit of ${this.options.topic}-${failed.partition} refused`);
  }

  override onReconnect(): void {
    if (this.groupOptions.autoCommit !== false) {
      for (const partition of this.owned) {
        const offset = this.positionOf(partition);
        if (offset !== undefined && offset !== this.committedPositions.get(partition)) this.orphaned.push({ topic: this.options.topic, partition, offset });
      }
    }
    this.rejoin();
  }

  private rejoin(): void {
    // Assignments die with the membership: drop everything held; the new assignment starts from commits.
    this.dropAllHeld();
    this.owned.clear();
    this.clearPositions();
    this.committedPositions.clear();
    this.resubscribe();
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    // Hand out nothing more first (a reader waiting in next() wakes and ends): the commit below then covers
    // exactly what the application was handed, so the next owner starts right after it.
    this.closed = true;
    this.push({ kind: "error", error: new Error("consumer is closed") });
    if (this.commitTimer) clearInterval(this.commitTimer);
    if (this.groupOptions.autoCommit !== false && this.connection.isOpen) await this.commit().catch(() => {});
    this.connection.streams.delete(this.subscriptionId);
    // LEAVE_GROUP also ends the membership's subscription on the server (no UNSUBSCRIBE needed).
    if (this.connection.isOpen) {
      await this.connection.request({ type: FrameType.LEAVE_GROUP, subscriptionId: this.subscriptionId }).catch(() => {});
    }
  }
}
