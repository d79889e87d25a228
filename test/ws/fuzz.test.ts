// Fuzzing the live server's frame handling: 3,000 random and mutated frames (valid frames of every client
// type with flipped bytes, truncated, extended, counts and lengths blown up, wrong types) over many
// connections. The server must never crash; a frame that does not parse closes its connection with 4000;
// a frame that parses is answered (an ERROR frame or a normal response) and its connection stays open;
// and a healthy client produces and consumes throughout without losing or repeating a record.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Consumer, RivuletClient } from "../../src/client/index.js";
import { CloseCode, decodeClientFrame, encodeClientFrame, FrameType, WsProtocolError, type ClientFrame } from "../../src/protocol/ws/index.js";
import { randomBytes, randomInt, seededRandom } from "../helpers/random.js";
import { nextWithin } from "../helpers/consume.js";
import { RawSocket, sleep, text, wsServers, type TestServer } from "../helpers/ws-server.js";
import { clientSeeds } from "./frames-corpus.js";
import { flip } from "../helpers/flip.js";

const FRAMES = 3000;
const WORKERS = 6;

const env = wsServers();
let srv: TestServer;
let healthy: RivuletClient;

beforeAll(async () => {
  srv = await env.start({ ws: { maxFrameBytes: 1 << 20, limits: { maxSubscriptions: 4 } } });
  healthy = await env.client(srv.url);
  await healthy.admin.createTopic("fz", { partitions: 2 });
  await healthy.admin.createTopic("healthy", { partitions: 1 });
});

interface Case {
  bytes: Uint8Array;
  /** The frame as the server will decode it, or undefined when it does not parse. */
  frame: ClientFrame | undefined;
}

function mutate(random: () => number, seed: Uint8Array): Uint8Array {
  const out = Uint8Array.from(seed);
  switch (randomInt(random, 0, 7)) {
    case 0:
    case 1: // flip 1-3 bits past the type byte
      for (let n = randomInt(random, 1, 3); n > 0; n--) flip(out, randomInt(random, 1, Math.max(1, out.length - 1)), 1 << randomInt(random, 0, 7));
      return out;
    case 2: // truncate
      return out.subarray(0, randomInt(random, 0, Math.max(0, out.length - 1)));
    case 3: // extend
      return Uint8Array.from([...out, ...randomBytes(random, randomInt(random, 1, 32))]);
    case 4: {
      // a wrong count / length: bump a u16 somewhere in the body
      if (out.length < 7) return out;
      const at = randomInt(random, 5, out.length - 2);
      const view = new DataView(out.buffer);
      view.setUint16(at, (view.getUint16(at) + randomInt(random, 1, 3)) & 0xffff);
      return out;
    }
    case 5: // a type byte from anywhere
      out[0] = randomInt(random, 0, 255);
      return out;
    case 6: // the header alone, or less
      return out.subarray(0, randomInt(random, 0, 5));
    default: // random bytes
      return randomBytes(random, randomInt(random, 0, 80));
  }
}

function generate(): Case[] {
  const random = seededRandom(31337);
  const seeds = clientSeeds("fz").map(encodeClientFrame);
  const cases: Case[] = [];
  while (cases.length < FRAMES) {
    const bytes = mutate(random, seeds[cases.length % seeds.length]!);
    let frame: ClientFrame | undefined;
    try {
      frame = decodeClientFrame(bytes);
    } catch (error) {
      if (!(error instanceof WsProtocolError)) throw error;
    }
    // Valid topic creations and deletions would only churn the disk (or delete the healthy topic).
    if (frame && (frame.type === FrameType.CREATE_TOPIC || frame.type === FrameType.DELETE_TOPIC)) continue;
    cases.push({ bytes, frame });
  }
  return cases;
}

/** Whether the server owes a response to this (valid) frame soon. */
function expectsResponse(frame: ClientFrame): boolean {
  if (frame.type === FrameType.CREDIT) return false;
  // Consumer-group frames (reached through mutated type bytes) follow the group protocol's own rules.
  if (frame.type >= 0x30 && frame.type <= 0x3f) return false;
  if (frame.type === FrameType.PRODUCE && frame.acks === 0) return false;
  // A long poll may legitimately take up to its maxWaitMs.
  if (frame.type === FrameType.FETCH && frame.minBytes > 0 && frame.maxWaitMs > 2000) return false;
  return true;
}

