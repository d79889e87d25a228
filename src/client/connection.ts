// One logical connection to a broker: request/response matching by request id, keep-alive pings, and
// reconnection with exponential backoff. Requests pending when the socket drops fail with a retriable
// ConnectionError; subscriptions are told to resubscribe (from their own positions) once it is back.

import { decodeServerFrame, encodeClientFrame, FrameType, type ClientFrame, type ServerFrame } from "../protocol/ws/index.js";
import { MessageTooLargeError } from "../errors/index.js";
import { ConnectionError, errorFromCode } from "./errors.js";
import { messageBytes, resolveWebSocket, type WebSocketConstructor, type WebSocketLike } from "./transport.js";
import { authenticate, type AuthOptions } from "./auth.js";

export interface ConnectionOptions {
  /** Default ws://127.0.0.1:8080/ws. */
  url?: string;
  /** Injected WebSocket constructor (default: the global one, or the `ws` package on Node). */
  WebSocket?: WebSocketConstructor;
  /** Reconnect after a drop (default on), with backoff from initialDelayMs doubling to maxDelayMs. */
  reconnect?: false | { initialDelayMs?: number; maxDelayMs?: number; maxAttempts?: number };
  /** Fail a request with no answer after this long. Default 30000. */
  requestTimeoutMs?: number;
  /** Authenticate after connecting (and re-authenticate before a token expires): docs/security.md. */
  auth?: AuthOptions;
}

export interface StreamHandler {
  onFrame(frame: ServerFrame): void;
  /** The connection is back: send SUBSCRIBE again from the consumer's positions. */
  onReconnect(): void;
  /** The connection is gone for good (closed or out of attempts). */
  onClose(error: Error): void;
}

type ClientFrameInput = ClientFrame extends infer F ? (F extends { requestId: number } ? Omit<F, "requestId"> : never) : never;

interface Pending {
  resolve(frame: ServerFrame): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
  /** Runs when the response frame is handled, before any later frame (resolve's continuation runs after). */
  onResponse?: (frame: ServerFrame) => void;
}

export class Connection {
  private socket: WebSocketLike | undefined;
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();
  readonly streams = new Map<number, StreamHandler>();
  private opened: Promise<void> | undefined;
  private closed = false;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private attempts = 0;
  /** Limits the server announced in WELCOME. */
  server = { maxFrameBytes: 16 * 1024 * 1024, maxSubscriptions: 64, idleTimeoutMs: 120_000, version: "" };
  readonly url: string;

  constructor(private readonly options: ConnectionOptions = {}) {
    this.url = options.url ?? "ws://127.0.0.1:8080/ws";
  }

  /** Opens the socket and waits for the server's WELCOME. */
  connect(): Promise<void> {
    this.opened ??= this.open();
    return this.opened;
  }

  /** The principal the server authenticated us as (after connect with `auth`). */
  principal: string | undefined;
  private reauthTimer: ReturnType<typeof setTimeout> | undefined;

  private async open(): Promise<void> {
    await this.openSocket();
    if (this.options.auth) await this.authenticate();
  }

  /** AUTH on the open socket; schedules the next one before the session ends (token providers only renew). */
  private async authenticate(): Promise<void> {
    const result = await authenticate(this.options.auth!, (frame) => this.exchange(frame));
    this.principal = result.principal;
    if (this.reauthTimer) clearTimeout(this.reauthTimer);
    const lifetime = result.sessionLifetimeMs;
    if (lifetime === undefined || !("tokenProvider" in this.options.auth!)) return;
    // Renew at 80% of the lifetime (the server also allows a grace period past the end). A fixed margin
    // would make very short tokens renew in a tight loop.
    this.reauthTimer = setTimeout(() => {
      if (!this.closed && this.isOpen) void this.authenticate().catch(() => this.socket?.close(4010, "re-authentication failed"));
    }, Math.max(0, lifetime * 0.8));
    (this.reauthTimer as { unref?: () => void }).unref?.();
  }

