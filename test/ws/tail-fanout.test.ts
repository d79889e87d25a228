// The log-end fan-out (src/frontends/ws/tail-fanout.ts) driven through real Sessions on a real broker, with
// fake sockets so every edge is deterministic: a socket over its high-water mark is skipped by the shared
// send and served by its own pump after 'drain'; a connection closed by another's send in the middle of the
// delivery loop gets nothing more and leaves nothing parked; a transport that keeps sent buffers ("keeps")
// gets its own copy per send, one that copies ("copies") the one shared frame with its id patched.
import { describe, expect, it } from "vitest";
import { decodeServerFrame, encodeClientFrame, FrameType, StartKind, type ServerFrame } from "../../src/protocol/ws/index.js";
import { Session, type SendOwnership, type SessionSocket } from "../../src/frontends/ws/session.js";
import { defaultSessionLimits } from "../../src/frontends/ws/server.js";
import { tailFanoutOf } from "../../src/frontends/ws/tail-fanout.js";
import type { Broker } from "../../src/broker/index.js";
import { batch, tempDataDirs } from "../broker/helpers.js";

const dirs = tempDataDirs();

class FakeSocket implements SessionSocket {
  readonly sent: Uint8Array[] = [];
  buffered = 0;
  ended: number | undefined;
  onSend?: () => void;
  send(message: Uint8Array): number {
    this.sent.push(message);
    this.onSend?.();
    return 1;
  }
  getBufferedAmount(): number {
    return this.buffered;
  }
  end(code?: number): void {
    this.ended = code ?? 1000;
  }
  frames(): ServerFrame[] {
    return this.sent.map((bytes) => decodeServerFrame(bytes.slice()));
  }
  chunks() {
    return this.frames().filter((f): f is Extract<ServerFrame, { type: typeof FrameType.CHUNK }> => f.type === FrameType.CHUNK);
  }
}

let nextSession = 1;
function open(broker: Broker, ownership: SendOwnership) {
  const socket = new FakeSocket();
  const session = new Session(nextSession++, socket, broker, { ...defaultSessionLimits, highWaterBytes: 64 * 1024 }, undefined, "127.0.0.1", undefined, ownership);
  return { socket, session };
}

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

async function subscribed(broker: Broker, topic: string, count: number, ownership: SendOwnership = "copies") {
  const all = Array.from({ length: count }, () => open(broker, ownership));
  all.forEach(({ session }, i) =>
    session.onMessage(encodeClientFrame({ type: FrameType.SUBSCRIBE, requestId: 100 + i, topic, credit: 1 << 30, maxChunkBytes: 1 << 20, start: { kind: StartKind.LATEST, value: 0n }, partitions: [] })),
  );
  await until(() => tailFanoutOf(broker).parkedOn(topic, 0) === count, `${count} parked`);
  return all;
}

describe("tail fan-out", () => {
  it("a socket over its high-water mark is skipped by the shared send and catches up through its own pump on drain", async () => {
    const broker = await dirs.broker({ shards: 1 });
    await broker.createTopic("hw", { partitions: 1 });
    const subs = await subscribed(broker, "hw", 4);
    const blocked = subs[2]!;
    // Over the mark while parked: a PONG (any frame) goes out and pauses the connection.
    blocked.socket.buffered = 1 << 20;
    blocked.session.onMessage(encodeClientFrame({ type: FrameType.PING, requestId: 7 }));
    await until(() => blocked.session.isSocketPaused, "the blocked connection paused");
    expect(tailFanoutOf(broker).parkedOn("hw", 0)).toBe(4);
    await broker.produce("hw", 0, batch(["a"]));
    await broker.produce("hw", 0, batch(["b"]));
    await broker.produce("hw", 0, batch(["c"]));
    await until(() => subs.every((s, i) => i === 2 || s.socket.chunks().reduce((n, c) => n + Number(c.nextOffset - c.fromOffset), 0) === 3), "the others get all three");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(blocked.socket.chunks()).toHaveLength(0); // nothing past the mark
    blocked.socket.buffered = 0;
    blocked.session.onDrain();
    await until(() => blocked.socket.chunks().reduce((n, c) => n + Number(c.nextOffset - c.fromOffset), 0) === 3, "the blocked one catches up");
    for (const { socket } of subs) {
      let next = 0n;
      for (const c of socket.chunks()) {
        expect(c.fromOffset).toBe(next);
        next = c.nextOffset;
      }
      expect(next).toBe(3n);
    }
    await until(() => tailFanoutOf(broker).parkedOn("hw", 0) === 4, "all parked again");
  });

  it("a connection closed by another's send in the middle of the loop gets nothing more and leaves nothing parked", async () => {
    const broker = await dirs.broker({ shards: 1 });
    await broker.createTopic("mid", { partitions: 1 });
    const subs = await subscribed(broker, "mid", 6);
    // Whoever is served first closes two others (as a socket error surfacing during a send would).
    let fired = false;
    for (const s of subs) {
      s.socket.onSend = () => {
        if (fired) return;
        fired = true;
        for (const victim of subs.filter((v) => v !== s).slice(0, 2)) victim.session.close(1001, "gone");
      };
    }
    await broker.produce("mid", 0, batch(["x"]));
    await until(() => subs.filter((s) => !s.session.closed).every((s) => s.socket.chunks().length === 1), "the open ones get the record");
    const closed = subs.filter((s) => s.session.closed);
    expect(closed).toHaveLength(2);
    for (const s of closed) expect(s.socket.chunks()).toHaveLength(0);
    await until(() => tailFanoutOf(broker).parkedOn("mid", 0) === 4, "only the 4 open ones parked");
    await broker.produce("mid", 0, batch(["y"]));
    await until(() => subs.filter((s) => !s.session.closed).every((s) => s.socket.chunks().length === 2), "the open ones get the next record");
    for (const s of closed) expect(s.socket.chunks()).toHaveLength(0);
  });

  it("'copies' sends the one shared frame with each id patched; 'keeps' gets a private copy per send", async () => {
    const broker = await dirs.broker({ shards: 1 });
    await broker.createTopic("own", { partitions: 1 });
    const copies = await subscribed(broker, "own", 3, "copies");
    await broker.produce("own", 0, batch(["v"]));
    await until(() => copies.every((s) => s.socket.sent.some((b) => b[0] === FrameType.CHUNK)), "chunks");
    const shared = copies.map((s) => s.socket.sent.find((b) => b[0] === FrameType.CHUNK)!);
    expect(new Set(shared.map((b) => b.buffer)).size).toBe(1); // one buffer for all three

    const broker2 = await dirs.broker({ shards: 1 });
    await broker2.createTopic("own", { partitions: 1 });
    const keeps = await subscribed(broker2, "own", 3, "keeps");
    await broker2.produce("own", 0, batch(["v"]));
    await until(() => keeps.every((s) => s.socket.chunks().length === 1), "chunks");
    // Read after the whole loop: each kept buffer still carries its own subscription's id.
    keeps.forEach((s, i) => expect(s.socket.chunks()[0]!.requestId).toBe(100 + i));
    expect(new Set(keeps.map((s) => s.socket.sent.find((b) => b[0] === FrameType.CHUNK)!.buffer)).size).toBe(3);
  });
});
