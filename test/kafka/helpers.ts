// Rivulet servers with the Kafka listener on temporary data dirs, for the Kafka client tests; children
// (kcat, python) run with timeouts and are killed after the file's tests whatever happened.
//
// Golden-byte capture: with RIVULET_CAPTURE=1 in the environment, a server started with
// `{ capture: "<client>" }` writes the first request frame of every API/version it receives to
// test/fixtures/kafka/<client>/<api>_request_v<N>_000.hex (existing files are kept).

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import { memoryLogger, type Logger } from "../../src/log.js";
import { ApiKey, decodeRequestHeader } from "../../src/protocol/kafka/index.js";
import { startServer, type RivuletServer, type ServerConfig } from "../../src/server.js";
import { testTransport } from "../helpers/transport.js";

export const PYTHON = "/usr/bin/python3";
export const CLIENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "clients");
export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/kafka");

export interface KafkaTestServer {
  readonly server: RivuletServer;
  readonly kafkaPort: number;
  readonly bootstrap: string;
  readonly wsUrl: string;
  readonly dataDir: string;
  readonly logger: ReturnType<typeof memoryLogger>;
  stop(): Promise<void>;
  /** Stops and starts again on the same data dir and the same ports. */
  restart(): Promise<void>;
}

export interface StartOptions extends ServerConfig {
  /** Capture request frames into test/fixtures/kafka/<capture>/ when RIVULET_CAPTURE=1. */
  capture?: string;
}

const snake = new Map(Object.entries(ApiKey).map(([name, key]) => [key as number, name.replace(/[A-Z]/g, (c, i: number) => (i ? "_" : "") + c.toLowerCase())]));

/** Which client ids belong to each captured client (the tests also talk through kafkajs admin clients). */
const CLIENT_IDS: Record<string, RegExp> = { kcat: /^rdkafka$/, "confluent-kafka": /^rdkafka$/, "kafka-python": /^kafka-python/ };

function captureTo(client: string): (frame: Uint8Array) => void {
  const dir = join(FIXTURES_DIR, client);
  const ids = CLIENT_IDS[client] ?? /./;
  const seen = new Set<string>();
  return (frame) => {
    let header;
    try {
      header = decodeRequestHeader(frame).header;
    } catch {
      return;
    }
    const api = snake.get(header.apiKey);
    if (!api || !ids.test(header.clientId ?? "")) return;
    const name = `${api}_request_v${header.apiVersion}_000.hex`;
    if (seen.has(name)) return;
    seen.add(name);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, name);
    if (existsSync(file)) return;
    const whole = new Uint8Array(4 + frame.length);
    new DataView(whole.buffer).setInt32(0, frame.length);
    whole.set(frame, 4);
    const hex = Buffer.from(whole).toString("hex").replace(/(.{64})/g, "$1\n").trim();
    writeFileSync(file, hex + "\n");
  };
}

export function kafkaServers() {
  const servers = new Set<RivuletServer>();
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all([...servers].map((s) => s.close().catch(() => {})));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  return {
    async start(options: StartOptions = {}): Promise<KafkaTestServer> {
      const { capture, ...config } = options;
      const dataDir = config.dataDir ?? mkdtempSync(join(tmpdir(), "rivulet-kafka-"));
      if (!config.dataDir) dirs.push(dataDir);
      const logger = memoryLogger();
      const onRequestFrame = capture && process.env.RIVULET_CAPTURE === "1" ? captureTo(capture) : undefined;
      const launch = async (kafkaPort: number, port: number) => {
        const s = await startServer({
          transport: testTransport(),
          shards: 2,
          flushTickMs: 20,
          host: "127.0.0.1",
          ...config,
          logger: config.logger ?? (logger as Logger),
          dataDir,
          port,
          kafkaPort,
          kafka: { ...config.kafka, onRequestFrame: onRequestFrame ?? config.kafka?.onRequestFrame },
        });
        servers.add(s);
        return s;
      };
      let server = await launch(config.kafkaPort ?? 0, config.port ?? 0);
      const kafkaPort = server.kafkaPort;
      const wsPort = server.port;
      return {
        get server() {
          return server;
        },
        kafkaPort,
        bootstrap: `127.0.0.1:${kafkaPort}`,
        wsUrl: `ws://127.0.0.1:${wsPort}/ws`,
        dataDir,
        logger,
        async stop() {
          await server.close();
          servers.delete(server);
        },
        async restart() {
          await server.close();
          servers.delete(server);
          // The same ports again: a listener the old server's close has not fully released yet (seen on
          // Node 24's node:http transport) answers EADDRINUSE for a moment; retry for up to 5 s.
          for (let attempt = 0; ; attempt++) {
            try {
              server = await launch(kafkaPort, wsPort);
              return;
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= 50) throw error;
              await new Promise((r) => setTimeout(r, 100));
            }
          }
        },
      };
    },
  };
}

export { runProcess as run, type RunResult } from "../helpers/run-process.js";

/** Long-running children (consumers in a group), killed after the file's tests. */
export function children() {
  const live = new Set<ChildProcess>();
  afterAll(() => {
    for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });
  return {
    spawn(file: string, args: string[]): ChildProcess & { output: () => string; exited: Promise<number | null> } {
      const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
      live.add(child);
      let out = "";
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      return Object.assign(child, { output: () => out, exited });
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a truthy value or timeoutMs passes (then throws with `what`). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** A temp directory removed after the file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The compression id of every whole batch in a fetched records buffer. */
export function batchCompressions(records: Uint8Array): number[] {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const out: number[] = [];
  for (let at = 0; at + 61 <= records.length; at += 12 + view.getInt32(at + 8)) out.push(records[at + 22]! & 0x07);
  return out;
}
