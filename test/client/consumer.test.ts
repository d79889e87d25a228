// The consumer's failure paths against an in-memory broker (fake-broker.ts): after a reconnect it
// resubscribes once, from exactly after the last record it handed out, whatever `from` and `partitions`
// it was created with; a subscribe that fails while the broker is away is retried; a corrupt batch in a
// chunk stops its partition at that offset after the good batches before it are delivered (CORRUPT_MESSAGE).

import { describe, expect, it } from "vitest";
import { Admin, Connection, Consumer, CorruptBatchError, TimeoutError, type ConsumedRecord } from "../../src/client/index.js";
import { encodeRecordBatch } from "../../src/core/index.js";
import { FrameType, StartKind, type ClientFrame, type ServerFrame } from "../../src/protocol/ws/index.js";
import { FakeBroker, sleep, until, type FakeSocket } from "./fake-broker.js";

const text = (r: ConsumedRecord) => new TextDecoder().decode(r.value!);

type Subscribe = Extract<ClientFrame, { type: typeof FrameType.SUBSCRIBE }>;

/** A broker with one topic "t" of 2 partitions whose log end is 10: SUBSCRIBE is answered, chunks are sent by the test. */
function topicBroker(): FakeBroker & { subscribes: Subscribe[] } {
  const broker = new FakeBroker() as FakeBroker & { subscribes: Subscribe[] };
  broker.subscribes = [];
  broker.answer = (frame) => {
    if (frame.type === FrameType.PING) return [{ type: FrameType.PONG, requestId: frame.requestId, serverTimeMs: 0n }];
    if (frame.type === FrameType.METADATA) {
      return [{ type: FrameType.METADATA_RESULT, requestId: frame.requestId, topics: [{ name: "t", errorCode: 0, partitions: [0, 1].map((partition) => ({ partition, logStartOffset: 0n, logEndOffset: 10n })) }] }];
    }
    if (frame.type === FrameType.SUBSCRIBE) {
      broker.subscribes.push(frame);
      return [
        {
          type: FrameType.SUBSCRIBED,
          requestId: frame.requestId,
          partitions: frame.partitions.map((p) => ({ partition: p.partition, errorCode: 0, startOffset: p.start.kind === StartKind.OFFSET ? p.start.value : 10n, logStartOffset: 0n, logEndOffset: 10n })),
        },
      ];
    }
    if (frame.type === FrameType.UNSUBSCRIBE) return [{ type: FrameType.OK, requestId: frame.requestId }];
    return [];
  };
  return broker;
}

function batch(baseOffset: bigint, values: string[]): Uint8Array {
  return encodeRecordBatch(values.map((value) => ({ value })), { baseOffset });
}