  private async openSocket(): Promise<void> {
    const Ctor = await resolveWebSocket(this.options.WebSocket);
    await new Promise<void>((resolve, reject) => {
      const socket = new Ctor(this.url);
      socket.binaryType = "arraybuffer";
      let welcomed = false;
      socket.onmessage = (event) => {
        let frame: ServerFrame;
        try {
          frame = decodeServerFrame(messageBytes(event.data));
        } catch (error) {
          socket.close(4000, "malformed server frame");
          return;
        }
        if (frame.type === FrameType.WELCOME) {
          this.server = { maxFrameBytes: frame.maxFrameBytes, maxSubscriptions: frame.maxSubscriptions, idleTimeoutMs: frame.idleTimeoutMs, version: frame.serverVersion };
          welcomed = true;
          this.attempts = 0;
          this.startPings();
          resolve();
          return;
        }
        this.onFrame(frame);
      };
      socket.onerror = () => {};
      socket.onclose = (event) => {
        this.stopPings();
        if (!welcomed) reject(new ConnectionError(`cannot connect to ${this.url} (close ${event.code} ${event.reason})`, event.code));
        this.onSocketClosed(socket, event.code, event.reason);
      };
      this.socket = socket;
    });
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
    const error = new ConnectionError(`connection to ${this.url} closed (${code}${reason ? ` ${reason}` : ""})`, code);
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.pending.delete(id);
    }
    // A refused authentication (4010, 4011) would be refused again: no reconnect loop.
    if (code === 4010 || code === 4011) this.closed = true;
    const policy = this.options.reconnect;
    const maxAttempts = policy === false ? 0 : (policy?.maxAttempts ?? Number.POSITIVE_INFINITY);
    if (this.closed || this.attempts >= maxAttempts) {
      this.closed = true;
      for (const stream of this.streams.values()) stream.onClose(error);
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const policy = this.options.reconnect || {};
    const base = policy.initialDelayMs ?? 100;
    const delay = Math.min(base * 2 ** this.attempts, policy.maxDelayMs ?? 10_000) * (0.5 + Math.random() / 2);
    this.attempts++;
    setTimeout(() => {
      if (this.closed) return;
      this.opened = this.open();
      this.opened.then(
        () => {
          for (const stream of this.streams.values()) stream.onReconnect();
        },
        () => {
          /* onclose scheduled the next attempt */
        },
      );
    }, delay);
  }

  private keepAliveMs = Number.POSITIVE_INFINITY;

  /** Pings at least every `ms` (a group member's liveness depends on it). */
  keepAlive(ms: number): void {
    if (ms >= this.keepAliveMs) return;
    this.keepAliveMs = ms;
    if (this.pingTimer) this.startPings();
  }

  private startPings(): void {
    this.stopPings();
    // Within the announced timeout, however short (a fixed floor above it would get us closed with 4001).
    const every = Math.max(50, Math.min(Math.floor(this.server.idleTimeoutMs / 3), this.keepAliveMs));
    this.pingTimer = setInterval(() => void this.request({ type: FrameType.PING }).catch(() => {}), every);
    (this.pingTimer as { unref?: () => void }).unref?.();
  }

  private stopPings(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  /** Allocates an id (for a SUBSCRIBE whose id names the stream). */
  allocateId(): number {
    const id = this.nextRequestId;
    this.nextRequestId = this.nextRequestId >= 0xfffffff0 ? 1 : this.nextRequestId + 1;
    return id;
  }

  /** Sends a request and resolves with its response (rejects with a typed error on ERROR). */
  async request(frame: ClientFrameInput, requestId = this.allocateId(), onResponse?: (frame: ServerFrame) => void): Promise<ServerFrame> {
    await this.connect();
    return this.exchange(frame, requestId, onResponse);
  }

  /** Sends a request on the open socket without waiting for connect() (AUTH runs inside it). */
  private exchange(frame: ClientFrameInput, requestId = this.allocateId(), onResponse?: (frame: ServerFrame) => void): Promise<ServerFrame> {
    const socket = this.socket;
    if (!socket || this.closed) throw new ConnectionError(`not connected to ${this.url}`);
    const bytes = this.encode({ ...frame, requestId } as ClientFrame);
    return new Promise<ServerFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new ConnectionError(`request ${requestId} timed out after ${this.options.requestTimeoutMs ?? 30_000} ms`));
      }, this.options.requestTimeoutMs ?? 30_000);
      this.pending.set(requestId, { resolve, reject, timer, onResponse });
      socket.send(bytes);
    });
  }

  /**
   * Encodes a frame, refusing one larger than the server's maxFrameBytes: uWS would drop the connection
   * without a close frame (1006), which looks retriable, and a retry would only drop it again.
   */
  private encode(frame: ClientFrame): Uint8Array {
    const bytes = encodeClientFrame(frame);
    if (bytes.length > this.server.maxFrameBytes) {
      throw new MessageTooLargeError(`frame of ${bytes.length} bytes exceeds the server's maxFrameBytes (${this.server.maxFrameBytes})`);
    }
    return bytes;
  }

  /** Sends a frame that has no response (CREDIT). Dropped silently while disconnected. */
  post(frame: ClientFrame): void {
    if (this.socket && this.socket.readyState === 1) this.socket.send(this.encode(frame));
  }

  /** Bytes queued in the socket and not yet sent. */
  get bufferedAmount(): number {
    return this.socket?.bufferedAmount ?? 0;
  }

  get isOpen(): boolean {
    return !!this.socket && this.socket.readyState === 1;
  }

  close(): void {
    this.closed = true;
    if (this.reauthTimer) clearTimeout(this.reauthTimer);
    this.stopPings();
    this.socket?.close(1000, "client closed");
    for (const stream of this.streams.values()) stream.onClose(new ConnectionError("client closed", 1000));
    this.streams.clear();
  }
}
