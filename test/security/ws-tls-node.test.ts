// TLS on the node transport (node:https + ws), what it adds over uWS: certificates reloaded in place under
// open WebSocket connections (SIGHUP's job), and the client certificate of an mTLS connection authenticating
// the WebSocket as User:<CN> (ACLs apply to it without an AUTH frame; an AUTH frame would replace it).
import { copyFileSync, readFileSync } from "node:fs";
import { connect as tlsConnect } from "node:tls";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { connect } from "../../src/client/index.js";
import { CloseCode, encodeClientFrame, FrameType } from "../../src/protocol/ws/index.js";
import { Operation, PatternType, Permission, ResourceType } from "../../src/security/index.js";
import { inProcessServers } from "../helpers/in-process-servers.js";
import { createTestCa, opensslAvailable, pem } from "../helpers/certs.js";

const { start, tempDir, adopt } = inProcessServers("ws-tls-node");

function servedSerial(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, ca, servername: "localhost" }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.destroy();
      resolve(serial.toUpperCase());
    });
    socket.on("error", reject);
  });
}

/** A WebSocket class for the client library that trusts the test CA and presents `cert` if given. */
function trusting(ca: Buffer, cert?: { cert: string; key: string }) {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { ca, ...(cert ? { cert: readFileSync(cert.cert), key: readFileSync(cert.key) } : {}) });
    }
  };
}

describe.skipIf(!opensslAvailable)("WebSocket TLS on the node transport", () => {
  const ca = opensslAvailable ? createTestCa() : undefined;
  if (ca) adopt(ca.dir);

  it("reloads its certificate in place: new connections get the new one, a connection opened before keeps producing and consuming", async () => {
    const first = ca!.server("first");
    const second = ca!.server("second");
    const dir = tempDir("reload");
    const live = { certFile: join(dir, "server.pem"), keyFile: join(dir, "server.key") };
    copyFileSync(first.cert, live.certFile);
    copyFileSync(first.key, live.keyFile);
    const server = await start({ transport: "node", tls: live, kafkaPort: -1 });
    const caPem = pem(ca!.caCert);
    const url = `wss://127.0.0.1:${server.port}/ws`;
    expect(await servedSerial(server.port, caPem)).toBe(first.serial);
    const before = await connect({ url, WebSocket: trusting(caPem) as never });
    await before.admin.createTopic("reload", { partitions: 1 });
    const consumer = before.consumer({ topic: "reload", from: "earliest" });
    const records = consumer[Symbol.asyncIterator]();
    await before.producer({ acks: "all" }).send({ topic: "reload", partition: 0, value: "before" });
    expect(new TextDecoder().decode((await records.next()).value!.value!)).toBe("before");

    copyFileSync(second.cert, live.certFile);
    copyFileSync(second.key, live.keyFile);
    await server.reloadTls();
    expect(await servedSerial(server.port, caPem)).toBe(second.serial);
    // The open connection carries on, both ways.
    await before.producer({ acks: "all" }).send({ topic: "reload", partition: 0, value: "after" });
    expect(new TextDecoder().decode((await records.next()).value!.value!)).toBe("after");
    // A new connection over the new certificate works.
    const after = await connect({ url, WebSocket: trusting(caPem) as never });
    expect((await after.admin.metadata()).some((t: { name: string }) => t.name === "reload")).toBe(true);
    after.close();

    // A broken file is refused; the certificate in use stays.
    copyFileSync(ca!.caCert.replace("ca.pem", "ca.key"), live.certFile);
    await expect(server.reloadTls()).rejects.toThrow(/not a PEM certificate/);
    expect(await servedSerial(server.port, caPem)).toBe(second.serial);
    await consumer.close();
    before.close();
  });

  it("with --tls-ca, a verified client certificate authenticates the WebSocket as User:<CN>; without one the connection must AUTH", async () => {
    const files = ca!.server("mtls");
    const server = await start({
      transport: "node",
      kafkaPort: -1,
      tls: { certFile: files.cert, keyFile: files.key, caFile: ca!.caCert, requireClientCert: false },
      security: { requireAuthentication: true, authorizer: "acl" },
    });
    server.security.acls.add([
      { principal: "User:alice", operation: Operation.ALL, resourceType: ResourceType.TOPIC, resourceName: "alice-", patternType: PatternType.PREFIXED, host: "*", permission: Permission.ALLOW } as never,
    ]);
    const caPem = pem(ca!.caCert);
    const url = `wss://127.0.0.1:${server.port}/ws`;
    const alice = await connect({ url, WebSocket: trusting(caPem, ca!.client("alice")) as never });
    await alice.admin.createTopic("alice-orders", { partitions: 1 });
    expect((await alice.producer({ acks: "all" }).send({ topic: "alice-orders", partition: 0, value: "mine" })).offset).toBe(0n);
    await expect(alice.admin.createTopic("bob-orders", { partitions: 1 })).rejects.toMatchObject({ code: "TOPIC_AUTHORIZATION_FAILED" });
    alice.close();

    // No certificate, or one no trusted CA signed (client certificates optional here): the handshake
    // succeeds but the connection is anonymous, so anything but AUTH or PING closes it with 4011.
    const metadataCloseCode = (ws: WebSocket) =>
      new Promise<number>((resolve) => {
        ws.once("message", () => ws.send(encodeClientFrame({ type: FrameType.METADATA, requestId: 1, topics: [] })));
        ws.on("close", (c: number) => resolve(c));
        ws.on("error", () => {});
      });
    expect(await metadataCloseCode(new (trusting(caPem))(url))).toBe(CloseCode.AUTHENTICATION_REQUIRED);
    const other = createTestCa();
    adopt(other.dir);
    expect(await metadataCloseCode(new (trusting(caPem, other.client("alice")))(url))).toBe(CloseCode.AUTHENTICATION_REQUIRED);
  });
});
