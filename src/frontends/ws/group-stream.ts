// A WebSocket consumer that joined a group as a managed member: the coordinator assigns its partitions
// (server-side, so a browser runs no assignor) and this stream reads them like a subscription.
//
// Ordering and at-least-once delivery hinge on revocation: when the coordinator takes partitions away, the
// stream stops reading them at once, sends REVOKED, and acknowledges the revocation to the coordinator only
// when the client answers REVOKE_DONE (after committing what it consumed). Only then may another member
// start them, from the committed offsets.
//
// Assignment only (JOIN_GROUP's flag): the same membership, revocation and commits, but no cursors: the
// client reads its partitions elsewhere (from their leaders, in cluster mode).
//
// Liveness: while the client keeps sending frames (PINGs at least), the stream heartbeats for it; a client
// that goes quiet for the session timeout loses its partitions, and a closed socket leaves at once.

import type { Broker } from "../../broker/broker.js";
import { KafkaErrors, KafkaProtocolError } from "../../errors/index.js";
import type { GroupCoordinator, ManagedMemberHandle } from "../../groups/index.js";
import { FrameType, StartKind, type JoinGroupFrame, type ServerFrame } from "../../protocol/ws/frames.js";
import { Subscription } from "./subscription.js";

export interface GroupStreamHost {
  readonly broker: Broker;
  readonly coordinator: GroupCoordinator;
  readonly lastActivity: number;
  readonly clientHost: string;
  sendFrame(frame: ServerFrame): void;
  addSubscription(sub: Subscription): void;
  removeSubscription(id: number): void;
  wake(): void;
}

const ASSIGNORS = new Set(["range", "roundrobin", "sticky"]);

export class GroupStream {
  readonly subscription: Subscription;
  private handle: ManagedMemberHandle | undefined;
  private readonly revocations = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  /**
   * Partitions given by the coordinator whose ASSIGNED is not sent yet (start offsets being looked up), with
   * a token per grant: a revocation in that gap withdraws the grant, so the client never hears of it.
   */
  private readonly unsent = new Map<number, object>();
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(private readonly host: GroupStreamHost, readonly frame: JoinGroupFrame, maxChunkBytes: number) {
    this.subscription = new Subscription(frame.requestId, frame.topic, frame.credit, maxChunkBytes);
  }

  get groupId(): string {
    return this.frame.groupId;
  }

  get id(): number {
    return this.frame.requestId;
  }

