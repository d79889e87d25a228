// Group metadata, durable: the coordinator's groups written to the offsets log as records (records.ts), and
// read back when the log (or one partition of it) is replayed. Sans-IO like the rest of the coordinator:
// the log is the OffsetLog seam, shared with the committed offsets, so a group's metadata and offsets go to
// the same partition and replay in the order they were written.
//
// Behavior:
// - Writes are diffs: each call encodes the group as it is now and appends only the records whose bytes
//   differ from what this store last wrote for the group (a tombstone for a record that no longer applies:
//   a member gone, a group empty or deleted). A heartbeat that changes nothing writes nothing.
// - What was issued counts as written. A group's appends go one at a time: while one is in flight, later
//   writes of the group are merged into the next one (latest value per record), appended once it succeeded.
//   So the log only ever holds whole states of the group, in order: never a later change without an earlier
//   one it was computed from.
// - A failed append fails the merged writes behind it too (they are not appended), and the records both
//   carried are marked unknown, so the next call for the group writes them again. The group in memory goes
//   back to the checkpoint of the last write that succeeded (or of the load): what the log holds, and what a
//   restart would find (Kafka reverts its coordinator's timeline data to the last committed offset the same
//   way). Writes carry that checkpoint as an opaque value; `rollback`, given by the coordinator, applies it.
// - A failed append is logged once per group and episode (a warning; its retries at debug; info when a write
//   succeeds again).
// - `flush(groupId)` resolves once every append issued for the group so far has settled, with NONE or the
//   error of the failed one (mapped as OffsetCommit maps append errors). A response that reveals group
//   state (a new member epoch, a SyncGroup assignment) waits for it, as Kafka answers only once its records
//   are committed.
// - Replay keeps the latest value per key (a tombstone removes it); `take` hands the survivors over, per
//   group, to be turned back into groups (snapshot.ts).

import { KafkaErrors } from "../../errors/index.js";
import { FailureEpisodes } from "../../failure-episodes.js";
import type { Logger } from "../../log.js";
import type { OffsetLog, OffsetLogRecord } from "../offset-store.js";
import {
  decodeClassicGroup,
  decodeConsumerGroup,
  decodeConsumerMember,
  decodeGroupKey,
  encodeGroupKey,
  RecordType,
  type ClassicGroupValue,
  type ConsumerGroupValue,
  type ConsumerMemberValue,
  type GroupRecordKey,
} from "./records.js";

/** One group's records as replayed. */
export interface LoadedGroup {
  classic?: ClassicGroupValue;
  consumer?: ConsumerGroupValue;
  members: Map<string, ConsumerMemberValue>;
}

/** A record to write: its key, and its value (null: tombstone). */
export interface GroupWrite {
  key: GroupRecordKey;
  value: Uint8Array | null;
}

/** Records on their way to the log, in one append: all or nothing. */
interface Batch {
  /** record id → the latest record for it. */
  readonly records: Map<string, OffsetLogRecord>;
  /** The group once this batch is in the log (the latest write's checkpoint); undefined: not known. */
  checkpoint: unknown;
  readonly done: Promise<number>;
  settle(code: number): void;
}

/** One group's appends: at most one in flight, the writes made meanwhile merged into the next one. */
interface GroupWrites {
  inFlight?: Batch;
  queued?: Batch;
  /** The group as the log holds it (the checkpoint of its last successful write); undefined: not known. */
  durable: unknown;
}

interface Written {
  key: Uint8Array;
  /** undefined: unknown (a failed append carried it): write it again at the next call. */
  value: Uint8Array | undefined;
}

const NONE = KafkaErrors.NONE.code;
const NOT_COORDINATOR = KafkaErrors.NOT_COORDINATOR.code;

export class GroupStore {
  /** group → record id → what was last written for it. */
  private readonly written = new Map<string, Map<string, Written>>();
  private readonly appends = new Map<string, GroupWrites>();
  /** group → record id → replayed value, until `take`. */
  private readonly loaded = new Map<string, Map<string, { key: GroupRecordKey; value: Uint8Array }>>();
  /** Members heartbeat every few seconds while a disk is full: a warning per group and episode, not per try. */
  private readonly failures = FailureEpisodes.byName({
    started: "group metadata could not be written",
    continues: "group metadata still could not be written",
    ended: "group metadata is written again",
  });

  /**
   * `errorCode` maps a failed append to what a member is told (the coordinator passes OffsetCommit's mapping);
   * `rollback` puts a group back as a checkpoint describes it, after a failed append.
   */
  constructor(
    private readonly log: OffsetLog,
    private readonly errorCode: (error: unknown) => number,
    private readonly logger?: Logger,
    private readonly rollback?: (groupId: string, checkpoint: unknown) => void,
  ) {}

  /** A replayed record; false when it is not a group record (the caller handles offsets). */
  visit(record: OffsetLogRecord): boolean {
    let key: GroupRecordKey | undefined;
    try {
      key = decodeGroupKey(record.key);
    } catch (error) {
      this.logger?.warn("skipping an unreadable group record key", { error: String(error) });
      return true;
    }
    if (!key) return false;
    const id = recordId(key);
    let group = this.loaded.get(key.group);
    if (!group) this.loaded.set(key.group, (group = new Map()));
    let written = this.written.get(key.group);
    if (!written) this.written.set(key.group, (written = new Map()));
    if (record.value === null) {
      group.delete(id);
      written.delete(id);
    } else {
      group.set(id, { key, value: record.value });
      written.set(id, { key: record.key, value: record.value });
    }
    return true;
  }

