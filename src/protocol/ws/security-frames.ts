// Encoding and decoding of the user and ACL administration frames (docs/protocol.md, "Users and ACLs"):
//
//   DESCRIBE_USERS 0x40  client  users u16 × string
//   ALTER_USERS    0x41  client  deletions u16 × (name string, mechanism string),
//                                upsertions u16 × (name string, mechanism string, iterations u32,
//                                                  salt bytes, saltedPassword bytes)
//   DESCRIBE_ACLS  0x42  client  filter
//   CREATE_ACLS    0x43  client  bindings u16 × binding
//   DELETE_ACLS    0x44  client  filters u16 × filter
//   USERS          0xc0  server  users u16 × (user string, errorCode i16, errorMessage string,
//                                             credentials u16 × (mechanism string, iterations u32))
//   ACLS           0xc1  server  results u16 × (errorCode i16, errorMessage string, bindings u16 × binding)
//
//   binding = resourceType u8, resourceName string, patternType u8, principal string, host string,
//             operation u8, permission u8
//   filter  = resourceType u8, resourceName ostring, patternType u8, principal ostring, host ostring,
//             operation u8, permission u8          (ostring = u8 present 0/1, then a string if 1)
//
// Codes are Kafka's (ResourceType, PatternType, AclOperation, AclPermissionType); the decoder checks shape
// only, the handlers validate values as the Kafka front end does.

import { FrameReader, FrameWriter, WsProtocolError } from "./bytes.js";
import { FrameType, type AclBindingWire, type AclFilterWire, type ClientFrame, type ServerFrame } from "./frames.js";

const CLIENT_TYPES: ReadonlySet<number> = new Set([FrameType.DESCRIBE_USERS, FrameType.ALTER_USERS, FrameType.DESCRIBE_ACLS, FrameType.CREATE_ACLS, FrameType.DELETE_ACLS]);
export const isSecurityClientType = (type: number) => CLIENT_TYPES.has(type);
export const isSecurityServerType = (type: number) => type === FrameType.USERS || type === FrameType.ACLS;

// Smallest encodings, for the count checks: a binding is 4 u8 + 3 empty strings, a filter 4 u8 + 3 absent.
const BINDING_MIN = 4 + 3 * 2;
const FILTER_MIN = 4 + 3;

function writeBinding(w: FrameWriter, b: AclBindingWire): void {
  w.u8(b.resourceType).string(b.resourceName).u8(b.patternType).string(b.principal).string(b.host).u8(b.operation).u8(b.permission);
}

function readBinding(r: FrameReader): AclBindingWire {
  return { resourceType: r.u8("resource type"), resourceName: r.string("resource name"), patternType: r.u8("pattern type"), principal: r.string("principal"), host: r.string("host"), operation: r.u8("operation"), permission: r.u8("permission") };
}

function writeOptional(w: FrameWriter, s: string | null): void {
  if (s === null) w.u8(0);
  else w.u8(1).string(s);
}

function readOptional(r: FrameReader, what: string): string | null {
  const present = r.u8(`${what} present`);
  if (present > 1) throw new WsProtocolError(`${what} present flag must be 0 or 1, got ${present}`);
  return present ? r.string(what) : null;
}

function writeFilter(w: FrameWriter, f: AclFilterWire): void {
  w.u8(f.resourceType);
  writeOptional(w, f.resourceName);
  w.u8(f.patternType);
  writeOptional(w, f.principal);
  writeOptional(w, f.host);
  w.u8(f.operation).u8(f.permission);
}

function readFilter(r: FrameReader): AclFilterWire {
  return { resourceType: r.u8("resource type"), resourceName: readOptional(r, "resource name"), patternType: r.u8("pattern type"), principal: readOptional(r, "principal"), host: readOptional(r, "host"), operation: r.u8("operation"), permission: r.u8("permission") };
}

