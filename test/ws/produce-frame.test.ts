// A PRODUCE frame written around a batch in place (src/protocol/ws/produce-frame.ts, issue 14) must be
// byte for byte what encodeClientFrame makes of the same frame, and decode back to it; a topic whose UTF-8
// form does not fit a frame string is refused with the codec's typed error.
import { describe, expect, it } from "vitest";
import { decodeClientFrame, encodeClientFrame, FrameType, produceFrameHeadSize, produceFrameTopic, writeProduceFrameHead, WsProtocolError } from "../../src/protocol/ws/index.js";

function inPlace(topic: string, partition: number, acks: -1 | 0 | 1, timeoutMs: number, requestId: number, batch: Uint8Array): Uint8Array {
  const name = produceFrameTopic(topic);
  const head = produceFrameHeadSize(name);
  // Garbage before and after: only [0, head + batch) may be the frame, and the head must overwrite it all.
  const buf = new Uint8Array(head + batch.length + 17).fill(0xee);
  buf.set(batch, head);
  return writeProduceFrameHead(buf, requestId, acks, timeoutMs, name, partition, batch.length);
}

describe("PRODUCE frame written in place", () => {
  const cases: [string, number, -1 | 0 | 1, number, number, number][] = [
    ["t", 0, -1, 30_000, 1, 0],
    ["orders", 7, 1, 0, 0xfffffff0, 3],
    ["ключ-🔑-topic", 2_147_483_647, 0, 4_294_967_295, 12345, 1000],
    ["x".repeat(249), 42, -1, 1, 99, 70_000],
  ];
  for (const [topic, partition, acks, timeoutMs, requestId, size] of cases) {
    it(`equals encodeClientFrame (topic of ${topic.length} chars, ${size}-byte batch, acks ${acks})`, () => {
      const batch = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff);
      const frame = inPlace(topic, partition, acks, timeoutMs, requestId, batch);
      const reference = encodeClientFrame({ type: FrameType.PRODUCE, requestId, acks, timeoutMs, items: [{ topic, partition, batch }] });
      expect(frame).toEqual(reference);
      const decoded = decodeClientFrame(frame);
      expect(decoded).toMatchObject({ type: FrameType.PRODUCE, requestId, acks, timeoutMs });
      const items = (decoded as Extract<typeof decoded, { type: typeof FrameType.PRODUCE }>).items;
      expect(items).toHaveLength(1);
      expect(items[0]!.topic).toBe(topic);
      expect(items[0]!.partition).toBe(partition);
      expect(items[0]!.batch).toEqual(batch);
    });
  }

  it("refuses a topic longer than a frame string holds", () => {
    expect(() => produceFrameTopic("é".repeat(40_000))).toThrow(WsProtocolError);
  });
});
