// The replication port's authentication over real sockets (src/cluster/replica-transport.ts), in one
// process: a client with the cluster secret is served and its handler learns the broker it proved; a
// client with another secret is refused with SASL_AUTHENTICATION_FAILED before any handler runs (one warn
// line per address however often it retries, the secret in none); a follower refuses an impostor leader
// that lacks the secret and sends it no request; an unauthenticated request frame closes the connection;
// a connection that never authenticates is closed after the handshake time limit. Over TLS (the broker's
// certificate): authenticated without checking the certificate, a plain TCP client gets nothing, and a
// relay terminating TLS on each side (a man in the middle) is refused, the proofs being bound to the session.

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createConnection, createServer, type Socket } from "node:net";
import { connect as connectTls, createServer as createTlsServer } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { memoryLogger } from "../../src/log.js";
import { ServerHandshake } from "../../src/cluster/replica-auth.js";
import { ReplicaClient, ReplicaServer, type ReplicaPeer } from "../../src/cluster/replica-transport.js";
import { encodeFrame, FrameReader, type Frame } from "../../src/cluster/wire.js";
import { createTestCa, opensslAvailable } from "../helpers/certs.js";

const secret = randomBytes(32);
const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function server(handshakeTimeoutMs?: number) {
  const logger = memoryLogger();
  const served: Array<{ header: Frame["header"]; peer: ReplicaPeer }> = [];
  const s = await ReplicaServer.start("127.0.0.1", 0, async (header, peer) => {
    served.push({ header, peer });
    return { header: { echoed: header.type } };
  }, logger, { secret, brokerId: 1 }, { handshakeTimeoutMs });
  closers.push(() => s.close());
  return { port: s.port, served, logger };
}

function client(port: number, credentials: { secret: Buffer; brokerId: number }, peerId = 1, tls = false): ReplicaClient {
  const c = new ReplicaClient("127.0.0.1", port, peerId, credentials, tls);
  closers.push(() => c.close());
  return c;
}

describe("replication transport authentication", () => {
  it("serves a peer holding the secret, and tells the handler which broker it proved", async () => {
    const { port, served } = await server();
    const c = client(port, { secret, brokerId: 2 });
    // Several requests before the handshake is done: queued, then all answered in order.
    const replies = await Promise.all([c.request({ type: "a" }, 5000), c.request({ type: "b" }, 5000)]);
    expect(replies.map((r) => r.header.echoed)).toEqual(["a", "b"]);
    expect(served.map((s) => s.peer.brokerId)).toEqual([2, 2]);
  });

  it("refuses a peer with another secret before any handler runs, warning once per address", async () => {
    const { port, served, logger } = await server();
    const wrong = randomBytes(32);
    for (let i = 0; i < 3; i++) {
      await expect(client(port, { secret: wrong, brokerId: 2 }).request({ type: "fetch" }, 5000)).rejects.toThrow(/SASL_AUTHENTICATION_FAILED/);
    }
    expect(served).toEqual([]);
    const warns = logger.entries.filter((e) => e.level === "warn");
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ msg: "replication connection refused: not authenticated", remote: "127.0.0.1" });
    const logged = JSON.stringify(logger.entries);
    for (const key of [secret, wrong]) expect(logged).not.toContain(key.toString("base64"));
  });

  it("refuses an impostor leader without the secret and sends it no request", async () => {
    // The impostor speaks the handshake with its own secret and accepts any client.
    const received: Array<Record<string, unknown>> = [];
    const impostor = createServer((socket: Socket) => {
      const handshake = new ServerHandshake(randomBytes(32), 1);
      const reader = new FrameReader();
      socket.on("error", () => {});
      socket.write(encodeFrame(handshake.challenge()));
      socket.on("data", (chunk) => {
        for (const frame of reader.push(chunk)) {
          received.push(frame.header);
          if (frame.header.type === "authenticate") {
            socket.write(encodeFrame({ id: 0, type: "authenticated", brokerId: 1, proof: randomBytes(32).toString("base64") }));
          }
        }
      });
    });
    await new Promise<void>((r) => impostor.listen(0, "127.0.0.1", r));
    closers.push(() => new Promise((r) => impostor.close(r)));
    const port = (impostor.address() as { port: number }).port;
    await expect(client(port, { secret, brokerId: 2 }).request({ type: "fetch", brokerId: 2 }, 5000)).rejects.toThrow(/SASL_AUTHENTICATION_FAILED/);
    expect(received.map((h) => h.type)).toEqual(["authenticate"]);
  });

  it("closes on a request frame sent before authenticating, and after the time limit when nothing comes", async () => {
    const { port, served } = await server(300);
    const closedAfter = async (bytes?: Buffer) => {
      const socket = createConnection({ host: "127.0.0.1", port });
      socket.resume();
      const started = Date.now();
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      if (bytes) socket.write(bytes);
      await new Promise<void>((resolve) => socket.once("close", () => resolve()));
      return Date.now() - started;
    };
    expect(await closedAfter(encodeFrame({ id: 1, type: "fetch", topic: "t", partition: 0, brokerId: 2, leaderEpoch: 0, offset: 0n }))).toBeLessThan(250);
    expect(await closedAfter()).toBeGreaterThanOrEqual(250);
    expect(served).toEqual([]);
  });
});

