// TLS on both listeners with real clients: the WebSocket client over wss, kcat (librdkafka) over Kafka SSL,
// client certificates (mTLS) required and refused, and a certificate reload that keeps open connections.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { connect } from "../../src/client/index.js";
import { memoryLogger } from "../../src/log.js";
import { inProcessServers } from "../helpers/in-process-servers.js";
import { createTestCa, opensslAvailable, pem } from "../helpers/certs.js";

const kcatAvailable = spawnSync("kcat", ["-V"], { stdio: "ignore" }).status === 0;
const { start, tempDir, adopt } = inProcessServers("tls");

/** Runs kcat without blocking this process's event loop (the broker under test runs in it). */
function kcat(args: string[], input?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("kcat", args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(input ?? "");
  });
}

/** The serial number of the certificate a TLS server presents now. */
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

describe.skipIf(!opensslAvailable)("TLS", () => {
  const ca = opensslAvailable ? createTestCa() : undefined;
  if (ca) adopt(ca.dir);

  it("serves the WebSocket protocol over wss: the client produces and consumes; a client without the CA is refused", async () => {
    const files = ca!.server("ws");
    const server = await start({ tls: { certFile: files.cert, keyFile: files.key }, kafkaPort: -1 });
    const caPem = pem(ca!.caCert);
    class TrustingWebSocket extends WebSocket {
      constructor(url: string) {
        super(url, { ca: caPem });
      }
    }
    const client = await connect({ url: `wss://127.0.0.1:${server.port}/ws`, WebSocket: TrustingWebSocket as never });
    await client.admin.createTopic("secure", { partitions: 1 });
    const { offset } = await client.producer({ acks: "all" }).send({ topic: "secure", partition: 0, value: "over tls" });
    expect(offset).toBe(0n);
    const consumer = client.consumer({ topic: "secure", from: "earliest" });
    for await (const record of consumer) {
      expect(new TextDecoder().decode(record.value!)).toBe("over tls");
      break;
    }
    await consumer.close();
    client.close();
    const untrusted = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`wss://127.0.0.1:${server.port}/ws`);
      ws.on("open", () => resolve("open"));
      ws.on("error", (e) => resolve(e.message));
    });
    expect(untrusted).toMatch(/self-signed|unable to verify|certificate/i);
    // Plain ws:// to a TLS port gets nothing useful.
    const plain = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
      ws.on("open", () => resolve("open"));
      ws.on("error", (e) => resolve(e.message));
    });
    expect(plain).not.toBe("open");
  });

  it.skipIf(!kcatAvailable)("serves Kafka SSL to librdkafka (kcat), and with --tls-ca requires a client certificate", async () => {
    const files = ca!.server("kafka");
    const server = await start({ kafkaTls: { certFile: files.cert, keyFile: files.key, caFile: ca!.caCert } });
    const broker = `127.0.0.1:${server.kafkaPort}`;
    const ssl = ["-X", "security.protocol=ssl", "-X", `ssl.ca.location=${ca!.caCert}`];
    const alice = ca!.client("alice");
    const withCert = [...ssl, "-X", `ssl.certificate.location=${alice.cert}`, "-X", `ssl.key.location=${alice.key}`];
    await server.broker.createTopic("tls-kafka", { partitions: 1 });

    const produced = await kcat(["-b", broker, ...withCert, "-P", "-t", "tls-kafka", "-p", "0"], "one\ntwo\n");
    expect(produced.status, produced.stderr).toBe(0);
    const consumed = await kcat(["-b", broker, ...withCert, "-C", "-t", "tls-kafka", "-p", "0", "-o", "beginning", "-e", "-q"]);
    expect(consumed.stdout.trim().split("\n"), consumed.stderr).toEqual(["one", "two"]);

    const noCert = await kcat(["-b", broker, ...ssl, "-L", "-m", "5"]);
    expect(noCert.status).not.toBe(0);
    const plaintext = await kcat(["-b", broker, "-L", "-m", "5"]);
    expect(plaintext.status).not.toBe(0);
  });

  it("reloads Kafka certificates (SIGHUP's job) under open connections; the WebSocket listener swaps its own on the node transport, keeps them until restart on uWS", async () => {
    const first = ca!.server("first");
    const second = ca!.server("second");
    const dir = tempDir("reload");
    const live = { certFile: join(dir, "server.pem"), keyFile: join(dir, "server.key") };
    copyFileSync(first.cert, live.certFile);
    copyFileSync(first.key, live.keyFile);
    const server = await start({ tls: live, kafkaTls: live });
    const caPem = pem(ca!.caCert);
    expect(await servedSerial(server.port, caPem)).toBe(first.serial);
    expect(await servedSerial(server.kafkaPort, caPem)).toBe(first.serial);
    const before = await kafkaApiVersionsOver(server.kafkaPort, caPem);

    copyFileSync(second.cert, live.certFile);
    copyFileSync(second.key, live.keyFile);
    await server.reloadTls();
    expect(await servedSerial(server.kafkaPort, caPem)).toBe(second.serial);
    expect(await servedSerial(server.port, caPem)).toBe(server.ws.transport === "node" ? second.serial : first.serial);
    // The Kafka connection opened before the reload still answers.
    expect(await before.ask()).toBeGreaterThan(0);
    before.close();
  });

  // Hostile input at the handshake: plain bytes at a TLS port, again and again (a scanner, a client without
  // TLS in a retry loop). Each connection is refused; the broker's log says so once per address and door.
  it("a peer sending plain bytes to the TLS ports 20 times is refused each time and logged once per door; TLS clients are still served", async () => {
    const files = ca!.server("garbage");
    const logger = memoryLogger();
    const server = await start({ logger, transport: "node", tls: { certFile: files.cert, keyFile: files.key }, kafkaTls: { certFile: files.cert, keyFile: files.key } });
    const garbage = (port: number) =>
      new Promise<void>((resolve) => {
        const socket = netConnect(port, "127.0.0.1", () => socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        socket.on("close", () => resolve());
        socket.on("error", () => resolve());
      });
    for (let i = 0; i < 20; i++) await Promise.all([garbage(server.port), garbage(server.kafkaPort)]);
    const warned = logger.entries.filter((e) => e.level === "warn" && /TLS handshake failed/.test(e.msg)).map((e) => `${e.msg} ${String(e.remote)}`);
    expect(warned.sort()).toEqual(["kafka TLS handshake failed 127.0.0.1", "websocket TLS handshake failed 127.0.0.1"]);
    expect(await servedSerial(server.port, pem(ca!.caCert))).toMatch(/^[0-9A-F]+$/);
    expect(await servedSerial(server.kafkaPort, pem(ca!.caCert))).toMatch(/^[0-9A-F]+$/);
  });

  it("refuses to start on a missing or non-PEM certificate, naming the file", async () => {
    await expect(start({ tls: { certFile: "/nonexistent/cert.pem", keyFile: "/nonexistent/key.pem" } })).rejects.toThrow(/cert\.pem/);
    await expect(start({ kafkaTls: { certFile: ca!.caCert.replace("ca.pem", "ca.key"), keyFile: ca!.caCert } })).rejects.toThrow(/not a PEM certificate/);
  });
});

/** A Kafka TLS connection kept open: ask() sends ApiVersions v0 and resolves with the response size. */
async function kafkaApiVersionsOver(port: number, ca: Buffer) {
  const socket = await new Promise<import("node:tls").TLSSocket>((resolve, reject) => {
    const s = tlsConnect({ host: "127.0.0.1", port, ca, servername: "localhost" }, () => resolve(s));
    s.on("error", reject);
  });
  let correlation = 0;
  return {
    ask: () =>
      new Promise<number>((resolve) => {
        socket.once("data", (data: Buffer) => resolve(data.readInt32BE(0)));
        const request = Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, ++correlation, 0, 0]);
        socket.write(request);
      }),
    close: () => socket.destroy(),
  };
}
