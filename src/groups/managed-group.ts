// A managed group: members that let the server assign partitions (WebSocket clients). There is no leader
// and no JoinGroup/SyncGroup round: the coordinator keeps a target assignment and moves each member toward
// it, revoking before it assigns, one partition at a time if need be.
//
// Behavior:
// - Join: the first member opens an initial window (group.initial.rebalance.delay.ms, renewed while new
//   members arrive, capped by the rebalance timeout, exactly as classic groups do) so that members starting
//   together cause one assignment, not one each. Later joins, leaves, expiries, subscription changes and
//   partition-count changes (checked at every heartbeat, or by refreshTopics) recompute the target at once;
//   each computation is a new generation.
// - Reconcile: a partition a member owns but is no longer its target is revoked: onRevoked(partitions) is
//   called and the partition stays that member's until the returned promise resolves (the client commits,
//   then acknowledges). Only then is it free, and only a free partition is given (onAssigned) to its target
//   member. So for every partition, the old owner's revocation is acknowledged before the new owner hears of
//   it: at-least-once, in order.
// - A member that leaves or whose session expires loses its partitions at once (no revocation: it is gone).
//   A revocation not acknowledged within the rebalance timeout, or rejected, removes the member the same way
//   (onFenced tells the front end). Its commits are refused from then on.
// - Callbacks run from a microtask queue in the order the state changed, never inside a coordinator call,
//   so a callback may call back into the coordinator.

import { timerKey } from "./clock.js";
import type { Logger } from "../log.js";
import type { Timers } from "./clock.js";
import type { CoordinatorHooks } from "./hooks.js";
import type { ResolvedGroupConfig } from "./types.js";

/**
 * What a managed group needs of the coordinator's context (GroupContext satisfies it structurally; naming
 * it here keeps context.ts, which lists the group kinds, from importing back into this file).
 */
export interface ManagedGroupContext {
  readonly config: ResolvedGroupConfig;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly hooks: CoordinatorHooks;
  /** The coordinator's groups by id: a group that is no longer there is stale and stops acting. */
  readonly groups: ReadonlyMap<string, unknown>;
}
import { assignors, type AssignorName } from "./assignors.js";
import { compareTp, tpFromKey, tpKey, type ManagedGroupState, type TopicPartition } from "./types.js";

export type FenceReason = "session-timeout" | "revocation-timeout" | "revocation-failed" | "coordinator-closed";

export interface ManagedCallbacks {
  /** Partitions newly given to the member (its whole assignment is `handle.assignment()`). */
  onAssigned(partitions: TopicPartition[], generation: number): void;
  /** Partitions being taken away: resolve once the member has stopped reading them and committed. */
  onRevoked(partitions: TopicPartition[], generation: number): Promise<void>;
  /** The coordinator removed the member; its handle answers UNKNOWN_MEMBER_ID from now on. */
  onFenced?(reason: FenceReason): void;
}

export class ManagedMember {
  /** Partitions delivered through onAssigned and not yet released (includes those being revoked). */
  readonly owned = new Set<string>();
  /** Owned partitions whose onRevoked has been sent and not yet acknowledged. */
  readonly revoking = new Set<string>();

  constructor(
    readonly memberId: string,
    readonly clientId: string,
    readonly clientHost: string,
    public topics: string[],
    readonly sessionTimeoutMs: number,
    readonly rebalanceTimeoutMs: number,
    readonly callbacks: ManagedCallbacks,
  ) {}
}

export class ManagedGroup {
  readonly kind = "managed" as const;
  generation = 0;
  assignor: AssignorName;
  readonly members = new Map<string, ManagedMember>();
  /** memberId → partition keys it should own. */
  private target = new Map<string, Set<string>>();
  /** partition key → the member owning it now (being revoked included). */
  private readonly owner = new Map<string, string>();
  /** The partition counts the current target was computed from. */
  private counts = new Map<string, number>();
  private assigning = false;
  private newMemberAdded = false;
  private closing = false;
  private readonly effects: Array<() => void> = [];
  private flushScheduled = false;

  constructor(readonly groupId: string, assignor: AssignorName, private readonly ctx: ManagedGroupContext) {
    this.assignor = assignor;
  }

