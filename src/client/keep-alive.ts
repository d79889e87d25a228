// Keep-alive pings on an open socket (connection.ts). A ping that gets no answer within the deadline means
// the socket is dead without knowing it (broker frozen, half-open TCP): the connection is told to abandon
// it, and reconnects.

import { TimeoutError } from "./errors.js";
import type { WebSocketLike } from "./transport.js";

export class KeepAlive {
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The longest gap between pings a stream asked for (keepAlive(ms)). */
  private maxGapMs = Number.POSITIVE_INFINITY;
  /** The socket being pinged and the idle timeout its server announced, for a restart with a shorter gap. */
  private socket: WebSocketLike | undefined;
  private idleTimeoutMs = 0;

  constructor(
    private readonly requestTimeoutMs: number,
    /** Sends a PING; rejects with a TimeoutError when no PONG comes within the request deadline. */
    private readonly ping: () => Promise<unknown>,
    /** No PONG came on `socket`: give it up (if it is still the connection's socket). */
    private readonly unanswered: (socket: WebSocketLike) => void,
  ) {}

  /** Pings at least every `ms` (a group member's liveness depends on it). */
  atLeastEvery(ms: number): void {
    if (ms >= this.maxGapMs) return;
    this.maxGapMs = ms;
    if (this.timer) this.start(this.socket, this.idleTimeoutMs);
  }

  /** Starts pinging a socket that was just welcomed by a server announcing `idleTimeoutMs`. */
  start(socket: WebSocketLike | undefined, idleTimeoutMs: number): void {
    this.stop();
    this.socket = socket;
    this.idleTimeoutMs = idleTimeoutMs;
    // Within the announced timeout, however short (a fixed floor above it would get us closed with 4001),
    // and at least twice per request deadline: a consumer waiting for chunks has no request in flight, so
    // the pings are what notice a frozen broker within about 1.5 deadlines.
    const every = Math.max(50, Math.min(Math.floor(idleTimeoutMs / 3), this.maxGapMs, Math.floor(this.requestTimeoutMs / 2)));
    this.timer = setInterval(() => {
      void this.ping().catch((error) => {
        // No PONG within the deadline: the socket is dead without knowing it.
        if (error instanceof TimeoutError && socket) this.unanswered(socket);
      });
    }, every);
    (this.timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
