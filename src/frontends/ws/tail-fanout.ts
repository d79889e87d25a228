// Fan-out at the log end (issue 14). Thousands of subscribers of one partition usually sit parked at the
// same offset: the log end. Waking each of them to run its own read (a promise, a microtask, a cache
// lookup, a CHUNK encoded and copied per subscriber) made one record to 10,000 subscribers cost tens of
// thousands of allocations before the first byte left. Here the parked cursors of one (partition, offset,
// chunk size) form one group with ONE append waiter; when the log moves past the offset the group does ONE
// shared read, encodes the CHUNK frame ONCE, and hands it to every member in a plain loop, each send only
// patching the frame's subscription id. Per member the wake path allocates nothing.
//
// The wake-up usually comes from the append that moved the end past the group's offset. When that append's
// batch starts exactly at the offset and the shard sent it back with its result (Broker.appendedAt), the
// group is served from those bytes at once: no shard read, one thread round trip less between the append
// and its delivery, the same bytes a read would return first.
//
// A member that cannot take the chunk right now (credit short, socket over its high-water mark, session
// closed, cursor moved by SEEK) is simply handed back to its session's normal pump (state "idle" + wake),
// which applies the full flow-control rules (STALLED, partial chunks, errors). The fast path only ever
// sends what the slow path would have sent: the same bytes, within credit, in offset order.

import type { Broker } from "../../broker/broker.js";
import type { FetchOk } from "../../shard/protocol.js";
import { encodeChunk } from "../../protocol/ws/server-frames.js";
import { batchSizeAt, lastOffsetAt, viewOf, wholeBatchesEnd } from "../../core/index.js";
import type { Cursor, Subscription, SubscriptionSink } from "./subscription.js";

/** What the fan-out needs from a connection, besides the SubscriptionSink every cursor already has. */
export interface TailSink extends SubscriptionSink {
  /** True while a CHUNK may be sent now (the connection is open and its socket below the high-water mark). */
  canSendNow(): boolean;
  /**
   * Sends `frame` (a CHUNK encoded for the whole group) as this subscription's: writes `subscriptionId` into
   * the frame's id field and sends it. The frame is shared: the sink must not keep it past the call unless
   * its transport copies on send. Returns false if the connection is gone.
   */
  sendSharedChunk(frame: Uint8Array, subscriptionId: number): boolean;
}

/** One parked cursor. Kept on the cursor and reused for every park: parking allocates nothing. */
interface Member {
  sub: Subscription;
  cursor: Cursor;
  sink: TailSink;
  generation: number;
  group: Group | undefined;
  /** cursor.cancelWait while parked (made once per member). */
  cancel: () => void;
}

interface Group {
  key: string;
  topic: string;
  partition: number;
  offset: bigint;
  maxBytes: number;
  members: Set<Member>;
  cancelWatch: () => void;
}

const members = new WeakMap<Cursor, Member>();
const fanouts = new WeakMap<Broker, TailFanout>();

/** The broker's one fan-out (every connection of every WebSocket listener on it shares it). */
export function tailFanoutOf(broker: Broker): TailFanout {
  let fanout = fanouts.get(broker);
  if (!fanout) fanouts.set(broker, (fanout = new TailFanout(broker)));
  return fanout;
}

export class TailFanout {
  private readonly groups = new Map<string, Group>();
  /** Wake-ups served (one shared read each) and chunks sent from a shared frame: for tests and metrics. */
  wakes = 0;
  sharedSends = 0;
  /** Wake-ups served from the appended batch itself (no read). */
  direct = 0;

  constructor(private readonly broker: Broker) {}

  /**
   * Parks `cursor` (state "waiting", at `cursor.offset`) until the partition's end passes its offset. Sets
   * `cursor.cancelWait`. If the known end is already past the offset, the cursor is made idle and its
   * session woken instead (its pump reads at once).
   */
  park(sub: Subscription, cursor: Cursor, sink: TailSink): void {
    const end = this.broker.logEndOffset(sub.topic, cursor.partition);
    if (end !== undefined && end > cursor.offset) {
      cursor.state = "idle";
      sink.wake();
      return;
    }
    let member = members.get(cursor);
    if (!member || member.sub !== sub || member.sink !== sink) {
      const created: Member = { sub, cursor, sink, generation: cursor.generation, group: undefined, cancel: () => this.unpark(created) };
      members.set(cursor, (member = created));
    }
    this.join(this.groupAt(sub.topic, cursor.partition, cursor.offset, sub.maxChunkBytes), member);
  }

