// A fake clock (timers fire only when a test advances time, in deadline order) and small builders for
// group requests, so the tests read as protocol traces.
import { createLogger } from "../../src/log.js";
import {
  encodeAssignment,
  encodeSubscription,
  GroupCoordinator,
  type Clock,
  type GroupConfig,
  type GroupCoordinatorOptions,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type TopicPartition,
} from "../../src/groups/index.js";

export class FakeClock implements Clock {
  private t = 1_700_000_000_000;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves time forward, firing every timer that falls due, each at its own deadline. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }
}

/** Lets queued promise callbacks and microtasks run. */
export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Watches a promise so a test can ask whether it has resolved yet. */
export function track<T>(promise: Promise<T>): { readonly done: boolean; readonly value: T } {
  const state = { done: false, value: undefined as T };
  promise.then((v) => {
    state.done = true;
    state.value = v;
  });
  return state;
}

export const quiet = createLogger({ level: "error", write: () => {} });

export const testConfig: GroupConfig = { initialRebalanceDelayMs: 100, minSessionTimeoutMs: 10, newMemberJoinTimeoutMs: 300_000 };

export async function coordinator(options: GroupCoordinatorOptions = {}): Promise<{ coord: GroupCoordinator; clock: FakeClock }> {
  const clock = (options.clock as FakeClock | undefined) ?? new FakeClock();
  const coord = await GroupCoordinator.create({ logger: quiet, ...options, clock, config: { ...testConfig, ...options.config } });
  return { coord, clock };
}

export function join(overrides: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: "g",
    memberId: "",
    sessionTimeoutMs: 1000,
    rebalanceTimeoutMs: 5000,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: encodeSubscription(["t"]) }],
    clientId: "client",
    clientHost: "/127.0.0.1",
    ...overrides,
  };
}

export function assignmentBytes(partitions: TopicPartition[]): Uint8Array {
  return encodeAssignment(partitions);
}

export interface StableMember {
  memberId: string;
  join: JoinGroupResponse;
}

/**
 * Brings `n` members into a Stable group `groupId`: they join together, the initial window passes, the
 * leader syncs partition i of topic t to member i, the followers sync. Returns them leader first.
 */
export async function stableGroup(coord: GroupCoordinator, clock: FakeClock, n: number, groupId = "g", extra: Partial<JoinGroupRequest> = {}) {
  const joins = Array.from({ length: n }, () => coord.joinGroup(join({ groupId, ...extra })));
  // Members joining during the initial window renew it once: two windows.
  clock.advance(2 * testConfig.initialRebalanceDelayMs!);
  const answers = await Promise.all(joins);
  const leader = answers.find((a) => a.leader === a.memberId)!;
  const ordered = [leader, ...answers.filter((a) => a !== leader)];
  const assignments = ordered.map((a, i) => ({ memberId: a.memberId, assignment: assignmentBytes([{ topic: "t", partition: i }]) }));
  const syncs = ordered.map((a) =>
    coord.syncGroup({ groupId, generationId: a.generationId, memberId: a.memberId, assignments: a === leader ? assignments : [] }),
  );
  await Promise.all(syncs);
  return ordered.map((a) => ({ memberId: a.memberId, join: a }));
}
