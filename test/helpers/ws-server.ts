// Rivulet servers on temporary data directories for the WebSocket tests, plus a raw-frame socket for
// protocol-level checks. Everything started through here is closed (and its directory removed) after the
// file's tests, even when a test failed halfway.
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import WebSocket from "ws";
import { connect, type RivuletClient } from "../../src/client/index.js";
import { decodeServerFrame, encodeClientFrame, FrameType, type ClientFrame, type ServerFrame } from "../../src/protocol/ws/index.js";
import { startServer, type RivuletServer, type ServerConfig } from "../../src/server.js";
import { testTransport } from "./transport.js";

export interface TestServer {
  /** The running server (a new one after restart()). */
  readonly server: RivuletServer;
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Closes this server (idempotent). */
  stop(): Promise<void>;
  /** Closes the server and starts a new one on the same data dir and port. */
  restart(): Promise<void>;
}

/** connect()'s options but the url (the test server's). */
type ClientOptions = Omit<Parameters<typeof connect>[0] & object, "url">;

export function wsServers() {
  const dirs: string[] = [];
  const servers = new Set<RivuletServer>();
  const clients = new Set<RivuletClient>();
  const sockets = new Set<RawSocket>();
  afterAll(async () => {
    for (const socket of sockets) socket.terminate();
    for (const client of clients) client.close();
    await Promise.all([...servers].map((s) => s.close().catch(() => {})));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function launch(config: ServerConfig): Promise<RivuletServer> {
    const server = await startServer({ shards: 2, logLevel: "error", flushTickMs: 20, host: "127.0.0.1", kafkaPort: -1, transport: testTransport(), ...config });
    servers.add(server);
    return server;
  }

  return {
    async start(config: ServerConfig = {}): Promise<TestServer> {
      const dataDir = config.dataDir ?? mkdtempSync(join(tmpdir(), "rivulet-ws-"));
      if (!config.dataDir) dirs.push(dataDir);
      let server = await launch({ ...config, dataDir, port: config.port ?? 0 });
      const port = server.port;
      const handle: TestServer = {
        get server() {
          return server;
        },
        url: `ws://127.0.0.1:${port}/ws`,
        port,
        dataDir,
        async stop() {
          await server.close();
          servers.delete(server);
        },
        async restart() {
          await handle.stop();
          server = await launch({ ...config, dataDir, port });
        },
      };
      return handle;
    },
    /** A client that is closed after the file's tests. */
    async client(url: string, options: ClientOptions = {}): Promise<RivuletClient> {
      const client = await connect({ url, ...options });
      clients.add(client);
      return client;
    },
    /** A raw protocol socket (the `ws` package and the codec), already past WELCOME. */
    async raw(url: string): Promise<RawSocket> {
      const socket = await RawSocket.open(url);
      sockets.add(socket);
      return socket;
    },
  };
}

/** A server and a client of it that every test of a file shares. */
export interface SharedServer {
  /** Readable once the file's beforeAll ran. */
  readonly srv: TestServer;
  readonly client: RivuletClient;
}

/** Starts one server and one client of it before a file's tests (beforeAll); `env` closes both after them. */
export function sharedServer(env: ReturnType<typeof wsServers>, config: ServerConfig = {}, clientOptions: ClientOptions = {}): SharedServer {
  let srv: TestServer | undefined;
  let client: RivuletClient | undefined;
  beforeAll(async () => {
    srv = await env.start(config);
    client = await env.client(srv.url, clientOptions);
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("sharedServer: used before the file's beforeAll ran");
    return value;
  };
  return {
    get srv() {
      return started(srv);
    },
    get client() {
      return started(client);
    },
  };
}

type Input = ClientFrame extends infer F ? (F extends { requestId: number } ? Omit<F, "requestId"> & { requestId?: number } : never) : never;

/** A WebSocket that speaks frames: send encoded client frames, await decoded server frames. */
export class RawSocket {
  readonly frames: ServerFrame[] = [];
  /** Raw binary messages that did not decode (should never happen). */
  readonly undecodable: Uint8Array[] = [];
  closeCode: number | undefined;
  closeReason = "";
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters = new Set<() => void>();
  private nextId = 1;
  welcome!: Extract<ServerFrame, { type: typeof FrameType.WELCOME }>;

  private constructor(readonly ws: WebSocket) {
    ws.binaryType = "nodebuffer";
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.undecodable.push(new Uint8Array(data));
      else {
        try {
          this.frames.push(decodeServerFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
        } catch {
          this.undecodable.push(new Uint8Array(data));
        }
      }
      this.notify();
    });
    this.closed = new Promise((resolve) => {
      ws.on("close", (code: number, reason: Buffer) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        this.notify();
        resolve({ code, reason: this.closeReason });
      });
    });
    ws.on("error", () => {});
  }

  static async open(url: string): Promise<RawSocket> {
    const socket = new RawSocket(new WebSocket(url));
    const welcome = await socket.waitFor((f) => f.type === FrameType.WELCOME, 5000);
    socket.welcome = welcome as RawSocket["welcome"];
    return socket;
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Sends a client frame; returns its request id. */
  send(frame: Input): number {
    const requestId = frame.requestId ?? this.nextId++;
    this.ws.send(encodeClientFrame({ ...frame, requestId } as ClientFrame));
    return requestId;
  }

  sendBytes(bytes: Uint8Array | string, binary = true): void {
    this.ws.send(bytes, { binary });
  }

  /** Sends a request and waits for the response with the same id (any type, ERROR included). */
  async request(frame: Input, timeoutMs = 10_000): Promise<ServerFrame> {
    const id = this.send(frame);
    return this.waitFor((f) => f.requestId === id && f.type !== FrameType.CHUNK && f.type !== FrameType.GAP && f.type !== FrameType.STALLED, timeoutMs);
  }

  /** The first received frame (past or future) matching `match`; removes it from `frames`. */
  waitFor(match: (f: ServerFrame) => boolean, timeoutMs = 10_000): Promise<ServerFrame> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const at = this.frames.findIndex(match);
        if (at >= 0) {
          done();
          resolve(this.frames.splice(at, 1)[0]!);
        } else if (this.closeCode !== undefined) {
          done();
          reject(new Error(`socket closed (${this.closeCode} ${this.closeReason}) while waiting`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching frame within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves with the close code, or rejects after timeoutMs. */
  async closeCodeWithin(timeoutMs: number): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`socket not closed within ${timeoutMs} ms`)), timeoutMs)));
    try {
      return (await Promise.race([this.closed, timeout])).code;
    } finally {
      clearTimeout(timer);
    }
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** The TCP socket under the WebSocket (to pause reading). */
  get tcp(): { pause(): void; resume(): void } {
    return (this.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** Checks a second, fresh client can still create, produce and read: the broker keeps serving. */
export async function assertHealthy(url: string): Promise<void> {
  const socket = await RawSocket.open(url);
  try {
    const pong = await socket.request({ type: FrameType.PING });
    if (pong.type !== FrameType.PONG) throw new Error(`expected PONG, got 0x${pong.type.toString(16)}`);
    const meta = await socket.request({ type: FrameType.METADATA, topics: [] });
    if (meta.type !== FrameType.METADATA_RESULT) throw new Error(`expected METADATA_RESULT, got 0x${meta.type.toString(16)}`);
  } finally {
    socket.terminate();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes));

export interface ChildServer {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly dataDir: string;
  /** Resident set size of the whole server process, from /proc/<pid>/status (VmRSS). */
  rss(): number;
  /** process.memoryUsage() and the sessions' state, reported by the child. */
  stats(): Promise<ChildStats>;
  /** Graceful close (the child exits). */
  close(): Promise<void>;
}

export interface ChildStats {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  sessions: { id: number; socketPaused: boolean; framesOut: number; bytesOut: number; subscriptions: { id: number; credit: number; offsets: string[] }[] }[];
}

/**
 * Servers in child processes (test/helpers/ws-server-child.mjs, running dist/), killed after the file's
 * tests whatever happened.
 */
export function childServers() {
  const children = new Set<ChildProcess>();
  const dirs: string[] = [];
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return {
    async start(config: ServerConfig = {}): Promise<ChildServer> {
      const dataDir = mkdtempSync(join(tmpdir(), "rivulet-child-"));
      dirs.push(dataDir);
      const script = fileURLToPath(new URL("./ws-server-child.mjs", import.meta.url));
      const child = fork(script, [JSON.stringify({ shards: 2, host: "127.0.0.1", flushTickMs: 20, kafkaPort: -1, ...config, dataDir, port: 0 })], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
      children.add(child);
      const ready = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("child server did not start within 30 s")), 30_000);
        child.once("exit", (code) => reject(new Error(`child server exited with ${code} before it was ready`)));
        child.on("message", (m: { type: string; port: number; pid: number }) => {
          if (m.type === "ready") {
            clearTimeout(timer);
            resolve(m);
          }
        });
      });
      let nextId = 1;
      const call = <T>(type: string): Promise<T> => {
        const id = nextId++;
        return new Promise<T>((resolve, reject) => {
          const onMessage = (m: { type: string; id: number }) => {
            if (m.id !== id) return;
            child.off("message", onMessage);
            resolve(m as T);
          };
          child.on("message", onMessage);
          if (!child.send({ type, id })) reject(new Error("child IPC channel closed"));
        });
      };
      return {
        pid: ready.pid,
        port: ready.port,
        url: `ws://127.0.0.1:${ready.port}/ws`,
        dataDir,
        rss() {
          const status = readFileSync(`/proc/${ready.pid}/status`, "utf8");
          return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
        },
        stats: () => call<ChildStats>("stats"),
        async close() {
          if (child.exitCode !== null) return;
          const exited = new Promise((resolve) => child.once("exit", resolve));
          await call("close");
          await exited;
        },
      };
    },
  };
}
