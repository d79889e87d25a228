// The client's own ceiling, with no socket and no broker: the producer against a stub connection that
// acknowledges every batch on the next turn of the event loop, and the consumer fed CHUNK frames built in
// memory whenever it grants credit. What the end-to-end rows cannot beat, whatever the broker does; the
// gap between the two is the network, the `ws` package and the broker.
import type * as ClientModule from "../../src/client/index.js";
import type { Connection } from "../../src/client/index.js";
import type * as CoreModule from "../../src/core/index.js";
import type * as WsProtocol from "../../src/protocol/ws/index.js";
import { loadDist } from "./common.js";

const { Producer, Consumer } = await loadDist<typeof ClientModule>("dist/client/index.js");
const { encodeRecordBatch } = await loadDist<typeof CoreModule>("dist/core/index.js");
const { FrameType } = await loadDist<typeof WsProtocol>("dist/protocol/ws/index.js");

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Records/s through Producer.send() (one promise per record, as the API is used), or with `perCall` > 1
 * through sendMany() with that many records per call (one promise per call).
 */
export async function producerCeiling(records: number, recordSize: number, perCall = 1): Promise<number> {
  const answer = async () => {
    await nextTurn();
    return { type: FrameType.PRODUCE_RESULT, requestId: 1, items: [{ errorCode: 0, errorMessage: "", baseOffset: 0n, logAppendTime: -1n, logStartOffset: 0n }] };
  };
  const connection = {
    async connect() {},
    server: { maxFrameBytes: 16 * 1024 * 1024 },
    isOpen: true,
    bufferedAmount: 0,
    allocateId: () => 1,
    request: answer,
    // The producer's frames written around their batch in place (the head is written, as on a socket).
    requestFrame(write: (requestId: number) => Uint8Array | undefined) {
      write(1);
      return answer();
    },
  } as unknown as Connection;
  const admin = { describeTopic: async (name: string) => ({ name, id: "t", partitions: [{ partition: 0 }], configs: [] }) } as unknown as ClientModule.Admin;
  const producer = new Producer(connection, admin, {});
  const value = new Uint8Array(recordSize).fill(0x61);
  const record = { topic: "t", value };
  let acked = 0;
  let wake: () => void = () => {};
  const onAck = () => void (++acked === records && wake());
  const started = performance.now();
  if (perCall > 1) {
    const chunk = Array.from({ length: perCall }, () => record);
    const onChunk = () => void ((acked += perCall) >= records && wake());
    for (let i = 0; i < records; i += perCall) {
      if (producer.congested) await producer.drained();
      void producer.sendMany(chunk).then(onChunk);
      await nextTurn();
    }
  } else {
    for (let i = 0; i < records; i++) {
      if ((i & 255) === 255) await nextTurn();
      if (producer.congested) await producer.drained();
      void producer.send(record).then(onAck);
    }
  }
  await producer.flush();
  if (acked < records) await new Promise<void>((resolve) => (wake = resolve));
  return records / ((performance.now() - started) / 1000);
}

/**
 * Records/s out of `for await (const record of consumer)` (or, with `mode`, of consumer.batches() or of
 * consumer.rows() read without allocating), chunks of `perChunk` records arriving as credit allows.
 */
export async function consumerCeiling(records: number, recordSize: number, perChunk = 2000, mode: "for-await" | "batches" | "rows" = "for-await"): Promise<number> {
  const value = new Uint8Array(recordSize).fill(0x61);
  const batch = encodeRecordBatch(Array.from({ length: perChunk }, () => ({ key: null, value, timestamp: Date.now() }))).slice();
  let consumer: ClientModule.Consumer | undefined;
  let base = 0n;
  const feed = () => {
    const bytes = batch.slice();
    new DataView(bytes.buffer).setBigInt64(0, base); // the base offset, outside the CRC
    const frame = { type: FrameType.CHUNK, requestId: 7, partition: 0, fromOffset: base, nextOffset: base + BigInt(perChunk), highWatermark: 0n, records: bytes };
    base += BigInt(perChunk);
    setImmediate(() => consumer!.onFrame(frame));
  };
  const connection = {
    streams: new Map(),
    isOpen: false,
    allocateId: () => 7,
    post: () => feed(), // CREDIT: the next chunk
    async request(frame: { type: number }) {
      if (frame.type !== FrameType.SUBSCRIBE) return {};
      setImmediate(feed);
      return { type: FrameType.SUBSCRIBED, requestId: 7, partitions: [{ partition: 0, errorCode: 0, startOffset: 0n }] };
    },
  } as unknown as Connection;
  consumer = new Consumer(connection, {} as ClientModule.Admin, { topic: "t", partitions: [0], from: "earliest", windowBytes: batch.length });
  let count = 0;
  const started = performance.now();
  if (mode === "rows") {
    outer: for await (const rows of consumer.rows()) {
      for (let i = 0; i < rows.count; i++) {
        // (Nothing accumulated across the awaits: a double kept there is boxed, one allocation per record.)
        if (rows.valueLength(i) < 0 || rows.offsetNumber(i) < 0) throw new Error("lost a value");
        if (++count >= records) break outer;
      }
    }
  } else if (mode === "batches") {
    outer: for await (const batch of consumer.batches()) {
      for (let i = 0; i < batch.length; i++) {
        if (batch[i]!.value === null) throw new Error("lost a value");
        if (++count >= records) break outer;
      }
    }
  } else {
    for await (const record of consumer) {
      if (record.value === null) throw new Error("lost a value");
      if (++count >= records) break;
    }
  }
  return records / ((performance.now() - started) / 1000);
}
