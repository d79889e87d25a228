// The consumer's receive path without a copy per frame (src/client/connection.ts, src/client/chunk.ts):
// under Node the `ws` socket hands messages over as the Buffer it assembled ("nodebuffer"), and the records
// handed out are views of it. The records must stay intact while later frames arrive, whether a frame came
// in one piece, in WebSocket fragments, or split across TCP reads; a socket that only knows "blob" and
// "arraybuffer" (a browser's) is given "arraybuffer"; and a corrupt batch still stops its partition with a
// typed error after the good batches before it.
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import WsPackage, { WebSocketServer, type WebSocket } from "ws";
import { Connection } from "../../src/client/connection.js";
import { Consumer } from "../../src/client/consumer.js";
import { CorruptBatchError } from "../../src/client/errors.js";
import type { Admin } from "../../src/client/admin.js";
import { encodeRecordBatch } from "../../src/core/index.js";
import { decodeClientFrame, encodeServerFrame, FrameType, PROTOCOL_VERSION, type ServerFrame } from "../../src/protocol/ws/index.js";
import type { WebSocketConstructor } from "../../src/client/transport.js";
import { FakeBroker, FakeSocket } from "./fake-broker.js";

// The `ws` package, named explicitly: Node 22+ has a global WebSocket (undici) that the client would pick,
// and the path under test is the one Node 20 takes.
const WsClient = WsPackage as unknown as WebSocketConstructor;

const PER_BATCH = 50;

