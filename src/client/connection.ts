// One logical connection to a broker: request/response matching by request id, keep-alive pings, deadlines
// and reconnection.
//
// Behavior:
// * The first connect() fails fast (the application learns at once that the URL is wrong). Once a WELCOME
//   has been seen, a dropped socket is reopened with capped exponential backoff and jitter, forever unless
//   the reconnect policy sets maxAttempts or giveUpAfterMs (how long the broker may stay unreachable). The
//   connection says so through typed events: "disconnected" once per outage, "reconnecting" before every
//   attempt, "reconnected" when a WELCOME arrives again, "closed" when it gives up (or close() is called).
// * Every request has a deadline, requestTimeoutMs (Kafka's request.timeout.ms), counted from the call and
//   covering a wait for the connection to come back: past it the request fails with a retriable
//   TimeoutError. A request in flight when the socket drops fails with a retriable ConnectionError (it may
//   or may not have been handled: the caller decides whether a retry is safe).
// * A ping that gets no answer within the deadline means the socket is dead without knowing it (broker
//   frozen, half-open TCP): the socket is abandoned and the connection reconnects (keep-alive.ts).
// * With `auth`, a session the broker bounds is renewed before it ends (reauth.ts).
// * Streams (subscriptions, group memberships) are told to resubscribe from their own positions once the
//   connection is back; they are told it is gone for good when it gives up.

import { decodeServerFrame, encodeClientFrame, FrameType, type ClientFrame, type ServerFrame } from "../protocol/ws/index.js";
import { MessageTooLargeError } from "../errors/index.js";
import { ConnectionError, errorFromCode, TimeoutError } from "./errors.js";
import { messageBytes, resolveWebSocket, type WebSocketLike } from "./transport.js";
import { authenticate } from "./auth.js";
import { StatusEvents } from "./connection-events.js";
import { KeepAlive } from "./keep-alive.js";
import { Reauthentication } from "./reauth.js";

export type { ConnectionEvents, ConnectionOptions, ReconnectPolicy, RequestOptions, StreamHandler } from "./connection-types.js";
import type { ClientFrameInput, ConnectionEvents, ConnectionOptions, Pending, ReconnectPolicy, RequestOptions, StreamHandler } from "./connection-types.js";

export class Connection {
  private socket: WebSocketLike | undefined;
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();
  readonly streams = new Map<number, StreamHandler>();
  private opened: Promise<void> | undefined;
  private closed = false;
  private closeError: Error | undefined;
  /** A WELCOME was seen once: from then on a drop is reconnected instead of failing. */
  private everOpen = false;
  private readonly pings: KeepAlive;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private attempts = 0;
  private downSince: number | undefined;
  private lastError: Error | undefined;
  /** Requests waiting for the connection to come back. */
  private readonly openWaiters = new Set<{ resolve(): void; reject(error: Error): void }>();
  private readonly events = new StatusEvents();
  /** Limits the server announced in WELCOME. */
  server = { maxFrameBytes: 16 * 1024 * 1024, maxSubscriptions: 64, idleTimeoutMs: 120_000, version: "" };
  readonly url: string;
  readonly requestTimeoutMs: number;

  constructor(private readonly options: ConnectionOptions = {}) {
    this.url = options.url ?? "ws://127.0.0.1:8080/ws";
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.pings = new KeepAlive(this.requestTimeoutMs, () => this.request({ type: FrameType.PING }), (socket) => {
      if (this.socket === socket) this.abandon(socket, 4008, "ping timed out");
    });
    this.reauth = options.auth
      ? new Reauthentication(options.auth, () => {
          if (!this.closed && this.isOpen) void this.authenticate().catch(() => this.socket?.close(4010, "re-authentication failed"));
        })
      : undefined;
  }

  /** Listens to a status event; returns the function that stops listening. */
  on<E extends keyof ConnectionEvents>(event: E, listener: (event: ConnectionEvents[E]) => void): () => void {
    return this.events.on(event, listener);
  }

  /** Opens the socket and waits for the server's WELCOME. */
  connect(): Promise<void> {
    this.opened ??= this.open();
    return this.opened;
  }

  /** The principal the server authenticated us as (after connect with `auth`). */
  principal: string | undefined;
  /** Renews the session before it ends (with `auth`). */
  private readonly reauth: Reauthentication | undefined;

  /** True between WELCOME and the end of AUTH: requests other than AUTH wait (the server would refuse them). */
  private authenticating = false;

