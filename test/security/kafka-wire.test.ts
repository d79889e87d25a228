// The SASL state machine on the wire, with our own codecs over a raw socket: SaslHandshake v0 (bare tokens)
// and v1, refusals that close the connection as Kafka does (unsupported mechanism, SaslAuthenticate out of
// order), OAUTHBEARER's session lifetime and the close of a connection used after its token expired.

import { connect, type Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKey, decodeResponseFrame, encodeRequestFrame, FrameDecoder, frameEncode, type ApiKeyValue, type RequestOf, type ResponseOf } from "../../src/protocol/kafka/index.js";
import { ScramClient } from "../../src/security/index.js";
import { kafkaServers, type KafkaTestServer } from "../kafka/helpers.js";
import { makeKeys, sign, type TestKeys } from "./keys.js";

const servers = kafkaServers();
const keyDir = mkdtempSync(join(tmpdir(), "rivulet-wire-keys-"));
afterAll(() => rmSync(keyDir, { recursive: true, force: true }));
let s: KafkaTestServer;
let keys: TestKeys;

beforeAll(async () => {
  keys = makeKeys(keyDir);
  s = await servers.start({ security: { requireAuthentication: true, jwt: { keyFile: keys.files.edPem }, failedAuthenticationDelayMs: 0 } });
  await s.server.security.users.setPassword("alice", "pw", ["SCRAM-SHA-256"]);
});

class Wire {
  private readonly decoder = new FrameDecoder();
  private readonly frames: Uint8Array[] = [];
  private wake: (() => void) | undefined;
  closed = false;
  private id = 1;
  private constructor(readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.frames.push(...this.decoder.push(new Uint8Array(d)));
      this.wake?.();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on("error", () => {});
  }
  static async open(port: number): Promise<Wire> {
    const socket = connect(port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    return new Wire(socket);
  }
  async next(): Promise<Uint8Array | undefined> {
    while (!this.frames.length && !this.closed) await new Promise<void>((r) => (this.wake = r));
    return this.frames.shift();
  }
  async request<K extends ApiKeyValue>(key: K, version: number, req: RequestOf<K>): Promise<ResponseOf<K> | undefined> {
    this.socket.write(Buffer.concat(encodeRequestFrame(key, version, this.id++, "wire", req)));
    const frame = await this.next();
    return frame && decodeResponseFrame(key, version, frame).response;
  }
  async raw(token: Uint8Array): Promise<Uint8Array | undefined> {
    this.socket.write(frameEncode(token));
    return this.next();
  }
  async closedWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }
}

const metadata = { topics: null, allowAutoTopicCreation: false };