/** Batches of PER_BATCH records with distinct random values (and every 7th record a header), offsets from `from`. */
function batchesFrom(from: number, batches: number): { bytes: Uint8Array; values: Uint8Array[]; starts: number[] } {
  const parts: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  for (let b = 0; b < batches; b++) {
    const records = Array.from({ length: PER_BATCH }, (_, i) => {
      const value = new Uint8Array(randomBytes(20 + ((b * PER_BATCH + i) % 90)));
      values.push(value);
      return { key: null, value, timestamp: 1_700_000_000_000 + i, headers: i % 7 === 0 ? [{ key: "h", value: "x" }] : undefined };
    });
    const batch = encodeRecordBatch(records).slice();
    new DataView(batch.buffer).setBigInt64(0, BigInt(from + b * PER_BATCH));
    parts.push(batch);
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  const starts: number[] = [];
  let at = 0;
  for (const p of parts) {
    starts.push(at);
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, values, starts };
}

type Delivery = "whole" | "fragments" | "split-tcp";

/**
 * A WebSocket peer that welcomes, answers SUBSCRIBE for partition 0 and then sends `chunks` CHUNK frames
 * of `batches` batches each, delivered as `delivery` says. `corruptAt` flips a byte inside the records of
 * that chunk's second batch.
 */
async function chunkServer(chunks: number, batches: number, delivery: Delivery, corruptAt = -1) {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => server.once("listening", resolve));
  const sent: Uint8Array[] = [];
  const send = async (ws: WebSocket, frame: ServerFrame) => {
    const bytes = encodeServerFrame(frame);
    if (delivery === "fragments" && bytes.length > 64) {
      // One message in three WebSocket fragments.
      const a = Math.floor(bytes.length / 3);
      ws.send(bytes.subarray(0, a), { fin: false });
      ws.send(bytes.subarray(a, 2 * a), { fin: false });
      ws.send(bytes.subarray(2 * a), { fin: true });
    } else if (delivery === "split-tcp") {
      // Several messages per TCP write and messages cut across writes: cork, send, uncork on a timer.
      const tcp = (ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
      tcp.cork();
      ws.send(bytes);
      await new Promise((resolve) => setImmediate(resolve));
      tcp.uncork();
    } else ws.send(bytes);
  };
  server.on("connection", (ws) => {
    void send(ws, { type: FrameType.WELCOME, requestId: 0, protocolVersion: PROTOCOL_VERSION, serverVersion: "chunks", maxFrameBytes: 16 << 20, maxSubscriptions: 4, idleTimeoutMs: 600_000 });
    ws.on("message", async (data: Buffer) => {
      const frame = decodeClientFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (frame.type === FrameType.PING) return void send(ws, { type: FrameType.PONG, requestId: frame.requestId, serverTimeMs: 0n });
      if (frame.type === FrameType.UNSUBSCRIBE) return void send(ws, { type: FrameType.OK, requestId: frame.requestId });
      if (frame.type !== FrameType.SUBSCRIBE) return;
      const id = frame.requestId;
      await send(ws, { type: FrameType.SUBSCRIBED, requestId: id, partitions: [{ partition: 0, errorCode: 0, startOffset: 0n, logStartOffset: 0n, logEndOffset: 0n }] });
      for (let c = 0; c < chunks; c++) {
        const from = c * batches * PER_BATCH;
        const { bytes, values, starts } = batchesFrom(from, batches);
        sent.push(...values);
        if (c === corruptAt) bytes[starts[1]! + 200]! ^= 0xff; // inside the second batch's records: its CRC fails
        await send(ws, { type: FrameType.CHUNK, requestId: id, partition: 0, fromOffset: BigInt(from), nextOffset: BigInt(from + batches * PER_BATCH), highWatermark: 0n, records: bytes });
      }
    });
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`,
    sent,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readAll(url: string, count: number) {
  const connection = new Connection({ url, WebSocket: WsClient });
  await connection.connect();
  const consumer = new Consumer(connection, {} as Admin, { topic: "t", partitions: [0], from: "earliest", windowBytes: 64 << 20 });
  const got = [];
  for await (const record of consumer) {
    got.push(record);
    if (got.length === count) break;
  }
  const socket = (connection as unknown as { socket: { binaryType: string } }).socket;
  return { consumer, connection, got, binaryType: socket.binaryType };
}

describe("consumer receive path", () => {
  for (const delivery of ["whole", "fragments", "split-tcp"] as const) {
    it(`every record once, in order, values intact after later frames arrived (${delivery})`, async () => {
      const server = await chunkServer(20, 4, delivery);
      try {
        const { consumer, connection, got, binaryType } = await readAll(server.url, 20 * 4 * PER_BATCH);
        expect(binaryType).toBe("nodebuffer");
        expect(got.map((r) => r.offset)).toEqual(server.sent.map((_, i) => BigInt(i)));
        // Checked only now, after every frame arrived: no view points into memory reused by a later frame.
        for (let i = 0; i < got.length; i++) expect(got[i]!.value, `record ${i}`).toEqual(server.sent[i]);
        expect(got.filter((r) => r.headers.length === 1).length).toBe(got.length / PER_BATCH * Math.ceil(PER_BATCH / 7));
        expect(consumer.positions().get(0)).toBe(BigInt(got.length));
        await consumer.close();
        connection.close();
      } finally {
        await server.close();
      }
    });
  }

  it("a corrupt batch in a received frame: the batches before it are delivered, then a CorruptBatchError at its offset", async () => {
    const server = await chunkServer(2, 4, "whole", 1);
    try {
      const connection = new Connection({ url: server.url, WebSocket: WsClient });
      await connection.connect();
      const consumer = new Consumer(connection, {} as Admin, { topic: "t", partitions: [0], from: "earliest", windowBytes: 64 << 20 });
      const offsets: bigint[] = [];
      const error = await (async () => {
        for await (const record of consumer) offsets.push(record.offset);
      })().catch((e: unknown) => e);
      // Chunk 0 whole (4 batches) and chunk 1's first batch; its second batch (offset 250) is corrupt.
      expect(offsets).toEqual(Array.from({ length: 5 * PER_BATCH }, (_, i) => BigInt(i)));
      expect(error).toBeInstanceOf(CorruptBatchError);
      expect((error as CorruptBatchError).offset).toBe(250n);
      await consumer.close();
      connection.close();
    } finally {
      await server.close();
    }
  });

  it("checkCrcs: false hands out a batch whose CRC fails when its layout holds (the byte flipped is inside a value)", async () => {
    const server = await chunkServer(2, 4, "whole", 1);
    try {
      const connection = new Connection({ url: server.url, WebSocket: WsClient });
      await connection.connect();
      const consumer = new Consumer(connection, {} as Admin, { topic: "t", partitions: [0], from: "earliest", windowBytes: 64 << 20, checkCrcs: false });
      const got = [];
      for await (const record of consumer) {
        got.push(record);
        if (got.length === 8 * PER_BATCH) break;
      }
      expect(got.map((r) => r.offset)).toEqual(Array.from({ length: 8 * PER_BATCH }, (_, i) => BigInt(i)));
      // Exactly one value differs from what was sent: the flipped byte, not caught without the CRC check.
      const differing = got.filter((r, i) => Buffer.compare(Buffer.from(r.value!), Buffer.from(server.sent[i]!)) !== 0);
      expect(differing).toHaveLength(1);
      await consumer.close();
      connection.close();
    } finally {
      await server.close();
    }
  });

  it("a socket that knows only blob and arraybuffer (a browser's) is given arraybuffer and still delivers", async () => {
    const broker = new FakeBroker();
    const Base = broker.WebSocket;
    const seen: string[] = [];
    const BrowserLike = class {
      constructor(url: string) {
        const socket = new Base(url) as FakeSocket;
        let type = "blob";
        Object.defineProperty(socket, "binaryType", {
          get: () => type,
          set: (value: string) => {
            seen.push(value);
            if (value === "blob" || value === "arraybuffer") type = value; // WebIDL: other values are ignored
          },
        });
        return socket;
      }
    } as unknown as typeof Base;
    const values = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])];
    broker.answer = (frame) => {
      if (frame.type === FrameType.SUBSCRIBE) {
        const records = encodeRecordBatch(values.map((value) => ({ key: null, value, timestamp: 1 }))).slice();
        return [
          { type: FrameType.SUBSCRIBED, requestId: frame.requestId, partitions: [{ partition: 0, errorCode: 0, startOffset: 0n, logStartOffset: 0n, logEndOffset: 0n }] },
          { type: FrameType.CHUNK, requestId: frame.requestId, partition: 0, fromOffset: 0n, nextOffset: 2n, highWatermark: 0n, records },
        ];
      }
      return frame.type === FrameType.PING ? [{ type: FrameType.PONG, requestId: frame.requestId, serverTimeMs: 0n }] : [];
    };
    const connection = new Connection({ WebSocket: BrowserLike });
    await connection.connect();
    expect(broker.current!.binaryType).toBe("arraybuffer");
    expect(seen).toEqual(["nodebuffer", "arraybuffer"]);
    const consumer = new Consumer(connection, {} as Admin, { topic: "t", partitions: [0], from: "earliest" });
    const got = [await consumer.next(), await consumer.next()];
    expect(got.map((r) => [...r.value!])).toEqual(values.map((v) => [...v]));
    connection.close();
  });
});
