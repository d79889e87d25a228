// Group metadata records in `__consumer_offsets`, beside the committed offsets (offset-codec.ts), so group
// membership survives a restart and follows the coordinator when the partition's leadership moves. Kafka
// keeps the same facts there (GroupMetadataValue for classic groups, the ConsumerGroup* records of KIP-848);
// the layout below is Rivulet's own. Key versions 1000+ keep clear of Kafka's record types (0-1 offsets,
// 2 classic group, 3-16 KIP-848 and share groups), so each side skips the other's records.
//
// Big-endian; string = int16 length + UTF-8 (-1: null); bytes = int32 length; array = int32 count.
//
//   key 1000 classic group          ┌──────────┬───────┐
//   key 1001 consumer group         │ int16 v  │ group │
//                                   └──────────┴───────┘
//   key 1002 consumer group member  ┌──────────┬───────┬────────┐
//                                   │ int16 v  │ group │ member │
//                                   └──────────┴───────┴────────┘
//   value 1000 (int16 version 0): protocolType?, generation int32, protocolName?, leader?, stateTimestamp
//     int64, members[ memberId, instanceId?, clientId, clientHost, rebalanceTimeoutMs int32, sessionTimeoutMs
//     int32, protocolType, protocols[ name, metadata bytes ], assignment bytes ]
//   value 1001 (v0): groupEpoch int32, assignmentEpoch int32, subscriptionMetadata[ topic, partitions int32 ]
//   value 1002 (v0): instanceId?, rackId?, memberEpoch int32, previousMemberEpoch int32, state int8
//     (0 Stable, 1 UnrevokedPartitions, 2 UnreleasedPartitions), rebalanceTimeoutMs int32,
//     subscribedTopicNames[ string ], subscribedTopicRegex?, serverAssignor?, clientId, clientHost,
//     assigned, pendingRevocation, target   (each: [ topic, partitions[ int32 ] ])
//   value 1002 (v1): v0's fields, then a classic-protocol member's (KIP-848 online migration: a JoinGroup
//     member inside a consumer group): protocolType, sessionTimeoutMs int32, protocols[ name, metadata bytes ].
//     Members without it are still written as v0.
//   A null value (tombstone) deletes the key: a group deleted or empty, a member gone.

import { InvalidArgumentError } from "../../errors/index.js";
import { Reader } from "../../protocol/kafka/reader.js";
import { Writer } from "../../protocol/kafka/writer.js";
import type { GroupProtocol, TopicPartition } from "../types.js";

export const RecordType = { ClassicGroup: 1000, ConsumerGroup: 1001, ConsumerMember: 1002 } as const;

export type GroupRecordKey =
  | { type: typeof RecordType.ClassicGroup; group: string }
  | { type: typeof RecordType.ConsumerGroup; group: string }
  | { type: typeof RecordType.ConsumerMember; group: string; member: string };

export interface ClassicGroupValue {
  protocolType: string | null;
  generationId: number;
  protocolName: string | null;
  leaderId: string | null;
  stateTimestamp: number;
  members: Array<{
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    rebalanceTimeoutMs: number;
    sessionTimeoutMs: number;
    protocolType: string;
    protocols: GroupProtocol[];
    assignment: Uint8Array;
  }>;
}

export interface ConsumerGroupValue {
  groupEpoch: number;
  assignmentEpoch: number;
  subscriptionMetadata: Array<[topic: string, partitions: number]>;
}

export const MEMBER_STATES = ["Stable", "UnrevokedPartitions", "UnreleasedPartitions"] as const;

export interface ConsumerMemberValue {
  instanceId: string | null;
  rackId: string | null;
  memberEpoch: number;
  previousMemberEpoch: number;
  state: (typeof MEMBER_STATES)[number];
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  clientId: string;
  clientHost: string;
  assigned: TopicPartition[];
  pendingRevocation: TopicPartition[];
  target: TopicPartition[];
  /** A classic-protocol member's protocols and session timeout; null for a KIP-848 member. */
  classic?: { protocolType: string; sessionTimeoutMs: number; protocols: GroupProtocol[] } | null;
}

export function encodeGroupKey(key: GroupRecordKey): Uint8Array {
  const w = new Writer().int16(key.type).string(key.group);
  if (key.type === RecordType.ConsumerMember) w.string(key.member);
  return w.toBytes();
}

/** The key of a group record, or undefined for any other record (offset commits, Kafka's own group records). */
export function decodeGroupKey(bytes: Uint8Array): GroupRecordKey | undefined {
  if (bytes.length < 2) return undefined;
  const r = new Reader(bytes);
  const type = r.int16();
  let key: GroupRecordKey;
  if (type === RecordType.ClassicGroup || type === RecordType.ConsumerGroup) key = { type, group: r.string() };
  else if (type === RecordType.ConsumerMember) key = { type, group: r.string(), member: r.string() };
  else return undefined;
  if (r.remaining !== 0) throw new InvalidArgumentError("group record key has trailing bytes");
  return key;
}

export function encodeClassicGroup(v: ClassicGroupValue): Uint8Array {
  return new Writer()
    .int16(0)
    .nullableString(v.protocolType)
    .int32(v.generationId)
    .nullableString(v.protocolName)
    .nullableString(v.leaderId)
    .int64(BigInt(v.stateTimestamp))
    .array(v.members, (w, m) =>
      w
        .string(m.memberId)
        .nullableString(m.groupInstanceId)
        .string(m.clientId)
        .string(m.clientHost)
        .int32(m.rebalanceTimeoutMs)
        .int32(m.sessionTimeoutMs)
        .string(m.protocolType)
        .array(m.protocols, (w2, p) => w2.string(p.name).bytes(p.metadata))
        .bytes(m.assignment),
    )
    .toBytes();
}

