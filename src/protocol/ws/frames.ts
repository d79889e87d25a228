// The frames of Rivulet's WebSocket protocol (docs/protocol.md is the normative description). Every frame
// is one binary WebSocket message:
//
//   +---------+----------------------+------------------------------------------+
//   | type u8 | requestId u32        | body (layout per type, big-endian)       |
//   +---------+----------------------+------------------------------------------+
//
// Client frames have types 0x01-0x7f, server frames 0x80-0xff. A response carries the requestId of its
// request; CHUNK, GAP and STALLED carry the subscription's id (the requestId of its SUBSCRIBE).

import type { AclFilter } from "../acl-codes.js";

export const PROTOCOL_VERSION = 1;
export const FRAME_HEADER_SIZE = 5;

export const FrameType = {
  // client -> server
  PING: 0x01,
  METADATA: 0x02,
  CREATE_TOPIC: 0x03,
  DELETE_TOPIC: 0x04,
  DESCRIBE_TOPIC: 0x05,
  PRODUCE: 0x10,
  FETCH: 0x11,
  LIST_OFFSETS: 0x12,
  INIT_PRODUCER_ID: 0x13,
  SUBSCRIBE: 0x20,
  CREDIT: 0x21,
  UNSUBSCRIBE: 0x22,
  SEEK: 0x23,
  JOIN_GROUP: 0x30,
  REVOKE_DONE: 0x31,
  COMMIT: 0x32,
  FETCH_COMMITTED: 0x33,
  LIST_GROUPS: 0x34,
  DESCRIBE_GROUP: 0x35,
  RESET_OFFSETS: 0x36,
  DELETE_GROUP: 0x37,
  LEAVE_GROUP: 0x38,
  AUTH: 0x06,
  ALTER_TOPIC_CONFIGS: 0x07,
  // users and ACLs (security-frames.ts)
  DESCRIBE_USERS: 0x40,
  ALTER_USERS: 0x41,
  DESCRIBE_ACLS: 0x42,
  CREATE_ACLS: 0x43,
  DELETE_ACLS: 0x44,
  CREATE_PARTITIONS: 0x0a,
  DELETE_RECORDS: 0x0b,
  // Transactions (issue 16, txn-frames.ts)
  TXN_INIT: 0x48,
  TXN_ADD: 0x49,
  TXN_OFFSETS: 0x4a,
  TXN_END: 0x4b,
  // server -> client
  WELCOME: 0x80,
  PONG: 0x81,
  METADATA_RESULT: 0x82,
  OK: 0x83,
  TOPIC_DESCRIPTION: 0x84,
  PRODUCE_RESULT: 0x90,
  FETCH_RESULT: 0x91,
  OFFSETS_RESULT: 0x92,
  PRODUCER_ID: 0x93,
  SUBSCRIBED: 0xa0,
  CHUNK: 0xa1,
  GAP: 0xa2,
  STALLED: 0xa3,
  GROUP_JOINED: 0xb0,
  ASSIGNED: 0xb1,
  REVOKED: 0xb2,
  COMMIT_RESULT: 0xb3,
  COMMITTED: 0xb4,
  GROUP_LIST: 0xb5,
  GROUP_DESCRIPTION: 0xb6,
  AUTH_RESULT: 0x85,
  USERS: 0xc0,
  ACLS: 0xc1,
  RECORDS_DELETED: 0x8b,
  ERROR: 0xff,
} as const;

/** Where a subscription starts reading a partition. */
export const StartKind = { EARLIEST: 0, LATEST: 1, OFFSET: 2, TIMESTAMP: 3 } as const;
export type StartKind = (typeof StartKind)[keyof typeof StartKind];

export interface StartPosition {
  kind: StartKind;
  /** The offset (OFFSET) or timestamp in ms (TIMESTAMP); ignored otherwise. */
  value: bigint;
}