  get size(): number {
    return this.members.size;
  }

  get state(): ManagedGroupState {
    if (this.members.size === 0) return "Empty";
    if (this.assigning) return "Assigning";
    for (const m of this.members.values()) {
      const target = this.target.get(m.memberId) ?? new Set();
      if (m.revoking.size || m.owned.size !== target.size || [...target].some((k) => !m.owned.has(k))) return "Reconciling";
    }
    return "Stable";
  }

  is(state: ManagedGroupState): boolean {
    return this.state === state;
  }

  targetOf(memberId: string): TopicPartition[] {
    return [...(this.target.get(memberId) ?? [])].map(tpFromKey).sort(compareTp);
  }

  ownedBy(member: ManagedMember): TopicPartition[] {
    return [...member.owned].map(tpFromKey).sort(compareTp);
  }

  // ---- membership ----------------------------------------------------------------------------------------

  add(member: ManagedMember): void {
    if (this.members.size === 0 && !this.assigning) {
      this.assigning = true;
      this.newMemberAdded = false;
      this.members.set(member.memberId, member);
      const delay = this.ctx.config.initialRebalanceDelayMs;
      this.scheduleWindow(delay, Math.max(member.rebalanceTimeoutMs - delay, 0));
    } else {
      if (this.assigning) this.newMemberAdded = true;
      this.members.set(member.memberId, member);
    }
    this.touch(member);
    this.rebalance(`member ${member.memberId} joined`);
  }

  private scheduleWindow(delayMs: number, remainingMs: number): void {
    this.ctx.timers.schedule(timerKey.join(this.groupId), delayMs, () => {
      if (!this.current()) return;
      if (this.newMemberAdded && remainingMs !== 0) {
        this.newMemberAdded = false;
        this.scheduleWindow(Math.min(this.ctx.config.initialRebalanceDelayMs, remainingMs), Math.max(remainingMs - delayMs, 0));
      } else {
        this.assigning = false;
        this.rebalance("initial window ended");
      }
    });
  }

  /** Removes a member; its partitions are free at once. `reason` set: the coordinator fenced it. */
  remove(member: ManagedMember, reason?: FenceReason): void {
    if (this.members.get(member.memberId) !== member) return;
    for (const key of member.owned) if (this.owner.get(key) === member.memberId) this.owner.delete(key);
    member.owned.clear();
    member.revoking.clear();
    this.members.delete(member.memberId);
    this.target.delete(member.memberId);
    this.ctx.timers.cancel(timerKey.heartbeat(this.groupId, member.memberId));
    this.ctx.timers.cancel(timerKey.revoke(this.groupId, member.memberId));
    if (reason) this.enqueue(() => member.callbacks.onFenced?.(reason));
    this.ctx.logger.info("managed member removed", { group: this.groupId, member: member.memberId, reason: reason ?? "left" });
    if (this.members.size === 0) {
      this.ctx.timers.cancel(timerKey.join(this.groupId));
      this.assigning = false;
      this.target.clear();
      return;
    }
    this.rebalance(`member ${member.memberId} ${reason ?? "left"}`);
  }

  /** Proof of life: restarts the member's session. */
  touch(member: ManagedMember): void {
    this.ctx.timers.schedule(timerKey.heartbeat(this.groupId, member.memberId), member.sessionTimeoutMs, () => {
      if (this.current() && this.members.get(member.memberId) === member) this.remove(member, "session-timeout");
    });
  }

  isMember(member: ManagedMember): boolean {
    return this.current() && this.members.get(member.memberId) === member;
  }

  subscribe(member: ManagedMember, topics: string[]): void {
    member.topics = [...new Set(topics)];
    this.rebalance(`member ${member.memberId} changed its subscription`);
  }

  /** Rebalances if a subscribed topic's partition count changed since the last assignment. */
  refreshTopics(): boolean {
    if (this.assigning || this.members.size === 0) return false;
    for (const topic of this.topics()) {
      if (this.partitionsFor(topic) !== (this.counts.get(topic) ?? 0)) {
        this.rebalance(`partitions of ${topic} changed`);
        return true;
      }
    }
    return false;
  }

  // ---- assignment ----------------------------------------------------------------------------------------