describe("frame fuzzing against a live server", () => {
  let stopHealthy = false;
  afterAll(() => {
    stopHealthy = true;
  });

  it(`${FRAMES} random and mutated frames: 4000 for what does not parse, answers for what does, a healthy client throughout`, async () => {
    const cases = generate();
    const invalid = cases.filter((c) => !c.frame).length;
    // The mix exercises both paths.
    expect(invalid).toBeGreaterThan(FRAMES * 0.3);
    expect(FRAMES - invalid).toBeGreaterThan(FRAMES * 0.15);

    // The healthy client: produces and consumes one record at a time the whole while.
    const producer = healthy.producer({ lingerMs: 0 });
    const consumer: Consumer = healthy.consumer({ topic: "healthy", from: "earliest" });
    await consumer.start();
    let produced = 0;
    let consumed = 0;
    const healthyLoop = (async () => {
      while (!stopHealthy) {
        const value = String(produced);
        const meta = await producer.send({ topic: "healthy", partition: 0, value });
        produced++;
        const record = await nextWithin(consumer, 5000);
        expect(record.offset).toBe(meta.offset);
        expect(text(record.value)).toBe(value);
        consumed++;
        await sleep(2);
      }
    })();

    const problems: string[] = [];
    const outcomes = { closed4000: 0, answered: 0, unanswered: 0, connections: 0 };
    let next = 0;
    const worker = async () => {
      let socket: RawSocket | undefined;
      try {
        while (next < cases.length) {
          const index = next++;
          const { bytes, frame } = cases[index]!;
          if (!socket) {
            socket = await RawSocket.open(srv.url);
            outcomes.connections++;
          }
          const hex = Buffer.from(bytes).toString("hex").slice(0, 120);
          if (!frame) {
            socket.sendBytes(bytes);
            const code = await socket.closeCodeWithin(5000).catch((e: Error) => e.message);
            if (code !== CloseCode.PROTOCOL_ERROR) problems.push(`case ${index} (${hex}): closed with ${code}, expected 4000`);
            else outcomes.closed4000++;
            socket = undefined;
            continue;
          }
          socket.sendBytes(bytes);
          if (expectsResponse(frame)) {
            const response = await socket
              .waitFor((f) => f.requestId === frame.requestId && f.type !== FrameType.CHUNK && f.type !== FrameType.GAP && f.type !== FrameType.STALLED, 5000)
              .catch((e: Error) => e);
            if (response instanceof Error) problems.push(`case ${index} type 0x${frame.type.toString(16)} (${hex}): ${response.message}`);
            else outcomes.answered++;
          } else outcomes.unanswered++;
          // Still open, and still serving this connection.
          const pong = await socket.request({ type: FrameType.PING, requestId: 0xfffffff0 }, 5000).catch((e: Error) => e);
          if (pong instanceof Error || pong.type !== FrameType.PONG || !socket.isOpen) {
            problems.push(`case ${index} type 0x${frame.type.toString(16)} (${hex}): a valid frame closed the connection (${socket.closeCode} ${socket.closeReason})`);
            socket = undefined;
          }
        }
        if (socket) {
          const pong = await socket.request({ type: FrameType.PING, requestId: 0xfffffffe }, 5000).catch((e: Error) => e);
          if (pong instanceof Error || pong.type !== FrameType.PONG) problems.push(`final ping: ${String(pong)}`);
        }
      } finally {
        socket?.terminate();
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    stopHealthy = true;
    await healthyLoop;
    await consumer.close();

    expect(problems.slice(0, 20)).toEqual([]);
    expect(outcomes.closed4000).toBe(invalid);
    expect(outcomes.answered + outcomes.unanswered).toBe(FRAMES - invalid);
    // The healthy client really ran alongside, and lost nothing.
    expect(produced).toBeGreaterThan(20);
    expect(consumed).toBe(produced);
    // The server is up, and every fuzzing connection is gone from its books (no leaked session).
    expect(srv.server.broker.isClosed).toBe(false);
    const health = await fetch(`http://127.0.0.1:${srv.port}/healthz`);
    expect(health.status).toBe(200);
    const deadline = Date.now() + 5000;
    while (srv.server.ws.sessions.size > 1 && Date.now() < deadline) await sleep(20);
    expect(srv.server.ws.sessions.size).toBe(1);
  }, 90_000);
});
