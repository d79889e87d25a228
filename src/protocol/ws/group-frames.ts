// Encoding and decoding of the consumer-group frames (0x30-0x3f client, 0xb0-0xbf server); the main codecs
// hand these types over. Layouts in docs/protocol.md §5.

import { FrameReader, FrameWriter, WsProtocolError } from "./bytes.js";
import { FrameType, type ClientFrame, type JoinGroupFrame, type ServerFrame } from "./frames.js";
import { readStart, writeStart } from "./start-position.js";

const GROUP_CLIENT_TYPES = new Set<number>([
  FrameType.JOIN_GROUP, FrameType.REVOKE_DONE, FrameType.COMMIT, FrameType.FETCH_COMMITTED, FrameType.LIST_GROUPS,
  FrameType.DESCRIBE_GROUP, FrameType.RESET_OFFSETS, FrameType.DELETE_GROUP, FrameType.LEAVE_GROUP,
]);
const GROUP_SERVER_TYPES = new Set<number>([
  FrameType.GROUP_JOINED, FrameType.ASSIGNED, FrameType.REVOKED, FrameType.COMMIT_RESULT, FrameType.COMMITTED,
  FrameType.GROUP_LIST, FrameType.GROUP_DESCRIPTION,
]);

export const isGroupClientType = (type: number) => GROUP_CLIENT_TYPES.has(type);
export const isGroupServerType = (type: number) => GROUP_SERVER_TYPES.has(type);

export function encodeGroupClientFrame(w: FrameWriter, frame: ClientFrame): void {
  switch (frame.type) {
    case FrameType.JOIN_GROUP:
      w.string(frame.groupId).string(frame.topic).u32(frame.sessionTimeoutMs).string(frame.assignor).u32(frame.credit).u32(frame.maxChunkBytes);
      writeStart(w, frame.reset);
      // Optional flags byte, sent only when set (brokers older than it refuse trailing bytes).
      if (frame.assignOnly) w.u8(1);
      break;
    case FrameType.REVOKE_DONE:
      w.u32(frame.subscriptionId).i32(frame.generation);
      break;
    case FrameType.COMMIT:
      w.string(frame.groupId).u16(frame.offsets.length);
      for (const o of frame.offsets) w.string(o.topic).i32(o.partition).i64(o.offset).string(o.metadata);
      break;
    case FrameType.FETCH_COMMITTED:
      w.string(frame.groupId).u16(frame.topics.length);
      for (const t of frame.topics) w.string(t);
      break;
    case FrameType.LIST_GROUPS:
      break;
    case FrameType.DESCRIBE_GROUP:
    case FrameType.DELETE_GROUP:
      w.string(frame.groupId);
      break;
    case FrameType.RESET_OFFSETS:
      writeStart(w.string(frame.groupId).string(frame.topic), frame.start);
      break;
    case FrameType.LEAVE_GROUP:
      w.u32(frame.subscriptionId);
      break;
    default:
      throw new WsProtocolError(`not a group frame: ${frame.type}`);
  }
}

export function decodeGroupClientFrame(r: FrameReader, type: number, requestId: number): ClientFrame {
  switch (type) {
    case FrameType.JOIN_GROUP: {
      const frame: JoinGroupFrame = {
        type, requestId, groupId: r.string("group"), topic: r.string("topic"), sessionTimeoutMs: r.u32("session timeout"),
        assignor: r.string("assignor"), credit: r.u32("credit"), maxChunkBytes: r.u32("max chunk bytes"), reset: readStart(r),
      };
      // Optional flags (bit 0: assignment only, the member reads its partitions from their leaders itself).
      const flags = r.remaining > 0 ? r.u8("join flags") : 0;
      if (flags & ~1) throw new WsProtocolError(`JOIN_GROUP flags 0x${flags.toString(16)} has reserved bits set`);
      return flags & 1 ? { ...frame, assignOnly: true } : frame;
    }
    case FrameType.REVOKE_DONE:
      return { type, requestId, subscriptionId: r.u32("subscription id"), generation: r.i32("generation") };
    case FrameType.COMMIT: {
      const groupId = r.string("group");
      const n = r.count16("offsets", 16);
      const offsets = [];
      for (let i = 0; i < n; i++) offsets.push({ topic: r.string("topic"), partition: r.i32("partition"), offset: r.i64("offset"), metadata: r.string("metadata") });
      return { type, requestId, groupId, offsets };
    }
    case FrameType.FETCH_COMMITTED: {
      const groupId = r.string("group");
      const n = r.count16("topics", 2);
      const topics = [];
      for (let i = 0; i < n; i++) topics.push(r.string("topic"));
      return { type, requestId, groupId, topics };
    }
    case FrameType.LIST_GROUPS:
      return { type, requestId };
    case FrameType.DESCRIBE_GROUP:
    case FrameType.DELETE_GROUP:
      return { type, requestId, groupId: r.string("group") };
    case FrameType.RESET_OFFSETS:
      return { type, requestId, groupId: r.string("group"), topic: r.string("topic"), start: readStart(r) };
    case FrameType.LEAVE_GROUP:
      return { type, requestId, subscriptionId: r.u32("subscription id") };
    default:
      throw new WsProtocolError(`unknown client frame type 0x${type.toString(16).padStart(2, "0")}`);
  }
}

