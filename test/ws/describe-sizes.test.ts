// DESCRIBE_TOPIC's optional sizes flag and TOPIC_DESCRIPTION's trailing sizes: additive, so a client that
// does not ask gets the version-1 bytes exactly, and a request without the flag is the version-1 request.
import { describe, expect, it } from "vitest";
import { decodeClientFrame, decodeServerFrame, encodeClientFrame, encodeServerFrame, FrameType, WsProtocolError, type ServerFrame } from "../../src/protocol/ws/index.js";

const description: Extract<ServerFrame, { type: typeof FrameType.TOPIC_DESCRIPTION }> = { type: FrameType.TOPIC_DESCRIPTION, requestId: 7, name: "t", id: "id", partitions: [{ partition: 0, logStartOffset: 0n, logEndOffset: 5n }], configs: [{ name: "retention.ms", value: "1", isDefault: false }] };

describe("topic sizes on the WebSocket protocol", () => {
  it("a request without the flag is the version-1 frame; with it, one trailing byte", () => {
    const plain = encodeClientFrame({ type: FrameType.DESCRIBE_TOPIC, requestId: 3, name: "t" });
    const sized = encodeClientFrame({ type: FrameType.DESCRIBE_TOPIC, requestId: 3, name: "t", sizes: true });
    expect([...plain]).toEqual([FrameType.DESCRIBE_TOPIC, 0, 0, 0, 3, 0, 1, 0x74]);
    expect([...sized]).toEqual([...plain, 1]);
    expect(decodeClientFrame(plain)).toEqual({ type: FrameType.DESCRIBE_TOPIC, requestId: 3, name: "t" });
    expect(decodeClientFrame(sized)).toEqual({ type: FrameType.DESCRIBE_TOPIC, requestId: 3, name: "t", sizes: true });
    // Reserved bits are ignored; more than the one flags byte is still refused.
    expect(decodeClientFrame(Uint8Array.from([...plain, 2]))).toEqual({ type: FrameType.DESCRIBE_TOPIC, requestId: 3, name: "t" });
    expect(() => decodeClientFrame(Uint8Array.from([...plain, 1, 0]))).toThrow(WsProtocolError);
  });

  it("the answer carries sizes only when asked, after everything a version-1 client reads", () => {
    const plain = encodeServerFrame(description);
    const sized = encodeServerFrame({ ...description, sizes: [123_456] });
    expect(sized.subarray(0, plain.length)).toEqual(plain);
    expect(sized.length).toBe(plain.length + 4 + 8);
    expect(decodeServerFrame(plain)).toEqual(description);
    expect(decodeServerFrame(sized)).toEqual({ ...description, sizes: [123_456] });
    // A count that cannot fit is refused, not read past the end.
    const lying = Uint8Array.from(sized);
    new DataView(lying.buffer).setUint32(plain.length, 1000);
    expect(() => decodeServerFrame(lying)).toThrow(WsProtocolError);
  });
});