export function decodeClassicGroup(bytes: Uint8Array): ClassicGroupValue {
  const r = versioned(bytes, "classic group");
  const value: ClassicGroupValue = {
    protocolType: r.nullableString(),
    generationId: r.int32(),
    protocolName: r.nullableString(),
    leaderId: r.nullableString(),
    stateTimestamp: Number(r.int64()),
    members: r.array((m) => ({
      memberId: m.string(),
      groupInstanceId: m.nullableString(),
      clientId: m.string(),
      clientHost: m.string(),
      rebalanceTimeoutMs: m.int32(),
      sessionTimeoutMs: m.int32(),
      protocolType: m.string(),
      protocols: m.array((p) => ({ name: p.string(), metadata: p.bytes().slice() })),
      assignment: m.bytes().slice(), // copies: the replayed fetch buffer is not kept alive by a member
    })),
  };
  return done(r, value);
}

export function encodeConsumerGroup(v: ConsumerGroupValue): Uint8Array {
  return new Writer()
    .int16(0)
    .int32(v.groupEpoch)
    .int32(v.assignmentEpoch)
    .array(v.subscriptionMetadata, (w, [topic, n]) => w.string(topic).int32(n))
    .toBytes();
}

export function decodeConsumerGroup(bytes: Uint8Array): ConsumerGroupValue {
  const r = versioned(bytes, "consumer group");
  const value: ConsumerGroupValue = {
    groupEpoch: r.int32(),
    assignmentEpoch: r.int32(),
    subscriptionMetadata: r.array((t) => [t.string(), t.int32()] as [string, number]),
  };
  return done(r, value);
}

export function encodeConsumerMember(v: ConsumerMemberValue): Uint8Array {
  const w = new Writer()
    .int16(v.classic ? 1 : 0)
    .nullableString(v.instanceId)
    .nullableString(v.rackId)
    .int32(v.memberEpoch)
    .int32(v.previousMemberEpoch)
    .int8(MEMBER_STATES.indexOf(v.state))
    .int32(v.rebalanceTimeoutMs)
    .array(v.subscribedTopicNames, (w2, t) => w2.string(t))
    .nullableString(v.subscribedTopicRegex)
    .nullableString(v.serverAssignor)
    .string(v.clientId)
    .string(v.clientHost);
  for (const list of [v.assigned, v.pendingRevocation, v.target]) writePartitions(w, list);
  if (v.classic) {
    w.string(v.classic.protocolType).int32(v.classic.sessionTimeoutMs).array(v.classic.protocols, (w2, p) => w2.string(p.name).bytes(p.metadata));
  }
  return w.toBytes();
}

export function decodeConsumerMember(bytes: Uint8Array): ConsumerMemberValue {
  const r = versioned(bytes, "consumer group member", 1);
  const version = new Reader(bytes).int16();
  const instanceId = r.nullableString();
  const rackId = r.nullableString();
  const memberEpoch = r.int32();
  const previousMemberEpoch = r.int32();
  const state = MEMBER_STATES[r.int8()];
  if (!state) throw new InvalidArgumentError("consumer group member record has an unknown state");
  const value: ConsumerMemberValue = {
    instanceId,
    rackId,
    memberEpoch,
    previousMemberEpoch,
    state,
    rebalanceTimeoutMs: r.int32(),
    subscribedTopicNames: r.array((t) => t.string()),
    subscribedTopicRegex: r.nullableString(),
    serverAssignor: r.nullableString(),
    clientId: r.string(),
    clientHost: r.string(),
    assigned: readPartitions(r),
    pendingRevocation: readPartitions(r),
    target: readPartitions(r),
  };
  if (version >= 1) {
    value.classic = {
      protocolType: r.string(),
      sessionTimeoutMs: r.int32(),
      protocols: r.array((p) => ({ name: p.string(), metadata: p.bytes().slice() })),
    };
  }
  return done(r, value);
}

/** Partitions grouped by topic, in the order given (callers pass them sorted, so equal sets encode equally). */
function writePartitions(w: Writer, list: readonly TopicPartition[]): void {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of list) {
    let ps = byTopic.get(topic);
    if (!ps) byTopic.set(topic, (ps = []));
    ps.push(partition);
  }
  w.array([...byTopic], (w2, [topic, ps]) => w2.string(topic).array(ps, (w3, p) => w3.int32(p)));
}

function readPartitions(r: Reader): TopicPartition[] {
  return r.array((t) => {
    const topic = t.string();
    return t.array((p) => p.int32()).map((partition) => ({ topic, partition }));
  }).flat();
}

function versioned(bytes: Uint8Array, what: string, maxVersion = 0): Reader {
  const r = new Reader(bytes);
  const version = r.int16();
  if (version < 0 || version > maxVersion) throw new InvalidArgumentError(`unsupported ${what} record version ${version}`);
  return r;
}

function done<T>(r: Reader, value: T): T {
  if (r.remaining !== 0) throw new InvalidArgumentError("group record value has trailing bytes");
  return value;
}
