// One WebSocket connection on the node transport (./node-server.ts): the `ws` package's socket in the shape
// a Session wants (SessionSocket), plus what uWS 20.30 cannot do: pausing reads.
//
// Reads pause for two reasons, and resume when neither holds:
//   - "memory": a frame does not fit the broker-wide request budget (broker.requestMemory, shared with the
//     Kafka listener). It waits for a grant, as a Kafka request does, and the socket is not read meanwhile:
//     the client is held in its TCP window. (The uWS transport closes with 1013 instead.)
//   - "queue": the Session had to queue a request (its in-flight limit is reached, or its socket buffer is
//     full because the client does not read): no more frames are read until the queue drains.
// `ws` may still hand over frames it had parsed from the last chunk read before the pause: they wait in
// `backlog` (bounded by one read's worth of bytes plus at most one frame).
//
// Socket backpressure: bufferedAmount counts what the kernel has not taken yet; the raw socket's 'drain'
// tells the Session (its onDrain) as uWS's drain does.

import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { RequestMemory } from "../../broker/request-memory.js";
import type { Session, SessionSocket } from "./session.js";

/** RFC 6455 caps a close reason at 123 bytes; `ws` throws past it. */
const MAX_REASON_BYTES = 123;

export class NodeWsConnection implements SessionSocket {
  session: Session | undefined;
  private readonly pausedFor = new Set<"memory" | "queue">();
  /** The frame waiting for request memory, and frames that arrived after the pause. */
  private waiting: Uint8Array | undefined;
  private readonly backlog: Uint8Array[] = [];
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    socket: Duplex,
    private readonly memory: RequestMemory,
  ) {
    socket.on("drain", () => this.session?.onDrain());
  }

  // ---- SessionSocket -------------------------------------------------------------------------------------

  send(message: Uint8Array): number {
    // `ws` keeps a reference to the bytes until they are written: Session sends freshly encoded frames only.
    this.ws.send(message, { binary: true });
    return 1;
  }

  getBufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  end(code?: number, reason?: string): void {
    let text = reason ?? "";
    while (Buffer.byteLength(text) > MAX_REASON_BYTES) text = text.slice(0, -1);
    this.ws.close(code, text);
  }

  pauseReads(): void {
    this.pause("queue");
  }

  resumeReads(): void {
    this.resume("queue");
  }

  // ---- inbound -------------------------------------------------------------------------------------------

  /** A binary message from `ws` (text frames are refused by the server before this). */
  onMessage(bytes: Uint8Array): void {
    if (this.waiting || this.backlog.length) return void this.backlog.push(bytes);
    this.admit(bytes);
  }

  private admit(bytes: Uint8Array): void {
    if (bytes.byteLength === 0 || this.memory.acquire(bytes.byteLength, this.granted)) return this.run(bytes);
    this.waiting = bytes;
    this.pause("memory");
  }

  private readonly granted = (): void => {
    const bytes = this.waiting;
    this.waiting = undefined;
    if (!bytes) return;
    if (this.closed) return this.memory.release(bytes.byteLength);
    this.run(bytes);
    while (!this.waiting && this.backlog.length && !this.closed) this.admit(this.backlog.shift()!);
    if (!this.waiting) this.resume("memory");
  };

  private run(bytes: Uint8Array): void {
    try {
      if (this.session && !this.session.closed) this.session.onMessage(bytes);
    } finally {
      this.memory.release(bytes.byteLength);
    }
  }

  private pause(reason: "memory" | "queue"): void {
    this.pausedFor.add(reason);
    if (!this.ws.isPaused) this.ws.pause();
  }

  private resume(reason: "memory" | "queue"): void {
    if (!this.pausedFor.delete(reason) || this.pausedFor.size > 0) return;
    this.ws.resume();
  }

  get readsPaused(): boolean {
    return this.pausedFor.size > 0;
  }

  /** The socket closed: give back a pending reservation. */
  onClosed(): void {
    this.closed = true;
    this.backlog.length = 0;
    if (this.waiting) {
      this.memory.cancel(this.granted);
      this.waiting = undefined;
    }
  }
}
