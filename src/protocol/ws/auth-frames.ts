// Encoding and decoding of the authentication frames (docs/protocol.md, "Authentication"):
//
//   AUTH         0x06  client   mechanism string, payload bytes(u32 length)
//   AUTH_RESULT  0x85  server   complete u8, principal string, sessionLifetimeMs i64, payload bytes(u32 length)
//
// The main codecs (client-frames.ts, server-frames.ts) hand these types over, as they do the group frames.

import { FrameReader, FrameWriter, WsProtocolError } from "./bytes.js";
import { FrameType, type ClientFrame, type ServerFrame } from "./frames.js";

export const isAuthClientType = (type: number) => type === FrameType.AUTH;
export const isAuthServerType = (type: number) => type === FrameType.AUTH_RESULT;

export function encodeAuthClientFrame(w: FrameWriter, frame: ClientFrame): boolean {
  if (frame.type !== FrameType.AUTH) return false;
  w.string(frame.mechanism).bytes(frame.payload);
  return true;
}

export function decodeAuthClientFrame(r: FrameReader, requestId: number): ClientFrame {
  // Copied: the payload outlives the message buffer (uWS reuses it) across an async verification.
  return { type: FrameType.AUTH, requestId, mechanism: r.string("mechanism"), payload: r.bytesView("auth payload").slice() };
}

export function encodeAuthServerFrame(w: FrameWriter, frame: ServerFrame): boolean {
  if (frame.type !== FrameType.AUTH_RESULT) return false;
  w.u8(frame.complete ? 1 : 0).string(frame.principal).i64(frame.sessionLifetimeMs).bytes(frame.payload);
  return true;
}

export function decodeAuthServerFrame(r: FrameReader, requestId: number): ServerFrame {
  const complete = r.u8("complete");
  if (complete > 1) throw new WsProtocolError(`AUTH_RESULT complete must be 0 or 1, got ${complete}`);
  return { type: FrameType.AUTH_RESULT, requestId, complete: complete === 1, principal: r.string("principal"), sessionLifetimeMs: r.i64("session lifetime"), payload: r.bytesView("auth payload").slice() };
}