/** WebSocket close codes the server uses (1000-1011 are the standard ones). */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  /**
   * Frame larger than the server's maxFrameBytes. uWS enforces the limit itself by dropping the TCP
   * connection without a close frame, so peers see 1006; clients check WELCOME.maxFrameBytes before sending.
   */
  MESSAGE_TOO_BIG: 1009,
  /** A frame that does not parse, an unknown frame type, or a text frame. */
  PROTOCOL_ERROR: 4000,
  /** No frame (not even PING) within idleTimeoutMs. */
  IDLE_TIMEOUT: 4001,
  /** AUTH failed (wrong credentials, a rejected token, a mechanism not offered); docs/security.md. */
  AUTHENTICATION_FAILED: 4010,
  /** A request other than AUTH or PING before authenticating, on a server that requires authentication. */
  AUTHENTICATION_REQUIRED: 4011,
  /** The session's token expired and no AUTH renewed it within the grace period. */
  TOKEN_EXPIRED: 4012,
} as const;

/** Error codes used beyond Kafka's (which keep their own numbers: 3 UNKNOWN_TOPIC_OR_PARTITION, ...). */
export const RivuletErrorCode = {
  INVALID_ARGUMENT: 1000,
  TOO_MANY_SUBSCRIPTIONS: 1001,
  UNKNOWN_SUBSCRIPTION: 1002,
  SUBSCRIPTION_EXISTS: 1003,
} as const;

// ---- client frames ------------------------------------------------------------------------------------

export type ClientFrame =
  | { type: typeof FrameType.PING; requestId: number }
  /** cluster: ask for the cluster block in METADATA_RESULT (a trailing flags byte; absent = not asked). */
  | { type: typeof FrameType.METADATA; requestId: number; topics: string[]; cluster?: boolean }
  | { type: typeof FrameType.CREATE_TOPIC; requestId: number; name: string; partitions: number; configs: Record<string, string> }
  | { type: typeof FrameType.DELETE_TOPIC; requestId: number; name: string }
  /** sizes: also answer each partition's bytes on disk (an optional trailing flags byte, bit 0; older servers refuse it). */
  | { type: typeof FrameType.DESCRIBE_TOPIC; requestId: number; name: string; sizes?: boolean }
  /** Sets and removes (back to the default) topic config overrides; the others are kept. */
  | { type: typeof FrameType.ALTER_TOPIC_CONFIGS; requestId: number; name: string; set: Record<string, string>; remove: string[] }
  /** Grows a topic to `total` partitions (never shrinks); existing data does not move. */
  | { type: typeof FrameType.CREATE_PARTITIONS; requestId: number; name: string; total: number }
  /** Moves each partition's log start offset up to `offset` (-1: the high watermark). */
  | { type: typeof FrameType.DELETE_RECORDS; requestId: number; items: { topic: string; partition: number; offset: bigint }[] }
  | { type: typeof FrameType.PRODUCE; requestId: number; acks: -1 | 0 | 1; timeoutMs: number; items: ProduceFrameItem[]; transactionalId?: string }
  | { type: typeof FrameType.FETCH; requestId: number; maxWaitMs: number; minBytes: number; maxBytes: number; items: FetchFrameItem[] }
  | { type: typeof FrameType.LIST_OFFSETS; requestId: number; items: { topic: string; partition: number; timestamp: bigint }[] }
  | { type: typeof FrameType.INIT_PRODUCER_ID; requestId: number }
  | SubscribeFrame
  | { type: typeof FrameType.CREDIT; requestId: number; bytes: number }
  | { type: typeof FrameType.UNSUBSCRIBE; requestId: number; subscriptionId: number }
  | { type: typeof FrameType.SEEK; requestId: number; subscriptionId: number; partition: number; start: StartPosition }
  | JoinGroupFrame
  | { type: typeof FrameType.REVOKE_DONE; requestId: number; subscriptionId: number; generation: number }
  | { type: typeof FrameType.COMMIT; requestId: number; groupId: string; offsets: CommitItem[] }
  | { type: typeof FrameType.FETCH_COMMITTED; requestId: number; groupId: string; topics: string[] }
  | { type: typeof FrameType.LIST_GROUPS; requestId: number }
  | { type: typeof FrameType.DESCRIBE_GROUP; requestId: number; groupId: string }
  | { type: typeof FrameType.RESET_OFFSETS; requestId: number; groupId: string; topic: string; start: StartPosition }
  | { type: typeof FrameType.DELETE_GROUP; requestId: number; groupId: string }
  | { type: typeof FrameType.LEAVE_GROUP; requestId: number; subscriptionId: number }
  | AuthFrame
  | SecurityAdminFrame
  | TxnFrame;

