// Group metadata, durable: the coordinator's groups written to the offsets log as records (records.ts), and
// read back when the log (or one partition of it) is replayed. Sans-IO like the rest of the coordinator:
// the log is the OffsetLog seam, shared with the committed offsets, so a group's metadata and offsets go to
// the same partition and replay in the order they were written.
//
// Behavior:
// - Writes are diffs: each call encodes the group as it is now and appends only the records whose bytes
//   differ from what this store last wrote for the group (a tombstone for a record that no longer applies:
//   a member gone, a group empty or deleted). A heartbeat that changes nothing writes nothing.
// - What was issued counts as written (appends of one partition land in the order issued); if an append
//   fails, the records it carried are marked unknown, so the next call for the group writes them again.
// - `flush(groupId)` resolves once every append issued for the group so far has settled, with NONE or the
//   error of the last failed one (mapped as OffsetCommit maps append errors). A response that reveals group
//   state (a new member epoch, a SyncGroup assignment) waits for it, as Kafka answers only once its records
//   are committed.
// - Replay keeps the latest value per key (a tombstone removes it); `take` hands the survivors over, per
//   group, to be turned back into groups (snapshot.ts).

import { KafkaErrors } from "../../errors/index.js";
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

interface Written {
  key: Uint8Array;
  /** undefined: unknown (a failed append carried it): write it again at the next call. */
  value: Uint8Array | undefined;
}

const NONE = KafkaErrors.NONE.code;

export class GroupStore {
  /** group → record id → what was last written for it. */
  private readonly written = new Map<string, Map<string, Written>>();
  private readonly pending = new Map<string, Promise<number>>();
  /** group → record id → replayed value, until `take`. */
  private readonly loaded = new Map<string, Map<string, { key: GroupRecordKey; value: Uint8Array }>>();

  /** `errorCode` maps a failed append to what a member is told (the coordinator passes OffsetCommit's mapping). */
  constructor(
    private readonly log: OffsetLog,
    private readonly errorCode: (error: unknown) => number,
    private readonly logger?: Logger,
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
   * every other record written for the group. Resolves as `flush`.
   */
  write(groupId: string, records: GroupWrite[], replaceAll = false): Promise<number> {
    let written = this.written.get(groupId);
    if (!written) this.written.set(groupId, (written = new Map()));
    const out: OffsetLogRecord[] = [];
    const carried: string[] = [];
    const wanted = new Set<string>();
    const put = (id: string, key: Uint8Array, value: Uint8Array | null) => {
      out.push({ key, value });
      carried.push(id);
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
    if (!out.length) return this.flush(groupId);
    const previous = this.pending.get(groupId) ?? Promise.resolve(NONE);
    const appended = this.log.append(groupId, out).then(
      () => NONE,
      (error: unknown) => {
        this.logger?.warn("group metadata could not be written", { group: groupId, error: String(error) });
        const now = this.written.get(groupId) ?? new Map<string, Written>();
        this.written.set(groupId, now);
        for (const [i, id] of carried.entries()) now.set(id, { key: out[i]!.key, value: undefined });
        return this.errorCode(error);
      },
    );
    // Settles after every earlier append of the group, reporting the first failure among them.
    const settled = Promise.all([previous, appended]).then(([a, b]) => (a !== NONE ? a : b));
    this.pending.set(groupId, settled);
    void settled.then(() => {
      if (this.pending.get(groupId) === settled) this.pending.delete(groupId);
    });
    return settled;
  }

  /** Tombstones every record written for the group. */
  remove(groupId: string): Promise<number> {
    return this.write(groupId, [], true);
  }

  flush(groupId: string): Promise<number> {
    return this.pending.get(groupId) ?? Promise.resolve(NONE);
  }

  /** The coordinator moved away: forget the group here (the log keeps its records for the next owner). */
  forget(groupId: string): void {
    this.written.delete(groupId);
    this.loaded.delete(groupId);
    this.pending.delete(groupId);
  }
}

function recordId(key: GroupRecordKey): string {
  return key.type === RecordType.ConsumerMember ? `${key.type}\u0000${key.member}` : String(key.type);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