  /** The replayed groups (those `accept` names), decoded; records that do not decode are skipped and logged. */
  take(accept: (groupId: string) => boolean = () => true): Map<string, LoadedGroup> {
    const out = new Map<string, LoadedGroup>();
    for (const [groupId, records] of this.loaded) {
      if (!accept(groupId)) continue;
      this.loaded.delete(groupId);
      const group: LoadedGroup = { members: new Map() };
      for (const { key, value } of records.values()) {
        try {
          if (key.type === RecordType.ClassicGroup) group.classic = decodeClassicGroup(value);
          else if (key.type === RecordType.ConsumerGroup) group.consumer = decodeConsumerGroup(value);
          else group.members.set(key.member, decodeConsumerMember(value));
        } catch (error) {
          this.logger?.warn("skipping an unreadable group record", { group: groupId, error: String(error) });
        }
      }
      if (group.classic || group.consumer) out.set(groupId, group);
    }
    return out;
  }

  /**
   * Writes `records` for the group, diffed against what was written before; `replaceAll` also tombstones
   * every other record written for the group. `checkpoint` captures the group as these records describe it
   * (called only when something is to be written); without one, a failure after this write cannot roll
   * the group back. Resolves as `flush`.
   */
  write(groupId: string, records: GroupWrite[], replaceAll = false, checkpoint?: () => unknown): Promise<number> {
    let written = this.written.get(groupId);
    if (!written) this.written.set(groupId, (written = new Map()));
    const out = new Map<string, OffsetLogRecord>();
    const wanted = new Set<string>();
    const put = (id: string, key: Uint8Array, value: Uint8Array | null) => {
      out.set(id, { key, value });
      if (value === null) written.delete(id);
      else written.set(id, { key, value });
    };
    for (const { key, value } of records) {
      const id = recordId(key);
      wanted.add(id);
      const before = written.get(id);
      if (value === null) {
        if (before) put(id, before.key, null);
      } else if (!before?.value || !sameBytes(before.value, value)) {
        put(id, before?.key ?? encodeGroupKey(key), value);
      }
    }
    if (replaceAll) for (const [id, w] of [...written]) if (!wanted.has(id)) put(id, w.key, null);
    if (!written.size) this.written.delete(groupId);
    if (!out.size) return this.flush(groupId);
    const group = this.appendsOf(groupId);
    const batch = group.inFlight ? (group.queued ??= newBatch()) : newBatch();
    for (const [id, record] of out) batch.records.set(id, record);
    batch.checkpoint = checkpoint?.();
    if (!group.inFlight) this.issue(groupId, group, batch);
    return batch.done;
  }

  /** Tombstones every record written for the group. */
  remove(groupId: string): Promise<number> {
    return this.write(groupId, [], true);
  }

  flush(groupId: string): Promise<number> {
    const group = this.appends.get(groupId);
    return (group?.queued ?? group?.inFlight)?.done ?? Promise.resolve(NONE);
  }

  /** The group as the log holds it now (just loaded, or created before its first write): what a failure goes back to. */
  setDurable(groupId: string, checkpoint: unknown): void {
    this.appendsOf(groupId).durable = checkpoint;
  }

  /** The coordinator moved away: forget the group here (the log keeps its records for the next owner). */
  forget(groupId: string): void {
    this.written.delete(groupId);
    this.loaded.delete(groupId);
    // Writes waiting behind an append in flight are not appended by this coordinator any more.
    this.appends.get(groupId)?.queued?.settle(NOT_COORDINATOR);
    this.appends.delete(groupId);
  }

  private appendsOf(groupId: string): GroupWrites {
    let group = this.appends.get(groupId);
    if (!group) this.appends.set(groupId, (group = { durable: undefined }));
    return group;
  }

  private issue(groupId: string, group: GroupWrites, batch: Batch): void {
    group.inFlight = batch;
    this.log.append(groupId, [...batch.records.values()]).then(
      () => this.appended(groupId, group, batch),
      (error: unknown) => this.failed(groupId, group, batch, error),
    );
  }

  private appended(groupId: string, group: GroupWrites, batch: Batch): void {
    this.failures.succeeded(groupId, this.logger, { group: groupId });
    if (this.appends.get(groupId) === group) {
      group.durable = batch.checkpoint;
      group.inFlight = undefined;
      const next = group.queued;
      group.queued = undefined;
      if (next) this.issue(groupId, group, next);
      else if (group.durable === undefined) this.appends.delete(groupId); // nothing left to track (a deleted group)
    }
    batch.settle(NONE);
  }

  private failed(groupId: string, group: GroupWrites, batch: Batch, error: unknown): void {
    this.failures.failed(groupId, this.logger, { group: groupId, error: String(error) });
    const code = this.errorCode(error);
    const behind = group.queued;
    if (this.appends.get(groupId) === group) {
      group.inFlight = group.queued = undefined;
      const now = this.written.get(groupId) ?? new Map<string, Written>();
      this.written.set(groupId, now);
      for (const b of [batch, behind]) for (const [id, record] of b?.records ?? []) now.set(id, { key: record.key, value: undefined });
      if (group.durable !== undefined) {
        try {
          this.rollback?.(groupId, group.durable);
        } catch (rollbackError) {
          this.logger?.error("could not roll a group back after a failed write", { group: groupId, error: String(rollbackError) });
        }
      }
    }
    batch.settle(code);
    behind?.settle(code);
  }
}

function newBatch(): Batch {
  let settle!: (code: number) => void;
  const done = new Promise<number>((resolve) => (settle = resolve));
  return { records: new Map(), checkpoint: undefined, done, settle };
}

function recordId(key: GroupRecordKey): string {
  return key.type === RecordType.ConsumerMember ? `${key.type}\u0000${key.member}` : String(key.type);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