  join(): ServerFrame {
    const { frame, host } = this;
    // Cluster mode: the cluster's metadata says whether the topic exists (this broker may host no replica).
    const cluster = host.broker.cluster;
    const known = cluster?.partitionCount ? cluster.partitionCount(frame.topic) !== undefined : host.broker.topic(frame.topic) !== undefined;
    if (!known) throw new KafkaProtocolError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${frame.topic}`);
    const assignor = frame.assignor || "sticky";
    if (!ASSIGNORS.has(assignor)) throw new KafkaProtocolError("INVALID_REQUEST", `unknown assignor ${frame.assignor}`);
    this.handle = host.coordinator.joinManaged(
      { groupId: frame.groupId, topics: [frame.topic], sessionTimeoutMs: frame.sessionTimeoutMs, assignor: assignor as "sticky", clientHost: host.clientHost, clientId: "rivulet-ws" },
      {
        onAssigned: (partitions, generation) => void this.assigned(partitions.filter((p) => p.topic === frame.topic).map((p) => p.partition), generation),
        onRevoked: (partitions, generation) => this.revoked(partitions.filter((p) => p.topic === frame.topic).map((p) => p.partition), generation),
        onFenced: (reason) => this.fenced(reason),
      },
    );
    // Registered only once the join succeeded (callbacks run later, from a microtask, never inside it).
    host.addSubscription(this.subscription);
    const every = Math.max(100, Math.floor(frame.sessionTimeoutMs / 3));
    this.heartbeatTimer = setInterval(() => this.heartbeat(), every);
    return { type: FrameType.GROUP_JOINED, requestId: frame.requestId, memberId: this.handle.memberId, generation: this.handle.generation };
  }

  private heartbeat(): void {
    if (!this.handle || this.closed) return;
    // Heartbeat only for a client that is still talking to us: a silent one must lose its partitions.
    if (Date.now() - this.host.lastActivity > this.frame.sessionTimeoutMs) return;
    this.handle.heartbeat();
  }

  private async assigned(partitions: number[], generation: number): Promise<void> {
    if (this.closed || partitions.length === 0) return;
    const token = {};
    for (const partition of partitions) this.unsent.set(partition, token);
    const { broker, coordinator } = this.host;
    const topic = this.frame.topic;
    const committed = coordinator.fetchOffsets({ groupId: this.groupId, topics: [{ name: topic, partitionIndexes: partitions }] });
    const byPartition = new Map(committed.topics[0]?.partitions.map((p) => [p.partitionIndex, p.committedOffset]) ?? []);
    const looked = await Promise.all(
      partitions.map(async (partition) => {
        const offset = byPartition.get(partition) ?? -1n;
        // Assignment only: the member applies its reset at the partition's leader (this broker may not be it).
        if (offset >= 0n || this.frame.assignOnly) return { partition, startOffset: offset >= 0n ? offset : -1n };
        const spec = this.frame.reset.kind === StartKind.LATEST ? "latest" : "earliest";
        return { partition, startOffset: (await broker.listOffsets(topic, partition, spec)).offset };
      }),
    );
    // Only the grants still standing: a partition revoked (or granted again) meanwhile is not this call's.
    const starts = looked.filter(({ partition }) => this.unsent.get(partition) === token && this.unsent.delete(partition));
    if (this.closed || starts.length === 0) return;
    // ASSIGNED goes out before any CHUNK of these partitions: cursors are added after it is sent.
    this.host.sendFrame({ type: FrameType.ASSIGNED, requestId: this.id, generation, partitions: starts });
    if (this.frame.assignOnly) return;
    for (const { partition, startOffset } of starts) {
      if (!this.subscription.cursors.some((c) => c.partition === partition)) this.subscription.addCursor(partition, startOffset);
    }
    this.host.wake();
  }

  private revoked(partitions: number[], generation: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error("connection closed"));
    for (const partition of partitions) this.subscription.removeCursor(partition);
    // A partition whose ASSIGNED has not gone out was never read here: it is released at once, unannounced.
    const announced = partitions.filter((partition) => !this.unsent.delete(partition));
    if (announced.length === 0) return Promise.resolve();
    this.host.sendFrame({ type: FrameType.REVOKED, requestId: this.id, generation, partitions: announced });
    return new Promise<void>((resolve, reject) => {
      const previous = this.revocations.get(generation);
      this.revocations.set(generation, {
        resolve: () => {
          previous?.resolve();
          resolve();
        },
        reject,
      });
    });
  }

  /** REVOKE_DONE from the client: it stopped and committed the revoked partitions of `generation`. */
  revokeDone(generation: number): void {
    for (const [g, pending] of this.revocations) {
      if (g <= generation) {
        this.revocations.delete(g);
        pending.resolve();
      }
    }
  }

  private fenced(reason: string): void {
    if (this.closed) return;
    this.host.sendFrame({ type: FrameType.ERROR, requestId: this.id, errorCode: KafkaErrors.UNKNOWN_MEMBER_ID.code, code: "UNKNOWN_MEMBER_ID", message: `removed from group ${this.groupId}: ${reason}` });
    this.close(false);
  }

  commit(offsets: { topic: string; partition: number; offset: bigint; metadata?: string }[]) {
    if (!this.handle) throw new KafkaProtocolError("UNKNOWN_MEMBER_ID", "not a member");
    return this.handle.commit(offsets);
  }

  /** Whether the membership owns the partition now (being revoked included). */
  owns(topic: string, partition: number): boolean {
    return !!this.handle?.assignment().some((tp) => tp.topic === topic && tp.partition === partition);
  }

  /** Leaves the group (partitions move at once) unless the coordinator already removed the member. */
  close(leave = true): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const pending of this.revocations.values()) pending.reject(new Error("connection closed"));
    this.revocations.clear();
    this.subscription.close();
    this.host.removeSubscription(this.id);
    if (leave) this.handle?.leave();
  }
}