describe("replication transport over TLS", () => {
  const ca = opensslAvailable ? createTestCa() : undefined;
  const files = (name: string) => {
    const f = ca!.server(name);
    return { cert: readFileSync(f.cert), key: readFileSync(f.key) };
  };

  it.skipIf(!opensslAvailable)("authenticates over TLS, and refuses a plain TCP client and a man in the middle", async () => {
    const logger = memoryLogger();
    const served: number[] = [];
    const s = await ReplicaServer.start("127.0.0.1", 0, async (_, peer) => (served.push(peer.brokerId), { header: { ok: 1 } }), logger, { secret, brokerId: 1 }, { tls: files("real") });
    closers.push(() => s.close());
    expect((await client(s.port, { secret, brokerId: 2 }, 1, true).request({ type: "hw" }, 5000)).header.ok).toBe(1);
    expect(served).toEqual([2]);
    // Plain TCP to the TLS listener: no challenge ever comes.
    await expect(client(s.port, { secret, brokerId: 2 }, 1, false).request({ type: "hw" }, 1000)).rejects.toThrow();
    // A relay that terminates TLS with its own certificate on each side and copies the bytes: the client's
    // proof is bound to its session with the relay, the server's to its session with the relay.
    const relayTls = files("relay");
    const relay = createTlsServer({ ...relayTls, minVersion: "TLSv1.3" }, (front) => {
      const back = connectTls({ host: "127.0.0.1", port: s.port, rejectUnauthorized: false, minVersion: "TLSv1.3" });
      front.pipe(back).pipe(front);
      for (const end of [front, back]) end.on("error", () => (front.destroy(), back.destroy()));
      for (const end of [front, back]) end.on("close", () => (front.destroy(), back.destroy()));
    });
    await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
    closers.push(() => new Promise((r) => relay.close(r)));
    const relayPort = (relay.address() as { port: number }).port;
    await expect(client(relayPort, { secret, brokerId: 2 }, 1, true).request({ type: "hw" }, 5000)).rejects.toThrow(/SASL_AUTHENTICATION_FAILED/);
    expect(served).toEqual([2]);
  });

  it.skipIf(!opensslAvailable)("takes new certificates for new connections on reload (SIGHUP)", async () => {
    const first = ca!.server("first");
    const s = await ReplicaServer.start("127.0.0.1", 0, async () => ({ header: {} }), memoryLogger(), { secret, brokerId: 1 }, { tls: { cert: readFileSync(first.cert), key: readFileSync(first.key) } });
    closers.push(() => s.close());
    const serialSeen = () => new Promise<string>((resolve, reject) => {
      const socket = connectTls({ host: "127.0.0.1", port: s.port, rejectUnauthorized: false }, () => {
        resolve(socket.getPeerCertificate().serialNumber);
        socket.destroy();
      }).on("error", reject);
    });
    expect((await serialSeen()).toUpperCase()).toBe(first.serial.toUpperCase());
    const second = ca!.server("second");
    s.reloadTls({ cert: readFileSync(second.cert), key: readFileSync(second.key) });
    expect((await serialSeen()).toUpperCase()).toBe(second.serial.toUpperCase());
  });
});
