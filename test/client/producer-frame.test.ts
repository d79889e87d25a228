// The producer's PRODUCE frames written around their batch in place (issue 14: no copy of the batch into a
// frame): every uncompressed batch goes out that way and decodes as the broker decodes it; a compressed
// batch (a new buffer, no room for the head) goes through the ordinary encoder; and an attempt that was
// still waiting for the connection when it timed out is withdrawn, not sent after its retry (without
// idempotence that late copy would append the records twice).
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { Producer, type Connection } from "../../src/client/index.js";
import type { Admin } from "../../src/client/admin.js";
import { readBatchHeader } from "../../src/core/index.js";
import { FrameType, type ClientFrame, type ServerFrame } from "../../src/protocol/ws/index.js";
import { FakeBroker } from "./producer-fake-broker.js";

describe("PRODUCE frames written in place", () => {
  it("sends every uncompressed batch as head + batch from the builder's buffer", async () => {
    const broker = new FakeBroker();
    const producer = new Producer(broker.connection, broker.admin, { lingerMs: 1, batchBytes: 4096 });
    const values = Array.from({ length: 500 }, (_, i) => `v${i}-${"x".repeat(i % 50)}`);
    await producer.sendAll(values.map((value) => ({ topic: "t", value })));
    await producer.close();
    expect(broker.log()).toEqual(values);
    expect(broker.seen.length).toBeGreaterThan(2); // several batches, several frames
    expect(broker.framesInPlace).toBe(broker.seen.length);
  });

  it("an attempt still waiting for the connection after its timeout is withdrawn, not sent after the retry", async () => {
    const broker = new FakeBroker();
    broker.frameDelayMs = (n) => (n === 0 ? 400 : 0); // the first frame waits 400 ms "for a reconnect"
    const retries: string[] = [];
    const producer = new Producer(broker.connection, broker.admin, { requestTimeoutMs: 100, retryBackoffMs: 10, onRetry: (e) => retries.push(e.error.name) });
    const values = Array.from({ length: 50 }, (_, i) => `r${i}`);
    await producer.sendAll(values.map((value) => ({ topic: "t", value })));
    expect(retries.length).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 500)); // past the stale attempt's wake-up
    await producer.close();
    expect(broker.framesWithdrawn).toBe(1);
    expect(broker.log()).toEqual(values); // exactly once: the stale copy never reached the broker
  });

  it("a compressed batch is framed by the encoder (the compressed bytes have no head room)", async () => {
    const frames: ClientFrame[] = [];
    let inPlace = 0;
    const ok = (requestId: number): ServerFrame => ({ type: FrameType.PRODUCE_RESULT, requestId, items: [{ errorCode: 0, errorMessage: "", baseOffset: 0n, logAppendTime: -1n, logStartOffset: 0n }] });
    const connection = {
      url: "ws://stub/ws",
      server: { maxFrameBytes: 16 * 1024 * 1024, maxSubscriptions: 64, idleTimeoutMs: 120_000, version: "stub" },
      isOpen: true,
      bufferedAmount: 0,
      allocateId: () => 1,
      request: async (frame: ClientFrame) => (frames.push(frame), ok(frame.requestId)),
      requestFrame: async () => (inPlace++, ok(1)),
    } as unknown as Connection;
    const admin = { describeTopic: async (name: string) => ({ name, id: "x", partitions: [{ partition: 0 }], configs: [] }) } as unknown as Admin;
    const producer = new Producer(connection, admin, { compression: { codec: 1, compress: (data) => gzipSync(data) } });
    await producer.sendAll(Array.from({ length: 200 }, () => ({ topic: "t", value: "a".repeat(100) })));
    await producer.close();
    expect(inPlace).toBe(0);
    expect(frames).toHaveLength(1);
    const frame = frames[0] as Extract<ClientFrame, { type: typeof FrameType.PRODUCE }>;
    const header = readBatchHeader(frame.items[0]!.batch);
    expect(header.attributes & 7).toBe(1);
    expect(header.recordCount).toBe(200);
  });
});
