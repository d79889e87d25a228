// The TCP ends of the replication wire: ReplicaServer on every broker (leaders answer followers there)
// and ReplicaClient, one connection per leader a follower fetches from.

import { createConnection, createServer, type Server, type Socket } from "node:net";
import { asRivuletError } from "../errors/index.js";
import type { Logger } from "../log.js";
import { encodeFrame, FrameReader, type Frame } from "./wire.js";

export type ReplicaHandler = (header: Frame["header"]) => Promise<{ header: Record<string, unknown>; body?: Uint8Array }>;

export class ReplicaServer {
  private readonly sockets = new Set<Socket>();
  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(host: string, port: number, handler: ReplicaHandler, logger: Logger): Promise<ReplicaServer> {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.setNoDelay(true);
      const reader = new FrameReader();
      socket.on("data", (chunk) => {
        let frames: Frame[];
        try {
          frames = reader.push(chunk);
        } catch (error) {
          logger.warn("bad replication frame; closing the connection", { error: String(error) });
          socket.destroy();
          return;
        }
        for (const frame of frames) {
          handler(frame.header).then(
            (reply) => socket.writable && socket.write(encodeFrame({ ...reply.header, id: frame.header.id }, reply.body)),
            (error: unknown) => socket.writable && socket.write(encodeFrame({ id: frame.header.id, error: errorCode(error), message: String(error) })),
          );
        }
      });
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address();
    const self = new ReplicaServer(server, typeof address === "object" && address ? address.port : port);
    for (const s of sockets) self.sockets.add(s);
    server.on("connection", (s) => {
      self.sockets.add(s);
      s.on("close", () => self.sockets.delete(s));
    });
    return self;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The error's Kafka code name for the other side (a raw errno error's "ENOSPC" is not one: asRivuletError). */
function errorCode(error: unknown): string {
  return asRivuletError(error).code;
}

/** One connection to a leader; reconnects on the next request after a failure. */
export class ReplicaClient {
  private socket: Socket | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (f: Frame) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private closed = false;

  constructor(readonly host: string, readonly port: number) {}

  request(header: Record<string, unknown>, timeoutMs: number): Promise<Frame> {
    if (this.closed) return Promise.reject(new Error("replica client closed"));
    const socket = this.connect();
    const id = this.nextId++;
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`replication request timed out after ${timeoutMs} ms`));
        // A leader that stopped answering (SIGSTOP, partition): start over on a fresh connection.
        this.reset(new Error("timed out"));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      socket.write(encodeFrame({ ...header, id }));
    });
  }

  private connect(): Socket {
    if (this.socket) return this.socket;
    const socket = createConnection({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    const reader = new FrameReader();
    socket.on("data", (chunk) => {
      let frames: Frame[];
      try {
        frames = reader.push(chunk);
      } catch (error) {
        this.reset(error as Error);
        return;
      }
      for (const frame of frames) {
        const waiter = this.pending.get(frame.header.id);
        if (!waiter) continue;
        this.pending.delete(frame.header.id);
        clearTimeout(waiter.timer);
        waiter.resolve(frame);
      }
    });
    socket.on("error", (error) => this.reset(error));
    socket.on("close", () => this.reset(new Error("connection closed")));
    this.socket = socket;
    return socket;
  }

  private reset(error: Error): void {
    if (!this.socket) return;
    const socket = this.socket;
    this.socket = undefined;
    socket.destroy();
    for (const [id, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
      this.pending.delete(id);
    }
  }

  close(): void {
    this.closed = true;
    this.reset(new Error("replica client closed"));
  }
}