  private async open(): Promise<void> {
    await this.openSocket();
    if (!this.options.auth) return;
    this.authenticating = true;
    try {
      await this.authenticate();
    } finally {
      this.authenticating = false;
    }
  }

  /** Open and, when `auth` is set, authenticated: requests may go out. */
  get ready(): boolean {
    return this.isOpen && !this.authenticating;
  }

  /** AUTH on the open socket; schedules the next one before the session ends (a fixed token cannot renew). */
  private async authenticate(): Promise<void> {
    const result = await authenticate(this.options.auth!, (frame) => this.exchange(frame));
    this.principal = result.principal;
    this.reauth!.sessionStarted(result.sessionLifetimeMs);
  }

  private async openSocket(): Promise<void> {
    const Ctor = await resolveWebSocket(this.options.WebSocket);
    if (this.closed) throw this.closeError ?? new ConnectionError("client closed", 1000);
    await new Promise<void>((resolve, reject) => {
      const socket = new Ctor(this.url);
      // The `ws` package (Node) hands a received message over as the Buffer it assembled ("nodebuffer"):
      // "arraybuffer" would copy every frame once more, and records alias the frame anyway. A browser's
      // WebSocket (and undici's) ignores or rejects that value: it gets "arraybuffer".
      socket.binaryType = "nodebuffer";
      if (socket.binaryType !== "nodebuffer") socket.binaryType = "arraybuffer";
      let welcomed = false;
      const connectTimeoutMs = this.options.connectTimeoutMs ?? 10_000;
      const timer = setTimeout(() => this.abandon(socket, 4008, `no WELCOME within ${connectTimeoutMs} ms`), connectTimeoutMs);
      socket.onmessage = (event) => {
        let frame: ServerFrame;
        try {
          frame = decodeServerFrame(messageBytes(event.data));
        } catch {
          socket.close(4000, "malformed server frame");
          return;
        }
        if (frame.type === FrameType.WELCOME) {
          clearTimeout(timer);
          this.server = { maxFrameBytes: frame.maxFrameBytes, maxSubscriptions: frame.maxSubscriptions, idleTimeoutMs: frame.idleTimeoutMs, version: frame.serverVersion };
          welcomed = true;
          this.everOpen = true;
          this.pings.start(this.socket, this.server.idleTimeoutMs);
          resolve();
          return;
        }
        this.onFrame(frame);
      };
      socket.onerror = () => {};
      socket.onclose = (event) => {
        clearTimeout(timer);
        if (!welcomed) reject(new ConnectionError(`cannot connect to ${this.url} (close ${event.code}${event.reason ? ` ${event.reason}` : ""})`, event.code));
        this.onSocketClosed(socket, event.code, event.reason);
      };
      this.socket = socket;
    });
  }

  /** Gives a socket up without waiting for a close handshake a dead peer will never answer. */
  private abandon(socket: WebSocketLike, code: number, reason: string): void {
    const onclose = socket.onclose;
    socket.onclose = null;
    socket.onmessage = null;
    const terminate = (socket as { terminate?: () => void }).terminate;
    try {
      if (typeof terminate === "function") terminate.call(socket);
      else socket.close(code, reason);
    } catch {
      // Already closing.
    }
    onclose?.({ code, reason });
  }

  private onFrame(frame: ServerFrame): void {
    if (frame.type === FrameType.CHUNK || frame.type === FrameType.GAP || frame.type === FrameType.STALLED) {
      this.streams.get(frame.requestId)?.onFrame(frame);
      return;
    }
    const pending = this.pending.get(frame.requestId);
    if (!pending) {
      // An ERROR for a subscription (its topic was deleted, ...).
      this.streams.get(frame.requestId)?.onFrame(frame);
      return;
    }
    this.pending.delete(frame.requestId);
    clearTimeout(pending.timer);
    pending.onResponse?.(frame);
    if (frame.type === FrameType.ERROR) pending.reject(errorFromCode(frame.errorCode, frame.code, frame.message));
    else pending.resolve(frame);
  }