  private topics(): string[] {
    return [...new Set([...this.members.values()].flatMap((m) => m.topics))];
  }

  private partitionsFor(topic: string): number {
    const n = this.ctx.hooks.partitionsFor?.(topic) ?? 0;
    return Number.isInteger(n) && n > 0 ? n : 0;
  }

  private rebalance(reason: string): void {
    if (this.assigning || this.closing || this.members.size === 0) return;
    this.generation++;
    this.counts = new Map(this.topics().map((t) => [t, this.partitionsFor(t)]));
    const input = [...this.members.values()].map((m) => ({ memberId: m.memberId, topics: m.topics, current: this.targetOf(m.memberId) }));
    const result = assignors[this.assignor](input, (t) => this.counts.get(t) ?? 0);
    this.target = new Map([...result].map(([id, list]) => [id, new Set(list.map((tp) => tpKey(tp.topic, tp.partition)))]));
    this.ctx.logger.info("managed group assignment computed", { group: this.groupId, generation: this.generation, reason });
    this.reconcile();
  }

  private reconcile(): void {
    const generation = this.generation;
    const members = [...this.members.values()].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
    for (const m of members) {
      const target = this.target.get(m.memberId) ?? new Set<string>();
      const revoke = [...m.owned].filter((k) => !target.has(k) && !m.revoking.has(k));
      if (!revoke.length) continue;
      for (const k of revoke) m.revoking.add(k);
      if (!this.ctx.timers.has(timerKey.revoke(this.groupId, m.memberId))) this.scheduleRevocationTimeout(m);
      const partitions = revoke.map(tpFromKey).sort(compareTp);
      this.enqueue(() => {
        if (!this.isMember(m)) return;
        let done: Promise<void>;
        try {
          done = Promise.resolve(m.callbacks.onRevoked(partitions, generation));
        } catch (error) {
          done = Promise.reject(error);
        }
        done.then(
          () => this.acknowledgeRevocation(m, revoke),
          (error) => {
            this.ctx.logger.warn("managed member failed a revocation", { group: this.groupId, member: m.memberId, error });
            this.remove(m, "revocation-failed");
          },
        );
      });
    }
    for (const m of members) {
      const target = this.target.get(m.memberId) ?? new Set<string>();
      const grant = [...target].filter((k) => !m.owned.has(k) && !this.owner.has(k));
      if (!grant.length) continue;
      for (const k of grant) {
        m.owned.add(k);
        this.owner.set(k, m.memberId);
      }
      const partitions = grant.map(tpFromKey).sort(compareTp);
      this.enqueue(() => this.isMember(m) && m.callbacks.onAssigned(partitions, generation));
    }
  }

  private scheduleRevocationTimeout(m: ManagedMember): void {
    this.ctx.timers.schedule(timerKey.revoke(this.groupId, m.memberId), m.rebalanceTimeoutMs, () => {
      if (this.isMember(m) && m.revoking.size) this.remove(m, "revocation-timeout");
    });
  }

  private acknowledgeRevocation(m: ManagedMember, keys: string[]): void {
    if (!this.isMember(m)) return;
    for (const k of keys) {
      if (!m.revoking.delete(k)) continue;
      m.owned.delete(k);
      if (this.owner.get(k) === m.memberId) this.owner.delete(k);
    }
    this.touch(m);
    if (m.revoking.size) this.scheduleRevocationTimeout(m);
    else this.ctx.timers.cancel(timerKey.revoke(this.groupId, m.memberId));
    this.reconcile();
  }

  // ---- effects ---------------------------------------------------------------------------------------------

  private enqueue(effect: () => unknown): void {
    this.effects.push(effect);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.effects.length) {
      try {
        this.effects.shift()!();
      } catch (error) {
        this.ctx.logger.warn("a managed member callback threw", { group: this.groupId, error });
      }
    }
  }

  private current(): boolean {
    return this.ctx.groups.get(this.groupId) === this;
  }

  /** Removes every member (coordinator shutdown). */
  fenceAll(reason: FenceReason): void {
    this.closing = true;
    for (const m of [...this.members.values()]) this.remove(m, reason);
    this.closing = false;
  }
}

