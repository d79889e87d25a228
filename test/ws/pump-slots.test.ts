// The session's pump and its read slots (src/frontends/ws/session.ts, issue 14's stalled consume): a
// subscription with more partitions than `maxConcurrentReads` must read every partition, whatever order its
// reads land in. Driven through a real Session on a real broker with a fake socket, so the interleaving is
// exact: with one read slot, the first cursor's read finds the log end and parks; the slot it frees must go
// to the next idle cursor (it used to be freed silently, and the other partitions were never read).
// And the slots are shared fairly: a partition with a long backlog does not hold them while another
// partition's idle cursor waits.
import { describe, expect, it } from "vitest";
import { decodeServerFrame, encodeClientFrame, FrameType, StartKind, type ServerFrame } from "../../src/protocol/ws/index.js";
import { Session, type SessionSocket } from "../../src/frontends/ws/session.js";
import { defaultSessionLimits } from "../../src/frontends/ws/server.js";
import type { Broker } from "../../src/broker/index.js";
import { batch, tempDataDirs } from "../broker/helpers.js";

const dirs = tempDataDirs();

type Chunk = Extract<ServerFrame, { type: typeof FrameType.CHUNK }>;

class FakeSocket implements SessionSocket {
  readonly sent: Uint8Array[] = [];
  send(message: Uint8Array): number {
    this.sent.push(message.slice());
    return 1;
  }
  getBufferedAmount(): number {
    return 0;
  }
  end(): void {}
  chunks(): Chunk[] {
    return this.sent.map((bytes) => decodeServerFrame(bytes)).filter((f): f is Chunk => f.type === FrameType.CHUNK);
  }
}

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

function subscribe(broker: Broker, topic: string, partitions: number[], maxConcurrentReads: number, maxChunkBytes = 1 << 20) {
  const socket = new FakeSocket();
  const session = new Session(1, socket, broker, { ...defaultSessionLimits, maxConcurrentReads }, undefined, "127.0.0.1", undefined, "keeps");
  session.onMessage(
    encodeClientFrame({
      type: FrameType.SUBSCRIBE,
      requestId: 9,
      topic,
      credit: 1 << 30,
      maxChunkBytes,
      start: { kind: StartKind.EARLIEST, value: 0n },
      partitions: partitions.map((partition) => ({ partition, start: { kind: StartKind.EARLIEST, value: 0n } })),
    }),
  );
  return { socket, session };
}

const delivered = (socket: FakeSocket, partition: number) =>
  socket
    .chunks()
    .filter((c) => c.partition === partition)
    .reduce((n, c) => n + Number(c.nextOffset - c.fromOffset), 0);

describe("session pump: read slots", () => {
  it("a read that parks at the log end hands its slot to the next idle cursor (one slot, the first partition empty)", async () => {
    const broker = await dirs.broker({ shards: 1 });
    await broker.createTopic("slots-park", { partitions: 3 });
    await broker.produce("slots-park", 1, batch(["b0", "b1"]));
    await broker.produce("slots-park", 2, batch(["c0"]));
    // Partition 0 is empty: its read is the first to take the one slot, lands with nothing, and parks.
    const { socket, session } = subscribe(broker, "slots-park", [0, 1, 2], 1);
    await until(() => delivered(socket, 1) === 2 && delivered(socket, 2) === 1, "partitions 1 and 2 delivered");
    // Partition 0 is still served: an append there wakes its parked cursor.
    await broker.produce("slots-park", 0, batch(["a0"]));
    await until(() => delivered(socket, 0) === 1, "partition 0 delivered after its append");
    session.onClosed();
  });

  it("with fewer slots than partitions, every partition gets a read before any partition gets its second", async () => {
    const broker = await dirs.broker({ shards: 1 });
    await broker.createTopic("slots-fair", { partitions: 4 });
    // Partition 0 has a backlog of many small chunks (one batch per chunk); the others one batch each.
    for (let i = 0; i < 20; i++) await broker.produce("slots-fair", 0, batch([`a${i}-${"x".repeat(200)}`]));
    for (let p = 1; p < 4; p++) await broker.produce("slots-fair", p, batch([`p${p}`]));
    const { socket, session } = subscribe(broker, "slots-fair", [0, 1, 2, 3], 1, 100);
    await until(() => delivered(socket, 0) === 20 && [1, 2, 3].every((p) => delivered(socket, p) === 1), "everything delivered");
    // The first four chunks are one per partition: none waited behind partition 0's backlog.
    expect(new Set(socket.chunks().slice(0, 4).map((c) => c.partition))).toEqual(new Set([0, 1, 2, 3]));
    // Every partition's chunks are in offset order, each starting where the previous ended.
    for (let p = 0; p < 4; p++) {
      let next = 0n;
      for (const c of socket.chunks().filter((c) => c.partition === p)) {
        expect(c.fromOffset).toBe(next);
        next = c.nextOffset;
      }
    }
    session.onClosed();
  });
});
