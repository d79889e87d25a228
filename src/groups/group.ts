// A classic consumer group's state (Kafka's ClassicGroup / GroupMetadata). The request handlers in
// classic/ drive it; this file only keeps the bookkeeping consistent.
//
// Behavior: Kafka's classic protocol (GroupCoordinator.scala 3.x and GroupMetadataManager.java 3.7+ agree
// on every cell below). Checks before the state column, for all but a new member's JoinGroup:
// Dead → COORDINATOR_NOT_AVAILABLE, unknown member → UNKNOWN_MEMBER_ID, then (Sync, Heartbeat, member
// OffsetCommit) generation ≠ group's → ILLEGAL_GENERATION.
//
//   state               | JoinGroup                                        | SyncGroup                  | Heartbeat             | OffsetCommit          | LeaveGroup
//   --------------------+--------------------------------------------------+----------------------------+-----------------------+-----------------------+---------------------------
//   Empty               | new member: added → PreparingRebalance (initial  | UNKNOWN_MEMBER_ID          | UNKNOWN_MEMBER_ID     | generation < 0:       | UNKNOWN_MEMBER_ID
//                       | delay); known id: UNKNOWN_MEMBER_ID              |                            |                       | stored                |
//   PreparingRebalance  | added/updated; parked until the join phase ends  | REBALANCE_IN_PROGRESS      | REBALANCE_IN_PROGRESS | stored (timer reset)  | removed; join may complete
//   CompletingRebalance | same metadata: this generation again (leader gets| leader: assignment stored, | NONE (timer reset)    | REBALANCE_IN_PROGRESS | removed → PreparingRebalance
//                       | the members); new metadata → PreparingRebalance  | → Stable; followers park   |                       |                       |
//   Stable              | leader, or new metadata → PreparingRebalance;    | own assignment             | NONE (timer reset)    | stored (timer reset)  | removed → PreparingRebalance
//                       | follower, same metadata: this generation again   |                            |                       |                       |
//   Dead                | COORDINATOR_NOT_AVAILABLE                        | COORDINATOR_NOT_AVAILABLE  | COORDINATOR_NOT_AVAIL.| COORDINATOR_NOT_AVAIL.| COORDINATOR_NOT_AVAILABLE
//
// Transitions (validPreviousStates enforces them):
//   Empty → PreparingRebalance                a member joins. The join window is the initial delay, renewed
//                                             while new members keep arriving, capped by the rebalance timeout.
//   Stable | CompletingRebalance → PreparingRebalance
//                                             a member joins, the leader rejoins, a member's metadata changes, a
//                                             member leaves or its session expires, or a member did not sync
//                                             within the rebalance timeout (it is removed). Parked SyncGroups
//                                             get REBALANCE_IN_PROGRESS; members learn of the rebalance from
//                                             their heartbeats.
//   PreparingRebalance → CompletingRebalance  every known member rejoined (never early in the initial
//                                             rebalance), or the window / rebalance timeout ended: members that
//                                             did not rejoin are removed, generation + 1, a protocol every member
//                                             supports is chosen by vote, the leader is kept if it rejoined.
//   PreparingRebalance → Empty                the join phase ended with no members (generation + 1).
//   CompletingRebalance → Stable              the leader's SyncGroup: every parked SyncGroup is answered.
//   Empty → Dead                              the group is deleted (then forgotten).

import { ClassicMember } from "./member.js";
import type { ClassicGroupState, JoinGroupMember, GroupProtocol } from "./types.js";

const VALID_PREVIOUS: Record<ClassicGroupState, ClassicGroupState[]> = {
  Empty: ["PreparingRebalance"],
  PreparingRebalance: ["Stable", "CompletingRebalance", "Empty"],
  CompletingRebalance: ["PreparingRebalance"],
  Stable: ["CompletingRebalance"],
  Dead: ["Stable", "PreparingRebalance", "CompletingRebalance", "Empty", "Dead"],
};

export class ClassicGroup {
  readonly kind = "classic" as const;
  state: ClassicGroupState = "Empty";
  previousState: ClassicGroupState | undefined;
  stateTimestamp: number;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, ClassicMember>();
  /** Ids handed out with MEMBER_ID_REQUIRED whose second JoinGroup has not arrived: the join phase waits for them. */
  readonly pendingMembers = new Set<string>();
  /** Members that got this generation's JoinGroup response but have not sent SyncGroup. */
  readonly pendingSyncMembers = new Set<string>();
  /** Static members (KIP-345): group instance id → the member id currently holding it. */
  readonly staticMembers = new Map<string, string>();
  /** Set when a member joins during the initial rebalance: the initial delay is renewed once more. */
  newMemberAdded = false;
  /** How many members list each protocol: a protocol every member lists has count === members.size. */
  private readonly protocolVotes = new Map<string, number>();

  constructor(readonly groupId: string, now: number) {
    this.stateTimestamp = now;
  }