export function encodeSecurityClientFrame(w: FrameWriter, frame: ClientFrame): boolean {
  switch (frame.type) {
    case FrameType.DESCRIBE_USERS:
      w.u16(frame.users.length);
      for (const u of frame.users) w.string(u);
      return true;
    case FrameType.ALTER_USERS:
      w.u16(frame.deletions.length);
      for (const d of frame.deletions) w.string(d.name).string(d.mechanism);
      w.u16(frame.upsertions.length);
      for (const u of frame.upsertions) w.string(u.name).string(u.mechanism).u32(u.iterations).bytes(u.salt).bytes(u.saltedPassword);
      return true;
    case FrameType.DESCRIBE_ACLS:
      writeFilter(w, frame.filter);
      return true;
    case FrameType.CREATE_ACLS:
      w.u16(frame.bindings.length);
      for (const b of frame.bindings) writeBinding(w, b);
      return true;
    case FrameType.DELETE_ACLS:
      w.u16(frame.filters.length);
      for (const f of frame.filters) writeFilter(w, f);
      return true;
    default:
      return false;
  }
}

export function decodeSecurityClientFrame(r: FrameReader, type: number, requestId: number): ClientFrame {
  switch (type) {
    case FrameType.DESCRIBE_USERS: {
      const n = r.count16("users", 2);
      const users: string[] = [];
      for (let i = 0; i < n; i++) users.push(r.string("user"));
      return { type, requestId, users };
    }
    case FrameType.ALTER_USERS: {
      const nd = r.count16("deletions", 4);
      const deletions = [];
      for (let i = 0; i < nd; i++) deletions.push({ name: r.string("user"), mechanism: r.string("mechanism") });
      const nu = r.count16("upsertions", 16);
      const upsertions = [];
      for (let i = 0; i < nu; i++) {
        // Copied: the bytes outlive the message buffer (uWS reuses it).
        upsertions.push({ name: r.string("user"), mechanism: r.string("mechanism"), iterations: r.u32("iterations"), salt: r.bytesView("salt").slice(), saltedPassword: r.bytesView("salted password").slice() });
      }
      return { type, requestId, deletions, upsertions };
    }
    case FrameType.DESCRIBE_ACLS:
      return { type, requestId, filter: readFilter(r) };
    case FrameType.CREATE_ACLS: {
      const n = r.count16("bindings", BINDING_MIN);
      const bindings = [];
      for (let i = 0; i < n; i++) bindings.push(readBinding(r));
      return { type, requestId, bindings };
    }
    case FrameType.DELETE_ACLS: {
      const n = r.count16("filters", FILTER_MIN);
      const filters = [];
      for (let i = 0; i < n; i++) filters.push(readFilter(r));
      return { type, requestId, filters };
    }
    default:
      throw new WsProtocolError(`not a user or ACL frame: 0x${type.toString(16)}`);
  }
}

export function encodeSecurityServerFrame(w: FrameWriter, frame: ServerFrame): boolean {
  if (frame.type === FrameType.USERS) {
    w.u16(frame.users.length);
    for (const u of frame.users) {
      w.string(u.user).i16(u.errorCode).string(u.errorMessage).u16(u.credentials.length);
      for (const c of u.credentials) w.string(c.mechanism).u32(c.iterations);
    }
    return true;
  }
  if (frame.type === FrameType.ACLS) {
    w.u16(frame.results.length);
    for (const res of frame.results) {
      w.i16(res.errorCode).string(res.errorMessage).u16(res.bindings.length);
      for (const b of res.bindings) writeBinding(w, b);
    }
    return true;
  }
  return false;
}

export function decodeSecurityServerFrame(r: FrameReader, type: number, requestId: number): ServerFrame {
  if (type === FrameType.USERS) {
    const n = r.count16("users", 8);
    const users = [];
    for (let i = 0; i < n; i++) {
      const user = r.string("user");
      const errorCode = r.i16("error code");
      const errorMessage = r.string("error message");
      const nc = r.count16("credentials", 6);
      const credentials = [];
      for (let j = 0; j < nc; j++) credentials.push({ mechanism: r.string("mechanism"), iterations: r.u32("iterations") });
      users.push({ user, errorCode, errorMessage, credentials });
    }
    return { type, requestId, users };
  }
  if (type === FrameType.ACLS) {
    const n = r.count16("results", 6);
    const results = [];
    for (let i = 0; i < n; i++) {
      const errorCode = r.i16("error code");
      const errorMessage = r.string("error message");
      const nb = r.count16("bindings", BINDING_MIN);
      const bindings = [];
      for (let j = 0; j < nb; j++) bindings.push(readBinding(r));
      results.push({ errorCode, errorMessage, bindings });
    }
    return { type, requestId, results };
  }
  throw new WsProtocolError(`not a user or ACL frame: 0x${type.toString(16)}`);
}
