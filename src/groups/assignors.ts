// Server-side partition assignors for managed members (browsers should not run one). Pure functions:
// members (with their subscriptions and, for sticky, what they own now) and partition counts in, an
// assignment out. Members are ordered by id, so the same input always gives the same output.
//
// Behavior:
// - range (Kafka's RangeAssignor): per topic, its subscribers in id order get consecutive ranges; the first
//   `partitions % subscribers` get one extra.
// - roundrobin (Kafka's RoundRobinAssignor): every subscribed partition, by topic then partition, dealt to
//   the members in id order, skipping members not subscribed to its topic.
// - sticky: balanced first, then sticky. When every member has the same subscription each member ends with
//   floor or ceil of partitions / members, keeping as many of its current partitions as that allows (Kafka's
//   constrained sticky assignment), so only the partitions that must move do. With differing subscriptions:
//   current partitions are kept, the rest go to the least-loaded subscriber, then partitions move one at a
//   time from a member to a subscriber holding at least two fewer until none can (a heuristic: balanced as
//   far as subscriptions allow, few moves, not provably minimal).

import { compareTp, tpKey, type TopicPartition } from "./types.js";

export type AssignorName = "range" | "roundrobin" | "sticky";

export interface AssignorMember {
  memberId: string;
  topics: readonly string[];
  /** What the member owns now (sticky keeps as much of it as balance allows). */
  current?: readonly TopicPartition[];
}

export type Assignment = Map<string, TopicPartition[]>;
export type Assignor = (members: readonly AssignorMember[], partitionsFor: (topic: string) => number) => Assignment;

export const assignors: Record<AssignorName, Assignor> = { range, roundrobin: roundRobin, sticky };

export function isAssignorName(name: string): name is AssignorName {
  return name === "range" || name === "roundrobin" || name === "sticky";
}

