// The `start` field of SUBSCRIBE, SEEK, JOIN_GROUP and RESET_OFFSETS: kind u8 (0 earliest, 1 latest,
// 2 offset, 3 timestamp) + value i64, and its translation to and from StartFrom (protocol/start-from.ts).

import type { StartFrom } from "../start-from.js";
import { FrameReader, FrameWriter, WsProtocolError } from "./bytes.js";
import { StartKind, type StartPosition } from "./frames.js";

export type { StartFrom };

export function writeStart(w: FrameWriter, start: StartPosition): FrameWriter {
  return w.u8(start.kind).i64(start.value);
}

export function readStart(r: FrameReader): StartPosition {
  const kind = r.u8("start kind");
  if (kind > StartKind.TIMESTAMP) throw new WsProtocolError(`unknown start kind ${kind}`);
  return { kind: kind as StartPosition["kind"], value: r.i64("start value") };
}

export function startPosition(from: StartFrom): StartPosition {
  if (from === "earliest") return { kind: StartKind.EARLIEST, value: 0n };
  if (from === "latest") return { kind: StartKind.LATEST, value: 0n };
  if ("offset" in from) return { kind: StartKind.OFFSET, value: from.offset };
  return { kind: StartKind.TIMESTAMP, value: BigInt(Math.trunc(from.timestamp)) };
}

export function startFrom(position: StartPosition): StartFrom {
  switch (position.kind) {
    case StartKind.EARLIEST:
      return "earliest";
    case StartKind.LATEST:
      return "latest";
    case StartKind.OFFSET:
      return { offset: position.value };
    case StartKind.TIMESTAMP:
      return { timestamp: Number(position.value) };
  }
}