export function encodeGroupServerFrame(w: FrameWriter, frame: ServerFrame): void {
  switch (frame.type) {
    case FrameType.GROUP_JOINED:
      w.string(frame.memberId).i32(frame.generation);
      break;
    case FrameType.ASSIGNED:
      w.i32(frame.generation).u16(frame.partitions.length);
      for (const p of frame.partitions) w.i32(p.partition).i64(p.startOffset);
      break;
    case FrameType.REVOKED:
      w.i32(frame.generation).u16(frame.partitions.length);
      for (const p of frame.partitions) w.i32(p);
      break;
    case FrameType.COMMIT_RESULT:
      w.u16(frame.items.length);
      for (const i of frame.items) w.string(i.topic).i32(i.partition).i16(i.errorCode);
      break;
    case FrameType.COMMITTED:
      w.u16(frame.items.length);
      for (const i of frame.items) w.string(i.topic).i32(i.partition).i64(i.offset).string(i.metadata).i16(i.errorCode);
      break;
    case FrameType.GROUP_LIST:
      w.u16(frame.groups.length);
      for (const g of frame.groups) w.string(g.groupId).string(g.protocolType).string(g.state);
      break;
    case FrameType.GROUP_DESCRIPTION:
      w.string(frame.groupId).string(frame.state).string(frame.protocolType).string(frame.protocol).u16(frame.members.length);
      for (const m of frame.members) {
        w.string(m.memberId).string(m.clientId).string(m.host).u16(m.assignment.length);
        for (const a of m.assignment) w.string(a.topic).i32(a.partition);
      }
      w.u16(frame.offsets.length);
      for (const o of frame.offsets) w.string(o.topic).i32(o.partition).i64(o.committed).i64(o.logEndOffset).i64(o.lag);
      break;
    default:
      throw new WsProtocolError(`not a group frame: ${frame.type}`);
  }
}

export function decodeGroupServerFrame(r: FrameReader, type: number, requestId: number): ServerFrame {
  switch (type) {
    case FrameType.GROUP_JOINED:
      return { type, requestId, memberId: r.string(), generation: r.i32() };
    case FrameType.ASSIGNED: {
      const generation = r.i32();
      const n = r.count16("partitions", 12);
      const partitions = [];
      for (let i = 0; i < n; i++) partitions.push({ partition: r.i32(), startOffset: r.i64() });
      return { type, requestId, generation, partitions };
    }
    case FrameType.REVOKED: {
      const generation = r.i32();
      const n = r.count16("partitions", 4);
      const partitions = [];
      for (let i = 0; i < n; i++) partitions.push(r.i32());
      return { type, requestId, generation, partitions };
    }
    case FrameType.COMMIT_RESULT: {
      const n = r.count16("results", 8);
      const items = [];
      for (let i = 0; i < n; i++) items.push({ topic: r.string(), partition: r.i32(), errorCode: r.i16() });
      return { type, requestId, items };
    }
    case FrameType.COMMITTED: {
      const n = r.count16("offsets", 18);
      const items = [];
      for (let i = 0; i < n; i++) items.push({ topic: r.string(), partition: r.i32(), offset: r.i64(), metadata: r.string(), errorCode: r.i16() });
      return { type, requestId, items };
    }
    case FrameType.GROUP_LIST: {
      const n = r.count16("groups", 6);
      const groups = [];
      for (let i = 0; i < n; i++) groups.push({ groupId: r.string(), protocolType: r.string(), state: r.string() });
      return { type, requestId, groups };
    }
    case FrameType.GROUP_DESCRIPTION: {
      const groupId = r.string();
      const state = r.string();
      const protocolType = r.string();
      const protocol = r.string();
      const nm = r.count16("members", 8);
      const members = [];
      for (let i = 0; i < nm; i++) {
        const memberId = r.string();
        const clientId = r.string();
        const host = r.string();
        const na = r.count16("assignment", 6);
        const assignment = [];
        for (let j = 0; j < na; j++) assignment.push({ topic: r.string(), partition: r.i32() });
        members.push({ memberId, clientId, host, assignment });
      }
      const no = r.count16("offsets", 30);
      const offsets = [];
      for (let i = 0; i < no; i++) offsets.push({ topic: r.string(), partition: r.i32(), committed: r.i64(), logEndOffset: r.i64(), lag: r.i64() });
      return { type, requestId, groupId, state, protocolType, protocol, members, offsets };
    }
    default:
      throw new WsProtocolError(`unknown server frame type 0x${type.toString(16).padStart(2, "0")}`);
  }
}