/** Transaction requests (txn-frames.ts); each names the transactional id and (but TXN_INIT) its producer id and epoch. */
export type TxnFrame =
  | { type: typeof FrameType.TXN_INIT; requestId: number; transactionalId: string; timeoutMs: number }
  | { type: typeof FrameType.TXN_ADD; requestId: number; transactionalId: string; producerId: bigint; producerEpoch: number; partitions: { topic: string; partition: number }[]; group: string }
  | { type: typeof FrameType.TXN_OFFSETS; requestId: number; transactionalId: string; producerId: bigint; producerEpoch: number; group: string; offsets: { topic: string; partition: number; offset: bigint }[] }
  | { type: typeof FrameType.TXN_END; requestId: number; transactionalId: string; producerId: bigint; producerEpoch: number; commit: boolean };

/**
 * Authenticate (or re-authenticate) the connection: mechanism "JWT" with the token as payload (UTF-8), or a
 * SASL mechanism (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER) with its client message. SCRAM takes two
 * AUTH frames with the same requestId-independent exchange: client-first, then client-final.
 */
export interface AuthFrame {
  type: typeof FrameType.AUTH;
  requestId: number;
  mechanism: string;
  payload: Uint8Array;
}

// ---- users and ACLs (security-frames.ts; the Kafka APIs' semantics, docs/protocol.md) ------------------

/** An ACL binding with Kafka's numeric codes (security/acl.ts): resource pattern + access control entry. */
export interface AclBindingWire {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permission: number;
}

/** An ACL filter (protocol/acl-codes.ts). */
export type AclFilterWire = AclFilter;

export type SecurityAdminFrame =
  /** SCRAM users and their mechanisms (never salts or keys); empty = every user. Answer: USERS. */
  | { type: typeof FrameType.DESCRIBE_USERS; requestId: number; users: string[] }
  /**
   * Deletes and upserts SCRAM credentials, as Kafka's AlterUserScramCredentials: the client salts the
   * password (salt, iterations, SaltedPassword), so the password itself never reaches the broker. Answer:
   * USERS, one item per user with its error code.
   */
  | { type: typeof FrameType.ALTER_USERS; requestId: number; deletions: { name: string; mechanism: string }[]; upsertions: { name: string; mechanism: string; iterations: number; salt: Uint8Array; saltedPassword: Uint8Array }[] }
  /** Answer: ACLS with one result holding the matching bindings. */
  | { type: typeof FrameType.DESCRIBE_ACLS; requestId: number; filter: AclFilterWire }
  /** Answer: ACLS with one result per binding (its error code, no bindings). */
  | { type: typeof FrameType.CREATE_ACLS; requestId: number; bindings: AclBindingWire[] }
  /** Answer: ACLS with one result per filter, holding the bindings it removed. */
  | { type: typeof FrameType.DELETE_ACLS; requestId: number; filters: AclFilterWire[] };

export interface UsersFrame {
  type: typeof FrameType.USERS;
  requestId: number;
  users: { user: string; errorCode: number; errorMessage: string; credentials: { mechanism: string; iterations: number }[] }[];
}

export interface AclsFrame {
  type: typeof FrameType.ACLS;
  requestId: number;
  results: { errorCode: number; errorMessage: string; bindings: AclBindingWire[] }[];
}