function sortedMembers(members: readonly AssignorMember[]): AssignorMember[] {
  return [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
}

function emptyAssignment(members: readonly AssignorMember[]): Assignment {
  return new Map(members.map((m) => [m.memberId, []]));
}

function count(partitionsFor: (topic: string) => number, topic: string): number {
  const n = partitionsFor(topic);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

function finish(out: Assignment): Assignment {
  for (const list of out.values()) list.sort(compareTp);
  return out;
}

export function range(members: readonly AssignorMember[], partitionsFor: (topic: string) => number): Assignment {
  const out = emptyAssignment(members);
  const ordered = sortedMembers(members);
  const topics = [...new Set(ordered.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const subscribers = ordered.filter((m) => m.topics.includes(topic));
    const n = count(partitionsFor, topic);
    const per = Math.floor(n / subscribers.length);
    const extra = n % subscribers.length;
    subscribers.forEach((m, i) => {
      const start = per * i + Math.min(i, extra);
      const length = per + (i < extra ? 1 : 0);
      for (let p = start; p < start + length; p++) out.get(m.memberId)!.push({ topic, partition: p });
    });
  }
  return finish(out);
}

export function roundRobin(members: readonly AssignorMember[], partitionsFor: (topic: string) => number): Assignment {
  const out = emptyAssignment(members);
  const ordered = sortedMembers(members);
  if (!ordered.length) return out;
  const topics = [...new Set(ordered.flatMap((m) => m.topics))].sort();
  let next = 0;
  for (const topic of topics) {
    for (let partition = 0; partition < count(partitionsFor, topic); partition++) {
      while (!ordered[next % ordered.length]!.topics.includes(topic)) next++;
      out.get(ordered[next % ordered.length]!.memberId)!.push({ topic, partition });
      next++;
    }
  }
  return finish(out);
}

export function sticky(members: readonly AssignorMember[], partitionsFor: (topic: string) => number): Assignment {
  const ordered = sortedMembers(members);
  if (!ordered.length) return new Map();
  const topics = [...new Set(ordered.flatMap((m) => m.topics))].sort();
  const all: TopicPartition[] = topics.flatMap((topic) => Array.from({ length: count(partitionsFor, topic) }, (_, partition) => ({ topic, partition })));
  // What each member may keep: partitions that still exist, that it still subscribes to, claimed once.
  const claimed = new Set<string>();
  const valid = new Set(all.map((tp) => tpKey(tp.topic, tp.partition)));
  const kept = new Map<string, TopicPartition[]>();
  for (const m of ordered) {
    const mine: TopicPartition[] = [];
    for (const tp of [...(m.current ?? [])].sort(compareTp)) {
      const key = tpKey(tp.topic, tp.partition);
      if (valid.has(key) && !claimed.has(key) && m.topics.includes(tp.topic)) {
        claimed.add(key);
        mine.push({ topic: tp.topic, partition: tp.partition });
      }
    }
    kept.set(m.memberId, mine);
  }
  const sameSubscription = ordered.every((m) => sameTopics(m.topics, ordered[0]!.topics));
  return finish(sameSubscription ? constrained(ordered, all, kept) : general(ordered, all, kept));
}

function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  const s = new Set(a);
  return s.size === new Set(b).size && b.every((t) => s.has(t));
}

/** Everyone subscribes to the same topics: exact quotas, as few moves as the quotas allow. */
function constrained(ordered: AssignorMember[], all: TopicPartition[], kept: Map<string, TopicPartition[]>): Assignment {
  const n = ordered.length;
  const minQuota = Math.floor(all.length / n);
  const maxQuota = Math.ceil(all.length / n);
  const maxSlots = all.length % n; // members that may hold maxQuota (0 when the split is exact)
  let overMin = 0;
  const out: Assignment = new Map();
  // Members that own the most keep the scarce maxQuota slots: that keeps the most partitions in place.
  const byOwned = [...ordered].sort((a, b) => kept.get(b.memberId)!.length - kept.get(a.memberId)!.length);
  const assigned = new Set<string>();
  for (const m of byOwned) {
    const own = kept.get(m.memberId)!;
    let keep = Math.min(own.length, minQuota);
    if (own.length >= maxQuota && maxQuota > minQuota && overMin < maxSlots) {
      keep = maxQuota;
      overMin++;
    }
    const list = own.slice(0, keep);
    for (const tp of list) assigned.add(tpKey(tp.topic, tp.partition));
    out.set(m.memberId, list);
  }
  const free = all.filter((tp) => !assigned.has(tpKey(tp.topic, tp.partition)));
  for (const m of ordered) {
    const list = out.get(m.memberId)!;
    while (list.length < minQuota && free.length) list.push(free.shift()!);
  }
  for (const m of ordered) {
    if (!free.length) break;
    const list = out.get(m.memberId)!;
    if (list.length < maxQuota && overMin < maxSlots) {
      list.push(free.shift()!);
      overMin++;
    }
  }
  return out;
}

/** Subscriptions differ: keep, fill the least loaded, then even out one move at a time. */
function general(ordered: AssignorMember[], all: TopicPartition[], kept: Map<string, TopicPartition[]>): Assignment {
  const out: Assignment = new Map(ordered.map((m) => [m.memberId, [...kept.get(m.memberId)!]]));
  const owner = new Map<string, string>();
  for (const [memberId, list] of out) for (const tp of list) owner.set(tpKey(tp.topic, tp.partition), memberId);
  const subscribers = (topic: string) => ordered.filter((m) => m.topics.includes(topic));
  const load = (memberId: string) => out.get(memberId)!.length;
  const leastLoaded = (candidates: AssignorMember[]) =>
    candidates.reduce((best, m) => (load(m.memberId) < load(best.memberId) ? m : best), candidates[0]!);
  for (const tp of all) {
    const key = tpKey(tp.topic, tp.partition);
    if (owner.has(key)) continue;
    const to = leastLoaded(subscribers(tp.topic));
    out.get(to.memberId)!.push(tp);
    owner.set(key, to.memberId);
  }
  // Each move lowers the sum of squared loads, so this ends; the bound is a safety net.
  for (let moved = true, rounds = 0; moved && rounds < all.length * ordered.length + 1; rounds++) {
    moved = false;
    for (const tp of all) {
      const key = tpKey(tp.topic, tp.partition);
      const from = owner.get(key)!;
      const to = leastLoaded(subscribers(tp.topic));
      if (load(to.memberId) + 1 < load(from)) {
        const list = out.get(from)!;
        list.splice(list.findIndex((x) => x.topic === tp.topic && x.partition === tp.partition), 1);
        out.get(to.memberId)!.push(tp);
        owner.set(key, to.memberId);
        moved = true;
      }
    }
  }
  return out;
}