  is(state: ClassicGroupState): boolean {
    return this.state === state;
  }

  get size(): number {
    return this.members.size;
  }

  member(memberId: string): ClassicMember | undefined {
    return this.members.get(memberId);
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  get numAwaitingJoin(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.isAwaitingJoin) n++;
    return n;
  }

  transitionTo(state: ClassicGroupState, now: number): void {
    if (!VALID_PREVIOUS[state].includes(this.state)) {
      throw new Error(`group ${this.groupId}: illegal transition ${this.state} → ${state}`);
    }
    this.previousState = this.state;
    this.state = state;
    this.stateTimestamp = now;
  }

  get canRebalance(): boolean {
    return VALID_PREVIOUS.PreparingRebalance.includes(this.state);
  }

  /**
   * A joining member fits if an empty group has nothing to contradict it, or if it has the group's protocol
   * type and lists at least one protocol every current member lists.
   */
  supportsProtocols(protocolType: string, protocols: GroupProtocol[]): boolean {
    if (this.is("Empty")) return protocolType.length > 0 && protocols.length > 0;
    return this.protocolType === protocolType && protocols.some((p) => this.protocolVotes.get(p.name) === this.members.size);
  }

  add(member: ClassicMember, joinWaiter?: ClassicMember["joinWaiter"]): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.countVotes(member.protocols, 1);
    member.joinWaiter = joinWaiter;
    this.pendingMembers.delete(member.memberId);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
  }

  /**
   * A static member's new incarnation takes the old one's place (KIP-345): same assignment, same leadership,
   * same pending sync, under a new member id. Answering the old incarnation's parked requests is the caller's.
   */
  replaceStaticMember(old: ClassicMember, next: ClassicMember): void {
    this.countVotes(old.protocols, -1);
    this.members.delete(old.memberId);
    next.assignment = old.assignment;
    this.members.set(next.memberId, next);
    this.countVotes(next.protocols, 1);
    if (this.leaderId === old.memberId) this.leaderId = next.memberId;
    if (this.pendingSyncMembers.delete(old.memberId)) this.pendingSyncMembers.add(next.memberId);
    if (next.groupInstanceId !== null) this.staticMembers.set(next.groupInstanceId, next.memberId);
  }

  /** True when `groupInstanceId` belongs to a member other than `memberId` (the caller is a fenced incarnation). */
  isFencedInstance(groupInstanceId: string | null | undefined, memberId: string): boolean {
    if (!groupInstanceId) return false;
    const holder = this.staticMembers.get(groupInstanceId);
    return holder !== undefined && holder !== memberId;
  }

  remove(memberId: string): void {
    const member = this.members.get(memberId);
    if (member) {
      this.countVotes(member.protocols, -1);
      this.members.delete(memberId);
      if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value ?? null;
    this.pendingMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  updateMember(member: ClassicMember, protocols: GroupProtocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number, joinWaiter: ClassicMember["joinWaiter"]): void {
    this.countVotes(member.protocols, -1);
    member.protocols = protocols;
    this.countVotes(protocols, 1);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    member.joinWaiter = joinWaiter;
  }

  private countVotes(protocols: GroupProtocol[], delta: number): void {
    for (const { name } of protocols) {
      const n = (this.protocolVotes.get(name) ?? 0) + delta;
      if (n === 0) this.protocolVotes.delete(name);
      else this.protocolVotes.set(name, n);
    }
  }

  hasAllMembersJoined(): boolean {
    return this.members.size === this.numAwaitingJoin && this.pendingMembers.size === 0;
  }

  notYetRejoinedMembers(): ClassicMember[] {
    return [...this.members.values()].filter((m) => !m.isAwaitingJoin);
  }

  /** Keeps the leader if it rejoined, else picks any member that did; false if nobody rejoined. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    if (this.members.get(this.leaderId)?.isAwaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.isAwaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  /** The longest rebalance timeout among the members bounds every join and sync phase. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** Each member votes for its most preferred protocol that all support; the most votes wins (ties: first voted). */
  selectProtocol(): string {
    const candidates = new Set<string>();
    for (const [name, n] of this.protocolVotes) if (n === this.members.size) candidates.add(name);
    const tally = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.vote(candidates);
      tally.set(choice, (tally.get(choice) ?? 0) + 1);
    }
    let best = "";
    let bestVotes = -1;
    for (const [name, votes] of tally) if (votes > bestVotes) [best, bestVotes] = [name, votes];
    return best;
  }

  initNextGeneration(now: number): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.transitionTo("CompletingRebalance", now);
    } else {
      this.protocolName = null;
      this.transitionTo("Empty", now);
    }
    this.pendingSyncMembers.clear();
  }

  /** The member list the leader's JoinGroup response carries. */
  currentMemberMetadata(): JoinGroupMember[] {
    const protocol = this.protocolName!;
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(protocol) }));
  }
}