/** Join a consumer group as a managed member: the server assigns partitions and streams them. */
export interface JoinGroupFrame {
  type: typeof FrameType.JOIN_GROUP;
  /** Also the subscription id of the group's stream (CHUNK, GAP, STALLED, ASSIGNED, REVOKED carry it). */
  requestId: number;
  groupId: string;
  topic: string;
  sessionTimeoutMs: number;
  /** "range", "roundrobin" or "sticky"; "" = sticky. */
  assignor: string;
  credit: number;
  maxChunkBytes: number;
  /** Where partitions with no committed offset start: EARLIEST or LATEST. */
  reset: StartPosition;
  /**
   * Assignment only (the trailing flags byte's bit 0): the server assigns and revokes but streams nothing,
   * and ASSIGNED's startOffset is -1 for a partition with no committed offset. The cluster client uses it
   * to read each partition from its leader while the coordinator (another broker) manages the membership.
   */
  assignOnly?: boolean;
}

export interface CommitItem {
  topic: string;
  partition: number;
  offset: bigint;
  metadata: string;
}

export interface ProduceFrameItem {
  topic: string;
  partition: number;
  /** One RecordBatch v2. */
  batch: Uint8Array;
}

export interface FetchFrameItem {
  topic: string;
  partition: number;
  offset: bigint;
  maxBytes: number;
}

export interface SubscribeFrame {
  type: typeof FrameType.SUBSCRIBE;
  /** Also the subscription's id for the rest of the connection. */
  requestId: number;
  topic: string;
  /** Bytes the server may send before the client grants more. */
  credit: number;
  /** Largest CHUNK the client wants (a single bigger batch is still sent whole when credit allows). */
  maxChunkBytes: number;
  /** Start for every partition not listed (and for all of them when `partitions` is empty). */
  start: StartPosition;
  /** Partitions to read, each with its own start; empty = every partition of the topic at `start`. */
  partitions: { partition: number; start: StartPosition }[];
  /** 1 = read_committed (a trailing byte, omitted for read_uncommitted, so older peers interoperate). */
  isolation?: 0 | 1;
}

// ---- server frames ------------------------------------------------------------------------------------

export type ServerFrame =
  | { type: typeof FrameType.WELCOME; requestId: 0; protocolVersion: number; serverVersion: string; maxFrameBytes: number; maxSubscriptions: number; idleTimeoutMs: number }
  | { type: typeof FrameType.PONG; requestId: number; serverTimeMs: bigint }
  /** brokers: cluster mode, when the request asked (a trailing block; its topics then carry `leaders`). */
  | { type: typeof FrameType.METADATA_RESULT; requestId: number; topics: MetadataTopic[]; brokers?: ClusterBrokerInfo[] }
  | { type: typeof FrameType.OK; requestId: number }
  /** sizes: bytes on disk per partition, in `partitions` order; only when the request asked (a trailing field). */
  | { type: typeof FrameType.TOPIC_DESCRIPTION; requestId: number; name: string; id: string; partitions: PartitionRange[]; configs: { name: string; value: string; isDefault: boolean }[]; sizes?: number[] }
  | { type: typeof FrameType.PRODUCE_RESULT; requestId: number; items: ProduceResultItem[] }
  | { type: typeof FrameType.FETCH_RESULT; requestId: number; items: FetchResultItem[] }
  | { type: typeof FrameType.OFFSETS_RESULT; requestId: number; items: { errorCode: number; offset: bigint; timestamp: bigint }[] }
  /** Per DELETE_RECORDS item, in request order: the log start offset afterwards, or an error (lowWatermark -1). */
  | { type: typeof FrameType.RECORDS_DELETED; requestId: number; items: { errorCode: number; lowWatermark: bigint }[] }
  | { type: typeof FrameType.PRODUCER_ID; requestId: number; producerId: bigint; producerEpoch: number }
  | { type: typeof FrameType.SUBSCRIBED; requestId: number; partitions: SubscribedPartition[] }
  | ChunkFrame
  | { type: typeof FrameType.GAP; requestId: number; partition: number; fromOffset: bigint; toOffset: bigint }
  | { type: typeof FrameType.STALLED; requestId: number; partition: number; neededBytes: number }
  | { type: typeof FrameType.GROUP_JOINED; requestId: number; memberId: string; generation: number }
  | { type: typeof FrameType.ASSIGNED; requestId: number; generation: number; partitions: { partition: number; startOffset: bigint }[] }
  | { type: typeof FrameType.REVOKED; requestId: number; generation: number; partitions: number[] }
  | { type: typeof FrameType.COMMIT_RESULT; requestId: number; items: { topic: string; partition: number; errorCode: number }[] }
  | { type: typeof FrameType.COMMITTED; requestId: number; items: { topic: string; partition: number; offset: bigint; metadata: string; errorCode: number }[] }
  | { type: typeof FrameType.GROUP_LIST; requestId: number; groups: { groupId: string; protocolType: string; state: string }[] }
  | GroupDescriptionFrame
  | AuthResultFrame
  | UsersFrame
  | AclsFrame
  | { type: typeof FrameType.ERROR; requestId: number; errorCode: number; code: string; message: string };

