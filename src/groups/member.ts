// One member of a classic group (Kafka's ClassicGroupMember). A member is "awaiting join" while its
// JoinGroup is parked and "awaiting sync" while its SyncGroup is; both count as proof of life, because a
// client whose request is parked cannot heartbeat on that connection.

import { EMPTY_BYTES, type GroupProtocol, type JoinGroupResponse, type SyncGroupResponse } from "./types.js";

export class ClassicMember {
  assignment: Uint8Array = EMPTY_BYTES;
  /** Resolves the parked JoinGroup; set while the member awaits the end of the join phase. */
  joinWaiter: ((response: JoinGroupResponse) => void) | undefined;
  /** Resolves the parked SyncGroup; set while the member awaits the leader's assignment. */
  syncWaiter: ((response: SyncGroupResponse) => void) | undefined;
  /**
   * Joined for the first time and not yet through a join phase. Such a member has no id to heartbeat with,
   * so its JoinGroup is bounded by newMemberJoinTimeoutMs instead of being kept alive by waiting.
   */
  isNew = false;

  constructor(
    readonly memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    public protocols: GroupProtocol[],
  ) {}

  get isAwaitingJoin(): boolean {
    return this.joinWaiter !== undefined;
  }

  get isAwaitingSync(): boolean {
    return this.syncWaiter !== undefined;
  }

  /** Whether a session expiry finds this member alive (Kafka's hasSatisfiedHeartbeat). */
  get hasSatisfiedHeartbeat(): boolean {
    return !this.isNew && (this.isAwaitingJoin || this.isAwaitingSync);
  }

  /** Same protocols, in the same order, with byte-identical metadata. */
  matches(protocols: GroupProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((p, i) => p.name === this.protocols[i]!.name && bytesEqual(p.metadata, this.protocols[i]!.metadata));
  }

  metadata(protocolName: string): Uint8Array {
    const found = this.protocols.find((p) => p.name === protocolName);
    if (!found) throw new Error(`member ${this.memberId} does not support protocol ${protocolName}`);
    return found.metadata;
  }

  /** The member's most preferred protocol among the candidates (its list is in preference order). */
  vote(candidates: Set<string>): string {
    const found = this.protocols.find((p) => candidates.has(p.name));
    if (!found) throw new Error(`member ${this.memberId} supports none of the candidate protocols`);
    return found.name;
  }

  completeJoin(response: JoinGroupResponse): boolean {
    const waiter = this.joinWaiter;
    if (!waiter) return false;
    this.joinWaiter = undefined;
    waiter(response);
    return true;
  }

  completeSync(response: SyncGroupResponse): boolean {
    const waiter = this.syncWaiter;
    if (!waiter) return false;
    this.syncWaiter = undefined;
    waiter(response);
    return true;
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
