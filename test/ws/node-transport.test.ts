// The node transport (node:http + ws) where it differs from uWS: a client that does not read is held in its
// TCP window (reads paused) instead of queueing until its connection is closed; hostile frames and HTTP on
// the raw socket; the fallback when uWS's native build does not load. (TLS reload and the mTLS principal:
// test/security/ws-tls-node.test.ts. The protocol suites run on this transport with RIVULET_TRANSPORT=node.)
import { connect as tcpConnect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { encodeRecordBatch } from "../../src/core/index.js";
import { FrameType } from "../../src/protocol/ws/index.js";
import { loadNativeUws } from "../../src/frontends/uws.js";
import { startServer } from "../../src/server.js";
import { assertHealthy, sleep, wsServers } from "../helpers/ws-server.js";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MiB = 1024 * 1024;
const servers = wsServers();
const uwsLoads = (() => {
  try {
    loadNativeUws();
    return true;
  } catch {
    return false;
  }
})();

describe.each([
  { transport: "node" as const, run: true },
  { transport: "uws" as const, run: uwsLoads },
])("a client that sends requests but does not read the answers ($transport)", ({ transport, run }) => {
  it.runIf(run)(transport === "node" ? "is not read meanwhile (its requests wait in TCP), then gets every answer in order" : "queues past maxQueuedBytes and is closed with 4000 (uWS cannot pause reads)", async () => {
    const s = await servers.start({ transport, ws: { limits: { maxQueuedBytes: 4 * MiB } } });
    const admin = await servers.raw(s.url);
    await admin.request({ type: FrameType.CREATE_TOPIC, name: "slow", partitions: 1, configs: { "max.message.bytes": String(4 * MiB) } });
    const value = new Uint8Array(MiB - 1024).fill(7);
    const produce = () => ({ type: FrameType.PRODUCE, acks: 1 as const, timeoutMs: 10_000, items: [{ topic: "slow", partition: 0, batch: encodeRecordBatch([{ value }]) }] });
    expect((await admin.request(produce())).type).toBe(FrameType.PRODUCE_RESULT);

    const slow = await servers.raw(s.url);
    slow.tcp.pause();
    // 24 MiB of answers fill the kernel's buffers and then the server's own past highWaterBytes (1 MiB) ...
    const fetches = Array.from({ length: 24 }, () => slow.send({ type: FrameType.FETCH, maxWaitMs: 0, minBytes: 1, maxBytes: 2 * MiB, items: [{ topic: "slow", partition: 0, offset: 0n, maxBytes: 2 * MiB }] }));
    await sleep(300);
    // ... so these 16 MiB of requests must queue: 4x maxQueuedBytes.
    const produces = Array.from({ length: 16 }, () => slow.send(produce()));
    const session = [...s.server.ws.sessions].at(-1); // the slow client's (opened last)
    if (transport === "uws") {
      for (let i = 0; i < 100 && !session?.closed; i++) await sleep(20);
      expect(session?.closed).toBe(true);
      slow.tcp.resume();
      expect(await slow.closeCodeWithin(10_000)).toBe(4000);
      expect(slow.closeReason).toMatch(/queue overflow/);
      return;
    }
    await sleep(1000);
    // The server stopped reading: most of the 16 MiB is still in the client's own send buffer, not queued.
    const pending = (slow.ws as unknown as { bufferedAmount: number }).bufferedAmount;
    expect(pending).toBeGreaterThan(4 * MiB);
    expect(session?.isSocketPaused).toBe(true);
    expect(slow.closeCode).toBeUndefined();
    await assertHealthy(s.url); // other clients are served meanwhile
    slow.tcp.resume();
    for (const id of fetches) expect((await slow.waitFor((f) => f.requestId === id, 30_000)).type).toBe(FrameType.FETCH_RESULT);
    for (const id of produces) {
      const r = await slow.waitFor((f) => f.requestId === id, 30_000);
      expect(r.type === FrameType.PRODUCE_RESULT && r.items[0]!.errorCode).toBe(0);
    }
    expect(slow.closeCode).toBeUndefined();
  }, 60_000);
});

describe("the request budget on the node transport", () => {
  it("frames wait for memory in order, unread; a connection closed while waiting gives its place back", async () => {
    const s = await servers.start({ transport: "node", queuedMaxRequestBytes: 4 * MiB });
    const memory = s.server.broker.requestMemory;
    // What in-flight Kafka requests would hold: a large one the whole budget, small ones the reserve.
    memory.charge(memory.limit);
    memory.charge(memory.reserve);
    expect(memory.exhausted).toBe(true);

    const quitter = await servers.raw(s.url);
    quitter.send({ type: FrameType.PING });
    const patient = await servers.raw(s.url);
    const ids = [1, 2, 3].map(() => patient.send({ type: FrameType.PING }));
    for (let i = 0; i < 100 && memory.waiting < 2; i++) await sleep(20);
    expect(memory.waiting).toBe(2); // one frame per connection waits; the rest are not read
    quitter.terminate();
    for (let i = 0; i < 100 && memory.waiting > 1; i++) await sleep(20);
    expect(memory.waiting).toBe(1);
    await sleep(200);
    expect(patient.frames.filter((f) => f.type === FrameType.PONG)).toEqual([]);

    memory.release(memory.reserve);
    memory.release(memory.limit);
    for (const id of ids) expect((await patient.waitFor((f) => f.requestId === id, 5000)).type).toBe(FrameType.PONG);
    expect(patient.closeCode).toBeUndefined();
    for (let i = 0; i < 100 && memory.inUse > 0; i++) await sleep(20);
    expect(memory.inUse).toBe(0);
    expect(memory.waiting).toBe(0);
  });
});

/** A TCP connection that completed the WebSocket handshake by hand; `received` collects what follows. */
async function handshake(port: number, path = "/ws", extra = ""): Promise<{ socket: Socket; status: string; received: () => Buffer; closed: Promise<void> }> {
  const socket = tcpConnect(port, "127.0.0.1");
  socket.on("error", () => {});
  let buffer = Buffer.alloc(0);
  socket.on("data", (d: Buffer) => (buffer = Buffer.concat([buffer, d])));
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`);
  for (let i = 0; i < 100 && buffer.indexOf("\r\n\r\n") < 0; i++) await sleep(20);
  const end = buffer.indexOf("\r\n\r\n");
  const status = buffer.subarray(0, buffer.indexOf("\r\n")).toString();
  return { socket, status, received: () => buffer.subarray(end + 4), closed };
}

/** A client frame: masked unless told otherwise, FIN set, optional RSV1. */
function frame(opcode: number, payload: Uint8Array, options: { mask?: boolean; rsv1?: boolean; claimLength?: bigint } = {}): Buffer {
  const mask = options.mask ?? true;
  const head: number[] = [0x80 | (options.rsv1 ? 0x40 : 0) | opcode];
  const length = options.claimLength ?? BigInt(payload.length);
  const m = mask ? 0x80 : 0;
  if (length < 126n) head.push(m | Number(length));
  else if (length < 65536n) head.push(m | 126, Number(length >> 8n), Number(length & 255n));
  else {
    head.push(m | 127);
    for (let i = 7; i >= 0; i--) head.push(Number((length >> BigInt(i * 8)) & 255n));
  }
  const key = [1, 2, 3, 4];
  const body = Buffer.from(payload.map((b, i) => (mask ? b ^ key[i % 4]! : b)));
  return Buffer.concat([Buffer.from(head), mask ? Buffer.from(key) : Buffer.alloc(0), body]);
}

/** The close code in the server's frames (unmasked), or undefined if it sent none. */
function closeCodeIn(bytes: Buffer): number | undefined {
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at]! & 0x0f;
    let length = bytes[at + 1]! & 0x7f;
    let start = at + 2;
    if (length === 126) (length = bytes.readUInt16BE(at + 2)), (start += 2);
    else if (length === 127) (length = Number(bytes.readBigUInt64BE(at + 2))), (start += 8);
    if (opcode === 8) return length >= 2 ? bytes.readUInt16BE(start) : 1005;
    at = start + length;
  }
  return undefined;
}

describe("hostile input on the node transport", () => {
  it("bad frames close that connection with the RFC 6455 code; the broker keeps serving", async () => {
    const s = await servers.start({ transport: "node", ws: { maxFrameBytes: 64 * 1024 } });
    const cases: [string, Buffer, number][] = [
      ["invalid UTF-8 in a text frame", frame(1, new Uint8Array([0xc3, 0x28])), 1007],
      ["a valid text frame", frame(1, new TextEncoder().encode("hello")), 4000],
      ["an unmasked client frame", frame(2, new Uint8Array([FrameType.PING, 0, 0, 0, 1]), { mask: false }), 1002],
      ["RSV1 without an extension", frame(2, new Uint8Array([FrameType.PING, 0, 0, 0, 1]), { rsv1: true }), 1002],
      ["a reserved opcode", frame(3, new Uint8Array(4)), 1002],
      ["a length of 2^62 claimed", frame(2, new Uint8Array(0), { claimLength: 2n ** 62n }), 1009],
      ["one byte past maxFrameBytes", frame(2, new Uint8Array(64 * 1024 + 1)), 1009],
      ["garbage after the handshake", Buffer.from("GET / HTTP/1.1\r\n\r\n"), 1002],
    ];
    for (const [what, bytes, code] of cases) {
      const c = await handshake(s.port);
      expect(c.status, what).toBe("HTTP/1.1 101 Switching Protocols");
      c.socket.write(bytes);
      await Promise.race([c.closed, sleep(5000)]);
      expect(closeCodeIn(c.received()), what).toBe(code);
      c.socket.destroy();
    }
    await assertHealthy(s.url);
    for (let i = 0; i < 100 && s.server.ws.sessions.size > 0; i++) await sleep(20);
    expect(s.server.ws.sessions.size).toBe(0);
  });

  it("HTTP on the same port: 426 for a plain GET of /ws, 404 for an upgrade elsewhere, 400 for a bad handshake, HEAD /healthz", async () => {
    const s = await servers.start({ transport: "node" });
    const base = `http://127.0.0.1:${s.port}`;
    const plain = await fetch(`${base}/ws`);
    expect(plain.status).toBe(426);
    expect(plain.headers.get("upgrade")).toBe("websocket");
    const head = await fetch(`${base}/healthz`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(0);
    expect(await head.text()).toBe("");
    expect((await fetch(`${base}/nothing-here`)).status).toBe(404);
    expect((await handshake(s.port, "/metrics")).status).toBe("HTTP/1.1 404 Not Found");
    expect((await handshake(s.port, "/ws", "Sec-WebSocket-Version: 8\r\n")).status).toMatch(/^HTTP\/1.1 400/);
    const refused = await handshake(s.port, "/ws", "Origin: https://evil.example\r\n");
    expect(refused.status).toBe("HTTP/1.1 403 Forbidden");
    expect(refused.received().toString()).toMatch(/allowed-origins/);
    await assertHealthy(s.url);
  });
});

describe("transport choice", () => {
  it("auto picks uws where its native build loads, else node; naming uws where it cannot load fails before binding", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rivulet-transport-"));
    try {
      const auto = await startServer({ dataDir: join(dir, "a"), port: 0, kafkaPort: -1, shards: 1, logLevel: "error" });
      expect(auto.ws.transport).toBe(uwsLoads ? "uws" : "node");
      await auto.close();
      const node = await startServer({ dataDir: join(dir, "b"), port: 0, kafkaPort: -1, shards: 1, logLevel: "error", transport: "node" });
      expect(node.ws.transport).toBe("node");
      expect(await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text()).toMatch(/rivulet_build_info\{[^}]*transport="node"/);
      await node.close();
      if (!uwsLoads) {
        await expect(startServer({ dataDir: join(dir, "c"), port: 0, kafkaPort: -1, shards: 1, logLevel: "error", transport: "uws" })).rejects.toMatchObject({ code: "UWS_NATIVE_UNAVAILABLE" });
        expect(existsSync(join(dir, "c"))).toBe(false); // refused before the data directory is made
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
