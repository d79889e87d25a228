// PRODUCE's optional trailing transactionalId (docs/protocol.md §9): round trip, absent when unset (the
// frame is byte-for-byte the one without it), and a truncated or lying trailing string is a protocol error.

import { describe, expect, it } from "vitest";
import { decodeClientFrame, encodeClientFrame, FrameType, WsProtocolError, type ClientFrame } from "../../src/protocol/ws/index.js";

const items = [{ topic: "t", partition: 2, batch: Uint8Array.from({ length: 70 }, (_, i) => i) }];
const plain: ClientFrame = { type: FrameType.PRODUCE, requestId: 9, acks: -1, timeoutMs: 5000, items };

describe("PRODUCE transactionalId", () => {
  it("round-trips when set and is absent from the bytes when not", () => {
    const txn: ClientFrame = { ...plain, transactionalId: "orders-Ω" } as ClientFrame;
    expect(decodeClientFrame(encodeClientFrame(txn))).toEqual(txn);
    const without = encodeClientFrame(plain);
    expect(decodeClientFrame(without)).toEqual(plain);
    expect("transactionalId" in decodeClientFrame(without)).toBe(false);
    expect(encodeClientFrame(txn).length).toBe(without.length + 2 + new TextEncoder().encode("orders-Ω").length);
  });

  it("refuses a truncated or lying trailing string", () => {
    const bytes = encodeClientFrame({ ...plain, transactionalId: "abc" } as ClientFrame);
    expect(() => decodeClientFrame(bytes.subarray(0, bytes.length - 1))).toThrow(WsProtocolError);
    expect(() => decodeClientFrame(bytes.subarray(0, bytes.length - 4))).toThrow(WsProtocolError); // 1 byte of the length
    const lying = bytes.slice();
    lying[bytes.length - 4] = 0xff; // the string's length runs past the frame
    expect(() => decodeClientFrame(lying)).toThrow(WsProtocolError);
  });
});