/** The answer to AUTH: a challenge to continue with (complete 0), or the authenticated principal. */
export interface AuthResultFrame {
  type: typeof FrameType.AUTH_RESULT;
  requestId: number;
  complete: boolean;
  /** "User:alice" once complete; "" before. */
  principal: string;
  /** Time left until the credential expires (the client re-authenticates before it); -1 = never. */
  sessionLifetimeMs: bigint;
  /** The server's SASL message (server-first, server-final); empty for JWT and PLAIN. */
  payload: Uint8Array;
}

export interface GroupDescriptionFrame {
  type: typeof FrameType.GROUP_DESCRIPTION;
  requestId: number;
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: { memberId: string; clientId: string; host: string; assignment: { topic: string; partition: number }[] }[];
  /** Committed offset (-1 if none), log end and lag per partition with a commit or an owner. */
  offsets: { topic: string; partition: number; committed: bigint; logEndOffset: bigint; lag: bigint }[];
}

export interface PartitionRange {
  partition: number;
  logStartOffset: bigint;
  logEndOffset: bigint;
}

export interface MetadataTopic {
  name: string;
  errorCode: number;
  partitions: PartitionRange[];
  /** Cluster mode: per partition (in `partitions` order) its leader's broker id (-1: none) and leader epoch. */
  leaders?: { leader: number; leaderEpoch: number }[];
}

/** Cluster mode: a live broker and the WebSocket URL clients reach it at. */
export interface ClusterBrokerInfo {
  id: number;
  url: string;
}

export interface ProduceResultItem {
  errorCode: number;
  errorMessage: string;
  baseOffset: bigint;
  logAppendTime: bigint;
  logStartOffset: bigint;
}

export interface FetchResultItem {
  errorCode: number;
  highWatermark: bigint;
  logStartOffset: bigint;
  records: Uint8Array;
}

export interface SubscribedPartition {
  partition: number;
  errorCode: number;
  /** The offset the first delivered record will have (or the log end, when starting at latest). */
  startOffset: bigint;
  logStartOffset: bigint;
  logEndOffset: bigint;
}

export interface ChunkFrame {
  type: typeof FrameType.CHUNK;
  /** The subscription id. */
  requestId: number;
  partition: number;
  /** The position the chunk was read for: records below it (the chunk's first batch may start earlier) are skipped. */
  fromOffset: bigint;
  /** The position after the chunk: the next chunk's fromOffset. */
  nextOffset: bigint;
  highWatermark: bigint;
  /** Whole RecordBatch v2 batches as stored. */
  records: Uint8Array;
}
