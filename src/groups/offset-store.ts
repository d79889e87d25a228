// Committed offsets: an in-memory table (what OffsetFetch reads) in front of a durable keyed log (what a
// restart replays). The log is a seam: `InMemoryOffsetLog` for unit tests, `BrokerOffsetLog` for the
// compacted `__consumer_offsets` topic.
//
// Behavior:
// - commit/delete append first and change the table only once the append is durable, so a reader never sees
//   an offset a crash could lose. Appends of one group go to one partition in one batch: all or nothing.
// - Two writes of the same key in flight at once: the table takes the later-issued one even if the earlier
//   one finishes last, matching the log order (one writer per partition, appends in the order issued), so
//   the table and a replay agree.
// - Replay applies records in log order; a tombstone deletes; group metadata records go to the caller's
//   visitor (persist/store.ts); Kafka's own group records are skipped, and records that do not decode are
//   skipped with a warning.

import { FailureEpisodes } from "../failure-episodes.js";
import type { Logger } from "../log.js";
import { decodeOffsetKey, decodeOffsetValue, encodeOffsetKey, encodeOffsetValue } from "./offset-codec.js";
import { compareTp, tpFromKey, tpKey, type CommittedOffset, type TopicPartition } from "./types.js";

export interface OffsetLogRecord {
  key: Uint8Array;
  /** null: a tombstone. */
  value: Uint8Array | null;
}

export interface OffsetLog {
  /** Visits every record in log order (per partition). Called once, before any append. */
  replay(visit: (record: OffsetLogRecord) => void): Promise<void>;
  /** Appends one group's records atomically and durably (acks=-1); resolves once they are. */
  append(groupId: string, records: OffsetLogRecord[]): Promise<void>;
  /**
   * Partitioned logs (cluster mode: the coordinator moves with each partition's leadership). The partition
   * a group's records go to, and a replay of one partition (log order), run when this broker takes it over.
   */
  partitionFor?(groupId: string): number;
  replayPartition?(partition: number, visit: (record: OffsetLogRecord) => void): Promise<void>;
}

/** The log for unit tests: keeps every record; `failNextAppend` makes the next append reject. */
export class InMemoryOffsetLog implements OffsetLog {
  readonly records: OffsetLogRecord[] = [];
  failNextAppend: Error | undefined;

  async replay(visit: (record: OffsetLogRecord) => void): Promise<void> {
    for (const record of this.records) visit(record);
  }

  async append(_groupId: string, records: OffsetLogRecord[]): Promise<void> {
    const failure = this.failNextAppend;
    this.failNextAppend = undefined;
    if (failure) throw failure;
    this.records.push(...records);
  }
}

export interface OffsetEntry extends TopicPartition {
  offset: bigint;
  leaderEpoch?: number;
  metadata?: string;
}

export interface StoredOffset extends TopicPartition, CommittedOffset {}

interface Slot {
  /** Sequence of the last write applied to this key (see the ordering note above). */
  seq: number;
  value: CommittedOffset | undefined;
}

export class OffsetStore {
  /** group → topic\0partition → slot */
  private readonly table = new Map<string, Map<string, Slot>>();
  private seq = 0;

  /**
   * A consumer retries its commit every few hundred ms while the disk is full or no descriptor is left: the
   * cause is a warning once per group and episode, the retries debug lines (whichever API committed).
   */
  private readonly commitFailures = FailureEpisodes.byName({
    started: "offset commit could not be written",
    continues: "offset commit still could not be written",
    ended: "offset commits are written again",
  });

  constructor(private readonly log: OffsetLog, private readonly logger?: Logger) {}

  /**
   * Replays the whole log, or (partitioned logs) one partition of it. `other` sees every record first and
   * returns true for those it takes (the group metadata records, persist/store.ts).
   */
  async load(partition?: number, other?: (record: OffsetLogRecord) => boolean): Promise<void> {
    const replay = partition === undefined ? this.log.replay.bind(this.log) : (visit: (r: OffsetLogRecord) => void) => this.log.replayPartition!(partition, visit);
    await replay((record) => {
      if (other?.(record)) return;
      const { key, value } = record;
      try {
        const k = decodeOffsetKey(key);
        if (!k) return;
        this.apply(k.group, tpKey(k.topic, k.partition), ++this.seq, value === null ? undefined : decodeOffsetValue(value));
      } catch (error) {
        this.logger?.warn("skipping an unreadable record in the offsets log", { error });
      }
    });
  }

  /** Forgets a group's offsets in memory only (its coordinator moved to another broker; the log keeps them). */
  forget(groupId: string): void {
    this.table.delete(groupId);
  }

  /** Every group in the table, with or without live offsets. */
  knownGroupIds(): string[] {
    return [...this.table.keys()];
  }

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.table.get(groupId)?.get(tpKey(topic, partition))?.value;
  }

  /** Every committed offset of a group, sorted by topic and partition. */
  list(groupId: string): StoredOffset[] {
    const out: StoredOffset[] = [];
    for (const [key, slot] of this.table.get(groupId) ?? []) if (slot.value) out.push({ ...tpFromKey(key), ...slot.value });
    return out.sort(compareTp);
  }

  has(groupId: string): boolean {
    for (const slot of this.table.get(groupId)?.values() ?? []) if (slot.value) return true;
    return false;
  }

  /** Every group with at least one committed offset. */
  groupIds(): string[] {
    return [...this.table.keys()].filter((g) => this.has(g));
  }

  async commit(groupId: string, entries: OffsetEntry[], now: number): Promise<void> {
    if (!entries.length) return;
    const writes = entries.map((e) => ({
      key: tpKey(e.topic, e.partition),
      value: { offset: e.offset, leaderEpoch: e.leaderEpoch ?? -1, metadata: e.metadata ?? "", commitTimestamp: now },
      record: { key: encodeOffsetKey({ group: groupId, topic: e.topic, partition: e.partition }), value: null as Uint8Array | null },
      seq: ++this.seq,
    }));
    for (const w of writes) w.record.value = encodeOffsetValue(w.value);
    try {
      await this.log.append(groupId, writes.map((w) => w.record));
    } catch (error) {
      this.commitFailures.failed(groupId, this.logger, { group: groupId, error });
      throw error;
    }
    this.commitFailures.succeeded(groupId, this.logger, { group: groupId });
    for (const w of writes) this.apply(groupId, w.key, w.seq, w.value);
  }

  /** Tombstones the listed partitions' offsets (all of the group's when `partitions` is omitted). */
  async delete(groupId: string, partitions?: TopicPartition[]): Promise<void> {
    const targets = partitions ?? this.list(groupId);
    const writes = targets
      .filter((tp) => this.get(groupId, tp.topic, tp.partition) !== undefined)
      .map((tp) => ({ key: tpKey(tp.topic, tp.partition), record: { key: encodeOffsetKey({ group: groupId, ...tp }), value: null }, seq: ++this.seq }));
    if (!writes.length) return;
    await this.log.append(groupId, writes.map((w) => w.record));
    for (const w of writes) this.apply(groupId, w.key, w.seq, undefined);
  }

  private apply(groupId: string, key: string, seq: number, value: CommittedOffset | undefined): void {
    let group = this.table.get(groupId);
    if (!group) this.table.set(groupId, (group = new Map()));
    const slot = group.get(key);
    if (slot && slot.seq > seq) return;
    // A deletion keeps its slot (value undefined) so that an older write finishing later cannot revive the key.
    group.set(key, { seq, value });
  }
}