  private onSocketClosed(socket: WebSocketLike, code: number, reason: string): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.pings.stop();
    const error = new ConnectionError(`connection to ${this.url} closed (${code}${reason ? ` ${reason}` : ""})`, code);
    this.lastError = error;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.pending.delete(id);
    }
    if (this.closed) return;
    // A refused authentication (4010, 4011) would be refused again: no reconnect loop.
    if (code === 4010 || code === 4011) return this.shutDown(error);
    if (!this.everOpen) {
      // The first connect failed: connect() rejects and the application decides; nothing retries behind it.
      this.shutDown(error);
      return;
    }
    if (this.downSince === undefined) {
      this.downSince = Date.now();
      this.events.emit("disconnected", { url: this.url, error });
    }
    const policy = this.options.reconnect;
    if (policy === false) return this.shutDown(error);
    const downForMs = Date.now() - this.downSince;
    if (this.attempts >= (policy?.maxAttempts ?? Number.POSITIVE_INFINITY)) {
      return this.shutDown(new ConnectionError(`gave up reconnecting to ${this.url} after ${this.attempts} attempts: ${error.message}`, code));
    }
    const giveUpAfterMs = policy?.giveUpAfterMs ?? Number.POSITIVE_INFINITY;
    if (downForMs >= giveUpAfterMs) {
      return this.shutDown(new TimeoutError(`broker at ${this.url} unreachable for ${downForMs} ms (limit ${giveUpAfterMs} ms): ${error.message}`, giveUpAfterMs));
    }
    this.scheduleReconnect(policy ?? {}, downForMs, giveUpAfterMs - downForMs, error);
  }

  private scheduleReconnect(policy: ReconnectPolicy, downForMs: number, leftMs: number, error: Error): void {
    const base = policy.initialDelayMs ?? 100;
    const capped = Math.min(base * 2 ** Math.min(this.attempts, 30), policy.maxDelayMs ?? 10_000);
    // Jitter spreads the clients of one restarted broker; the last attempt lands on the deadline, not past it.
    const delayMs = Math.max(0, Math.min(Math.round(capped * (0.5 + Math.random() / 2)), leftMs));
    this.attempts++;
    this.events.emit("reconnecting", { url: this.url, attempt: this.attempts, delayMs, downForMs, error });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closed) return;
      this.opened = this.open();
      this.opened.then(
        () => this.onReconnected(),
        () => {
          /* onclose scheduled the next attempt (or gave up) */
        },
      );
    }, delayMs);
  }

  private onReconnected(): void {
    const attempts = this.attempts;
    const downForMs = this.downSince === undefined ? 0 : Date.now() - this.downSince;
    this.attempts = 0;
    this.downSince = undefined;
    this.events.emit("reconnected", { url: this.url, attempts, downForMs });
    for (const waiter of [...this.openWaiters]) waiter.resolve();
    this.openWaiters.clear();
    // A snapshot: resubscribing re-registers a stream under a new id, which a live iteration would visit
    // again, and again (the runaway of issue 12).
    for (const stream of [...this.streams.values()]) stream.onReconnect();
  }

  /** The connection is gone for good: every stream and every waiting request hears why. */
  private shutDown(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = error;
    this.pings.stop();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    for (const waiter of [...this.openWaiters]) waiter.reject(error);
    this.openWaiters.clear();
    this.events.emit("closed", { url: this.url, error });
    for (const stream of [...this.streams.values()]) stream.onClose(error);
  }

  /** Pings at least every `ms` (a group member's liveness depends on it). */
  keepAlive(ms: number): void {
    this.pings.atLeastEvery(ms);
  }

  /** Allocates an id (for a SUBSCRIBE whose id names the stream). */
  allocateId(): number {
    const id = this.nextRequestId;
    this.nextRequestId = this.nextRequestId >= 0xfffffff0 ? 1 : this.nextRequestId + 1;
    return id;
  }

  /**
   * Waits until the connection is open, or fails at the deadline (TimeoutError) or when it gives up.
   * `timeoutMs`: the caller's whole budget, which the error names (what is left of it is a ms or so less).
   */
  async whenOpen(deadline = Date.now() + this.requestTimeoutMs, timeoutMs?: number): Promise<void> {
    // Before the first WELCOME: the first connect (which fails fast). After it, `opened` may hold a failed
    // reconnect attempt, and the next one is already scheduled: wait for it instead.
    if (!this.everOpen || this.authenticating) await this.connect();
    if (this.ready) return;
    if (this.closed) throw this.closeError ?? new ConnectionError(`not connected to ${this.url}`);
    const waitMs = deadline - Date.now();
    let waiter: { resolve(): void; reject(error: Error): void } | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        waiter = { resolve, reject };
        this.openWaiters.add(waiter);
        timer = setTimeout(() => {
          const why = this.lastError ? `: ${this.lastError.message}` : "";
          const budget = timeoutMs ?? Math.max(0, waitMs);
          reject(new TimeoutError(`no connection to ${this.url} within ${budget} ms${why}`, budget));
        }, Math.max(0, waitMs));
      });
    } finally {
      clearTimeout(timer);
      if (waiter) this.openWaiters.delete(waiter);
    }
  }

  /** Sends a request and resolves with its response (rejects with a typed error on ERROR). */
  async request(frame: ClientFrameInput, requestId = this.allocateId(), onResponse?: (frame: ServerFrame) => void, options: RequestOptions = {}): Promise<ServerFrame> {
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    if (!this.ready) await this.whenOpen(deadline, timeoutMs);
    return this.exchange(frame, requestId, onResponse, deadline, timeoutMs);
  }

  /**
   * Sends a request its caller encodes itself (a PRODUCE frame written around its batch in place, without a
   * copy): `write(requestId)` is called once the connection is ready and returns the frame's bytes, or
   * undefined when the request is no longer wanted (then nothing is sent and this rejects). The socket
   * copies the bytes before send returns, so the caller may reuse them once this settles.
   */
  async requestFrame(write: (requestId: number) => Uint8Array | undefined, options: RequestOptions = {}): Promise<ServerFrame> {
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    if (!this.ready) await this.whenOpen(deadline, timeoutMs);
    return this.exchange(write, this.allocateId(), undefined, deadline, timeoutMs);
  }

  /** Sends a request on the open socket without waiting for the connection to be ready (AUTH runs inside it). */
  private exchange(frame: ClientFrameInput | ((requestId: number) => Uint8Array | undefined), requestId = this.allocateId(), onResponse?: (frame: ServerFrame) => void, deadline = Date.now() + this.requestTimeoutMs, timeoutMs = this.requestTimeoutMs): Promise<ServerFrame> {
    const socket = this.socket;
    if (!socket || this.closed) throw this.closeError ?? new ConnectionError(`not connected to ${this.url}`);
    const bytes = typeof frame === "function" ? this.checkSize(frame(requestId)) : this.encode({ ...frame, requestId } as ClientFrame);
    return new Promise<ServerFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new TimeoutError(`request ${requestId} to ${this.url} got no answer within ${timeoutMs} ms`, timeoutMs));
      }, Math.max(0, deadline - Date.now()));
      this.pending.set(requestId, { resolve, reject, timer, onResponse });
      socket.send(bytes);
    });
  }

  /**
   * Encodes a frame, refusing one larger than the server's maxFrameBytes: uWS would drop the connection
   * without a close frame (1006), which looks retriable, and a retry would only drop it again.
   */
  private encode(frame: ClientFrame): Uint8Array {
    return this.checkSize(encodeClientFrame(frame));
  }

  private checkSize(bytes: Uint8Array | undefined): Uint8Array {
    if (bytes === undefined) throw new ConnectionError(`request to ${this.url} withdrawn before it was sent`);
    if (bytes.length > this.server.maxFrameBytes) {
      throw new MessageTooLargeError(`frame of ${bytes.length} bytes exceeds the server's maxFrameBytes (${this.server.maxFrameBytes})`);
    }
    return bytes;
  }

  /**
   * Sends a frame that has no response (CREDIT, an acks 0 PRODUCE); dropped silently while disconnected.
   * A writer encodes the frame itself, in place (see requestFrame); if it returns undefined nothing is sent.
   */
  post(frame: ClientFrame | ((requestId: number) => Uint8Array | undefined)): void {
    if (!this.socket || this.socket.readyState !== 1) return;
    const bytes = typeof frame === "function" ? frame(this.allocateId()) : this.encode(frame);
    if (bytes) this.socket.send(this.checkSize(bytes));
  }

  /** Bytes queued in the socket and not yet sent. */
  get bufferedAmount(): number {
    return this.socket?.bufferedAmount ?? 0;
  }

  get isOpen(): boolean {
    return !!this.socket && this.socket.readyState === 1;
  }

  /** Closed for good (by close() or because the reconnect policy gave up). */
  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    const socket = this.socket;
    this.reauth?.cancel();
    this.shutDown(new ConnectionError("client closed", 1000));
    socket?.close(1000, "client closed");
    this.streams.clear();
  }
}