function chunk(socket: FakeSocket, subscriptionId: number, partition: number, fromOffset: bigint, records: Uint8Array, nextOffset: bigint): void {
  socket.deliver({ type: FrameType.CHUNK, requestId: subscriptionId, partition, fromOffset, nextOffset, highWatermark: nextOffset, records } as ServerFrame);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function setup(options: Partial<ConstructorParameters<typeof Consumer>[2]> = {}) {
  const broker = topicBroker();
  const connection = new Connection({ WebSocket: broker.WebSocket, requestTimeoutMs: 300, reconnect: { initialDelayMs: 10, maxDelayMs: 40 } });
  const consumer = new Consumer(connection, new Admin(connection), { topic: "t", ...options });
  return { broker, connection, consumer };
}

describe("resume after a reconnect", () => {
  it.each([
    ["from latest, partitions [0]", { from: "latest" as const, partitions: [0] }],
    ["from earliest, all partitions", { from: "earliest" as const }],
    ["from an offset, partitions [0]", { from: { offset: 10n }, partitions: [0] }],
  ])("%s: resubscribes once, at the offset after the last record handed out", async (_name, options) => {
    const { broker, connection, consumer } = setup(options);
    await connection.connect();
    await consumer.start();
    const first = broker.subscribes[0]!;
    chunk(broker.current!, first.requestId, 0, 10n, batch(10n, ["a", "b", "c", "d"]), 14n);
    const got = [await consumer.next(), await consumer.next()];
    expect(got.map(text)).toEqual(["a", "b"]);
    // Held but not handed out: c and d. The broker goes away for a while.
    broker.mode = "refuse";
    broker.current!.drop();
    await sleep(60);
    broker.mode = "welcome";
    await until("a second SUBSCRIBE", () => broker.subscribes.length >= 2);
    await sleep(50);
    expect(broker.subscribes).toHaveLength(2);
    const again = broker.subscribes[1]!;
    const p0 = again.partitions.find((p) => p.partition === 0)!;
    expect(p0.start).toEqual({ kind: StartKind.OFFSET, value: 12n });
    // The records held at the drop come again, and only them.
    chunk(broker.current!, again.requestId, 0, 12n, batch(10n, ["a", "b", "c", "d"]), 14n);
    expect([await consumer.next(), await consumer.next()].map((r) => [text(r), r.offset])).toEqual([
      ["c", 12n],
      ["d", 13n],
    ]);
    expect(consumer.positions().get(0)).toBe(14n);
    await consumer.close();
    connection.close();
  });

  it("a subscribe that times out while the broker is frozen is retried, not surfaced", async () => {
    const { broker, connection, consumer } = setup({ from: "earliest", partitions: [0] });
    await connection.connect();
    const answer = broker.answer;
    broker.answer = (frame) => (frame.type === FrameType.SUBSCRIBE ? [] : answer(frame, broker.current!)); // frozen for SUBSCRIBE
    const started = consumer.start();
    await sleep(400); // past requestTimeoutMs (300): the first SUBSCRIBE timed out
    broker.answer = answer;
    await started;
    expect(broker.current!.received.filter((f) => f.type === FrameType.SUBSCRIBE).length).toBeGreaterThanOrEqual(2);
    await consumer.close();
    connection.close();
  });

  it("when the connection gives up, the iterator throws why (never ends silently)", async () => {
    const broker = topicBroker();
    const connection = new Connection({ WebSocket: broker.WebSocket, reconnect: { initialDelayMs: 10, maxDelayMs: 20, giveUpAfterMs: 100 } });
    const consumer = new Consumer(connection, new Admin(connection), { topic: "t", partitions: [0], from: "latest" });
    await connection.connect();
    await consumer.start();
    const next = consumer.next().catch((e: Error) => e);
    broker.mode = "refuse";
    broker.current!.drop();
    const error = await next;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/unreachable for \d+ ms/);
  });
});

describe("a corrupt batch in a chunk", () => {
  it("delivers the good batches before it, then CORRUPT_MESSAGE at its offset; the partition waits for a seek", async () => {
    const { broker, connection, consumer } = setup({ from: "earliest", partitions: [0, 1] });
    await connection.connect();
    await consumer.start();
    const sub = broker.subscribes[0]!;
    const good = batch(10n, ["a", "b"]);
    const bad = batch(12n, ["c", "d", "e"]);
    bad[bad.length - 1]! ^= 0xff; // CRC no longer matches
    const after = batch(15n, ["f"]);
    chunk(broker.current!, sub.requestId, 0, 10n, concat(good, bad, after), 16n);
    const x = batch(10n, ["x"]);
    chunk(broker.current!, sub.requestId, 1, 10n, x, 11n);
    expect([await consumer.next(), await consumer.next()].map(text)).toEqual(["a", "b"]);
    const error = await consumer.next().catch((e: Error) => e);
    expect(error).toBeInstanceOf(CorruptBatchError);
    const corrupt = error as CorruptBatchError;
    expect(corrupt.code).toBe("CORRUPT_MESSAGE");
    expect(corrupt.kafkaCode).toBe(2);
    expect([corrupt.partition, corrupt.offset, corrupt.nextOffset]).toEqual([0, 12n, 15n]);
    expect(consumer.positions().get(0)).toBe(12n);
    // The other partition is unaffected; later chunks of the halted one are not delivered.
    chunk(broker.current!, sub.requestId, 0, 16n, batch(16n, ["g"]), 17n);
    const other = await consumer.next();
    expect([other.partition, text(other)]).toEqual([1, "x"]);
    await sleep(20);
    expect(consumer.bufferedBytes).toBe(x.length); // x's chunk, not yet ended; g's chunk was dropped
    // Seeking past the corrupt batch resumes the partition there.
    broker.answer = ((answer) => (frame: ClientFrame, socket: FakeSocket) => (frame.type === FrameType.SEEK ? [{ type: FrameType.OK, requestId: frame.requestId } as ServerFrame] : answer(frame, socket)))(broker.answer);
    await consumer.seek(0, corrupt.nextOffset);
    chunk(broker.current!, sub.requestId, 0, 15n, after, 16n);
    const resumed = await consumer.next();
    expect([resumed.offset, text(resumed)]).toEqual([15n, "f"]);
    await consumer.close();
    connection.close();
  });
});