describe("SASL on the wire", () => {
  it("SaslHandshake v0 then bare PLAIN token: an empty reply, then requests are served", async () => {
    const w = await Wire.open(s.kafkaPort);
    expect((await w.request(ApiKey.SaslHandshake, 0, { mechanism: "PLAIN" }))?.errorCode).toBe(0);
    expect(await w.raw(Buffer.from("\0alice\0pw"))).toEqual(new Uint8Array(0));
    expect((await w.request(ApiKey.Metadata, 1, metadata))?.brokers).toHaveLength(1);
    w.socket.destroy();
  });

  it("SaslHandshake v0 then bare SCRAM tokens; a wrong password closes without a reply", async () => {
    const w = await Wire.open(s.kafkaPort);
    await w.request(ApiKey.SaslHandshake, 0, { mechanism: "SCRAM-SHA-256" });
    const scram = new ScramClient("SCRAM-SHA-256", "alice", "pw");
    const serverFirst = (await w.raw(scram.first()))!;
    scram.verify((await w.raw(await scram.final(serverFirst)))!);
    expect((await w.request(ApiKey.Metadata, 1, metadata))?.brokers).toHaveLength(1);
    w.socket.destroy();
    const bad = await Wire.open(s.kafkaPort);
    await bad.request(ApiKey.SaslHandshake, 0, { mechanism: "PLAIN" });
    expect(await bad.raw(Buffer.from("\0alice\0nope"))).toBeUndefined();
    expect(bad.closed).toBe(true);
  });

  it("an unsupported mechanism gets 33 and the mechanism list, then the connection closes", async () => {
    const w = await Wire.open(s.kafkaPort);
    const r = await w.request(ApiKey.SaslHandshake, 1, { mechanism: "GSSAPI" });
    expect(r?.errorCode).toBe(33);
    expect(r?.mechanisms).toEqual(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"]);
    expect(await w.closedWithin(2000)).toBe(true);
  });

  it("SaslAuthenticate without a handshake, or a second handshake mid-exchange, is ILLEGAL_SASL_STATE and a close", async () => {
    const a = await Wire.open(s.kafkaPort);
    expect((await a.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from("\0alice\0pw") }))?.errorCode).toBe(34);
    expect(await a.closedWithin(2000)).toBe(true);
    const b = await Wire.open(s.kafkaPort);
    await b.request(ApiKey.SaslHandshake, 1, { mechanism: "SCRAM-SHA-256" });
    expect((await b.request(ApiKey.SaslHandshake, 1, { mechanism: "PLAIN" }))?.errorCode).toBe(34);
    expect(await b.closedWithin(2000)).toBe(true);
  });

  it("OAUTHBEARER reports the token's lifetime (v1+), allows re-authentication, and closes a connection used after expiry", { timeout: 15_000 }, async () => {
    const w = await Wire.open(s.kafkaPort);
    const token = await sign(keys, "EdDSA", { sub: "svc" }, { expiresInSec: 2 });
    await w.request(ApiKey.SaslHandshake, 1, { mechanism: "OAUTHBEARER" });
    const r = await w.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`) });
    expect(r?.errorCode).toBe(0);
    expect(Number(r?.sessionLifetimeMs)).toBeGreaterThan(0);
    expect(Number(r?.sessionLifetimeMs)).toBeLessThanOrEqual(2000);
    // Re-authentication (KIP-368) with the same principal and a longer token keeps the connection going.
    // exp has one-second granularity: 5 s leaves at least 4 s, well past the first token's end.
    const longer = await sign(keys, "EdDSA", { sub: "svc" }, { expiresInSec: 5 });
    await w.request(ApiKey.SaslHandshake, 1, { mechanism: "OAUTHBEARER" });
    expect((await w.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from(`n,,\u0001auth=Bearer ${longer}\u0001\u0001`) }))?.errorCode).toBe(0);
    await new Promise((res) => setTimeout(res, 2100));
    expect((await w.request(ApiKey.Metadata, 1, metadata))?.brokers).toHaveLength(1);
    await new Promise((res) => setTimeout(res, 3100));
    expect(await w.request(ApiKey.Metadata, 1, metadata)).toBeUndefined();
    expect(w.closed).toBe(true);
  });

  it("a token naming a different authorization id is refused", async () => {
    const w = await Wire.open(s.kafkaPort);
    const token = await sign(keys, "EdDSA", { sub: "svc" }, { expiresInSec: 60 });
    await w.request(ApiKey.SaslHandshake, 1, { mechanism: "OAUTHBEARER" });
    // RFC 7628: the error challenge first, the failure after the client's %x01.
    const challenged = await w.request(ApiKey.SaslAuthenticate, 1, { authBytes: Buffer.from(`n,a=admin,\u0001auth=Bearer ${token}\u0001\u0001`) });
    expect([challenged?.errorCode, JSON.parse(Buffer.from(challenged!.authBytes).toString())]).toEqual([0, { status: "invalid_token" }]);
    expect((await w.request(ApiKey.SaslAuthenticate, 1, { authBytes: Uint8Array.of(1) }))?.errorCode).toBe(58);
    expect(await w.closedWithin(2000)).toBe(true);
  });
});
