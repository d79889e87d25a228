// The cluster client's idempotent producer (src/client/producer/cross-broker.ts) now encodes each record
// into its partition's open batch (BatchBuilder) when it is sent, instead of keeping a record object per
// record for the WASM encoder. Against the in-memory broker (real idempotence checks): concurrent sends
// share batches and keep their keys, values, headers and timestamps; a batch whose answer is lost is
// retried byte for byte and answered as a duplicate (each record once, in order, offsets as appended);
// a record with a bad timestamp is refused alone, with its typed error.
import { describe, expect, it } from "vitest";
import type { RivuletClient } from "../../src/client/index.js";
import { shouldReroute } from "../../src/client/cluster.js";
import { CrossBrokerProducer, type LeaderRouter } from "../../src/client/producer/cross-broker.js";
import { decodeRecordBatch } from "../../src/core/index.js";
import { InvalidRecordError } from "../../src/errors/index.js";
import { FrameType, type ClientFrame } from "../../src/protocol/ws/index.js";
import { FakeBroker } from "./producer-fake-broker.js";

function routerOn(broker: FakeBroker, batches: Uint8Array[]): LeaderRouter {
  const connection = {
    request: (frame: ClientFrame) => {
      if (frame.type === FrameType.PRODUCE) batches.push(frame.items[0]!.batch.slice());
      return broker.connection.request(frame);
    },
  };
  return {
    leaderFor: async () => ({ connection }) as unknown as RivuletClient,
    refresh: async () => undefined,
    partitionCount: () => broker.partitions,
  };
}

describe("CrossBrokerProducer on BatchBuilder", () => {
  it("batches concurrent sends and keeps keys, values, headers and timestamps", async () => {
    const broker = new FakeBroker();
    const batches: Uint8Array[] = [];
    const producer = new CrossBrokerProducer(routerOn(broker, batches), shouldReroute);
    const records = Array.from({ length: 300 }, (_, i) => ({
      topic: "t",
      partition: 0,
      key: i % 3 === 0 ? null : `k${i}`,
      value: `v${i}`,
      headers: i % 5 === 0 ? [{ key: "h", value: `x${i}` }] : undefined,
      timestamp: i % 7 === 0 ? 1_700_000_000_000 + i : undefined,
    }));
    const before = Date.now();
    const metas = await Promise.all(records.map((r) => producer.send(r)));
    await producer.close();
    expect(metas.map((m) => m.offset)).toEqual(records.map((_, i) => BigInt(i)));
    expect(broker.log()).toEqual(records.map((r) => r.value));
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.length).toBeLessThan(records.length / 10); // records joined batches while one was in flight
    const decoded = batches.flatMap((b) => decodeRecordBatch(b).records);
    decoded.forEach((r, i) => {
      const input = records[i]!;
      expect(r.key === null ? null : new TextDecoder().decode(r.key)).toBe(input.key);
      expect(r.headers.map((h) => ({ key: h.key, value: new TextDecoder().decode(h.value!) }))).toEqual(input.headers ?? []);
      if (input.timestamp !== undefined) expect(r.timestamp).toBe(input.timestamp);
      else expect(r.timestamp).toBeGreaterThanOrEqual(before);
    });
    // One producer id; each batch's sequence starts where the previous one ended.
    let next = 0;
    for (const b of batches) {
      const header = decodeRecordBatch(b);
      expect(header.producerId).toBe(1000n); // the fake broker's first producer id
      expect(header.baseSequence).toBe(next);
      next += header.recordCount;
    }
  });

  it("a batch whose answer was lost is retried byte for byte and answered as a duplicate", async () => {
    const broker = new FakeBroker();
    broker.fault = (_seen, index) => (index === 1 ? "lose-answer" : undefined);
    const batches: Uint8Array[] = [];
    const producer = new CrossBrokerProducer(routerOn(broker, batches), shouldReroute, { requestTimeoutMs: 100 });
    const first = await producer.send({ topic: "t", partition: 0, value: "a0" });
    const rest = await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic: "t", partition: 0, value: `b${i}` })));
    await producer.close();
    expect(first.offset).toBe(0n);
    expect(broker.log()).toEqual(["a0", ...Array.from({ length: 20 }, (_, i) => `b${i}`)]);
    expect(rest.map((m) => m.offset)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
    expect(batches[2]).toEqual(batches[1]); // the retry is the same bytes
  });

  it("refuses a record with a bad timestamp alone (InvalidRecordError), the others go through", async () => {
    const broker = new FakeBroker();
    const producer = new CrossBrokerProducer(routerOn(broker, []), shouldReroute);
    const bad = producer.send({ topic: "t", partition: 0, value: "bad", timestamp: 1.5 });
    const good = producer.send({ topic: "t", partition: 0, value: "good" });
    await expect(bad).rejects.toBeInstanceOf(InvalidRecordError);
    await expect(good).resolves.toMatchObject({ offset: 0n });
    await producer.close();
    expect(broker.log()).toEqual(["good"]);
  });
});