  /** The group waiting at `offset` (created, with its one append waiter, if there is none). */
  private groupAt(topic: string, partition: number, offset: bigint, maxBytes: number): Group {
    const key = `${topic}\u0000${partition}\u0000${offset}\u0000${maxBytes}`;
    const existing = this.groups.get(key);
    if (existing) return existing;
    const group: Group = { key, topic, partition, offset, maxBytes, members: new Set(), cancelWatch: () => {} };
    this.groups.set(key, group);
    // Callers checked the end is not past `offset`; if it is after all, wake() runs now and join() sees it.
    group.cancelWatch = this.broker.onceDataAfter(topic, partition, offset, () => this.wake(group));
    return group;
  }

  private join(group: Group, member: Member): void {
    if (this.groups.get(group.key) !== group) {
      // Its wake-up already ran (the end moved while it was being created): read through the pump instead.
      member.cursor.state = "idle";
      member.sink.wake();
      return;
    }
    member.generation = member.cursor.generation;
    member.group = group;
    group.members.add(member);
    member.cursor.state = "waiting";
    member.cursor.cancelWait = member.cancel;
  }

  private unpark(member: Member): void {
    const group = member.group;
    if (!group) return;
    member.group = undefined;
    group.members.delete(member);
    if (group.members.size === 0 && this.groups.get(group.key) === group) {
      this.groups.delete(group.key);
      group.cancelWatch();
    }
  }

  /** The partition's end passed the group's offset: one read, then every member in one loop. */
  private wake(group: Group): void {
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
    if (group.members.size === 0) return;
    this.wakes++;
    const appended = this.broker.appendedAt(group.topic, group.partition, group.offset);
    if (appended && appended.records.byteLength <= group.maxBytes) {
      this.direct++;
      return this.deliver(group, appended.records, appended.end);
    }
    let read: Promise<FetchOk>;
    try {
      read = this.broker.readChunk(group.topic, group.partition, group.offset, group.maxBytes);
    } catch {
      return this.handBack(group);
    }
    read.then(
      (result) => (result.records.byteLength === 0 ? this.handBack(group) : this.deliver(group, result.records, result.highWatermark)),
      () => this.handBack(group), // each session's own read reports the error, with its rules
    );
  }

  /** Every member back to its session's pump. */
  private handBack(group: Group): void {
    for (const member of group.members) {
      const { cursor, sink } = member;
      member.group = undefined;
      if (this.current(member)) {
        cursor.cancelWait = undefined;
        cursor.state = "idle";
      }
      sink.wake();
    }
    group.members.clear();
  }

  private current(member: Member): boolean {
    return !member.sub.closed && member.cursor.generation === member.generation && member.cursor.state === "waiting";
  }

  private deliver(group: Group, records: Uint8Array, highWatermark: bigint): void {
    const view = viewOf(records);
    // Whole batches only (a read ends on a batch boundary; this keeps the rule explicit).
    const size = wholeBatchesEnd(records, 0, records.byteLength);
    if (size === 0) return this.handBack(group);
    let last = 0;
    for (let at = 0; at < size; at += batchSizeAt(view, at)) last = at;
    const nextOffset = lastOffsetAt(view, last) + 1n;
    const body = size === records.byteLength ? records : records.subarray(0, size);
    const frame = encodeChunk({ requestId: 0, partition: group.partition, fromOffset: group.offset, nextOffset, highWatermark, records: body });
    const end = this.broker.logEndOffset(group.topic, group.partition);
    const more = end !== undefined && end > nextOffset;
    // Those caught up again park together at the new end directly, without a read that would find nothing.
    let next: Group | undefined;
    for (const member of group.members) {
      const { sub, cursor, sink } = member;
      member.group = undefined;
      if (!this.current(member)) {
        sink.wake();
        continue;
      }
      cursor.cancelWait = undefined;
      cursor.highWatermark = highWatermark;
      if (sub.credit < size || !sink.canSendNow()) {
        // The session's pump decides (STALLED, a partial chunk, or wait for drain).
        cursor.state = "idle";
        sink.wake();
        continue;
      }
      sub.credit -= size;
      cursor.offset = nextOffset;
      cursor.deliveredBytes += size;
      cursor.deliveredChunks++;
      this.sharedSends++;
      if (!sink.sendSharedChunk(frame, sub.id)) continue;
      if (!more && sub.credit > 0 && sink.canSendNow()) {
        this.join((next ??= this.groupAt(group.topic, group.partition, nextOffset, group.maxBytes)), member);
      } else {
        cursor.state = "idle";
        sink.wake();
      }
    }
    group.members.clear();
  }

  /** Cursors parked on one partition (tests, metrics). */
  parkedOn(topic: string, partition: number): number {
    let n = 0;
    for (const group of this.groups.values()) if (group.topic === topic && group.partition === partition) n += group.members.size;
    return n;
  }

  /** Cursors parked, over all groups (tests, metrics). */
  get parked(): number {
    let n = 0;
    for (const group of this.groups.values()) n += group.members.size;
    return n;
  }
}
