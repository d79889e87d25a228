// One Kafka client connection: bytes in, frames out, one request at a time.
//
//   socket 'data' ─► FrameDecoder ─► pending frames ─► [one at a time] decode ─► dispatch ─► cork/write/uncork
//
// Ordering. Kafka answers a connection's requests strictly in request order; we get that the simplest way:
// request N+1 is decoded only after response N has been handed to the socket (or, for acks=0 Produce,
// after its append finished). A JoinGroup or a long-poll Fetch therefore holds up only its own connection,
// as Kafka's muted channel does. Several frames in one read, and frames split across reads, are the frame
// decoder's business.
//
// Backpressure. Reading stops (socket.pause) while any of these holds, and resumes when none does:
//   - the socket's write buffer is over its high-water mark (write() returned false) until 'drain';
//   - the broker's shards are saturated (broker.needsDrain) until the broker's 'drain';
//   - the client has pipelined more than MAX_PENDING frames or MAX_PENDING_BYTES ahead of us;
//   - the broker-wide request budget (broker.requestMemory, Kafka's queued.max.request.bytes) cannot
//     reserve the next request's size, read from its 4-byte prefix before any of its body is taken: the
//     unread rest of that socket read is held (one read, <= 64 KiB), the socket paused, and reading resumes
//     when the reservation is granted. A request's reservation is released once it has been answered, so
//     sixteen clients each half-way through a 100 MiB request hold at most the budget, not 1.6 GB.
// No request is started while the write buffer or the broker needs draining, so neither grows without bound.
//
// Failure. Bytes that are not Kafka (a negative or oversized size prefix, an unknown API key, an unsupported
// version, a body that does not decode), a stream that ends inside a frame, and a handler bug close this
// connection only, with one log line; the broker keeps serving everyone else. ApiVersions newer than ours
// is not a failure: the codec decodes it to an empty request and the handler answers in the v0 format.

import type { Socket } from "node:net";
import type { Broker } from "../../broker/broker.js";
import { dispatch, type KafkaBrokerContext } from "./handlers/index.js";
import type { Logger } from "../../log.js";
import { decodeRequestFrame, decodeRequestHeader, FrameDecoder, frameEncode, KafkaDecodeError, registrationFor, UnsupportedVersionError } from "../../protocol/kafka/index.js";
import { aclHost, ConnectionAuth } from "./connection-auth.js";
import { AuthenticationRequiredError, ClusterAuthorizationError } from "./handlers/guards.js";

const MAX_PENDING = 64;
const MAX_PENDING_BYTES = 32 * 1024 * 1024;

export interface ConnectionOptions {
  maxFrameSize: number;
  /** Called with every request frame (size prefix removed) before it is decoded: golden-byte capture. */
  onRequestFrame?: (frame: Uint8Array) => void;
  /** Calls `wake` once at the broker's next 'drain' (one broker listener shared by every connection). */
  onBrokerDrain: (wake: () => void) => void;
  offBrokerDrain: (wake: () => void) => void;
}

export class KafkaConnection {
  private readonly decoder: FrameDecoder;
  private readonly pending: Uint8Array[] = [];
  /** Budget bytes reserved per frame, in frame order: frames not yet complete, then pending ones. */
  private readonly charges: number[] = [];
  /** The charge of the frame being handled, released when its response is written. */
  private handlingCharge = 0;
  /** Body bytes of the current frame still to be fed to the decoder (0: at a frame boundary). */
  private frameLeft = 0;
  /** Size-prefix bytes already fed to the decoder at this boundary (0-3). */
  private readonly sizeBytes = new Uint8Array(4);
  private sizeHave = 0;
  /** Bytes read but not fed: the next request's reservation is waiting. */
  private held: Uint8Array | null = null;
  /** Bytes of the reservation `held` waits for. */
  private waitingFor = 0;
  /** The next frame's reservation was granted after waiting (onData must not reserve it again). */
  private granted = false;
  private readonly onGrant = () => {
    const held = this.held;
    this.held = null;
    if (this.closed) {
      this.broker.requestMemory.release(this.waitingFor);
      this.waitingFor = 0;
      return;
    }
    this.granted = true;
    if (held) this.onData(held);
  };
  private pendingBytes = 0;
  private running = false;
  private closed = false;
  private waitingForSocket = false;
  private waitingForBroker = false;
  private readonly abort = new AbortController();
  private readonly remote: string;
  private readonly clientHost: string;
  private readonly broker: Broker;
  private readonly onBrokerDrain = () => {
    this.waitingForBroker = false;
    this.kick();
  };
  /** Principal and SASL state (security, issue 13). */
  readonly auth: ConnectionAuth;
  /** Requests answered (for tests and metrics). */
  requests = 0;
  /** Whether reading is paused for backpressure. */
  readingPaused = false;

  get pendingFrames(): number {
    return this.pending.length;
  }

  constructor(
    readonly socket: Socket,
    private readonly ctx: KafkaBrokerContext,
    private readonly logger: Logger,
    private readonly options: ConnectionOptions,
    private readonly onClose: (connection: KafkaConnection) => void,
  ) {
    this.broker = ctx.broker;
    this.decoder = new FrameDecoder({ maxFrameSize: options.maxFrameSize });
    this.remote = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
    this.clientHost = `/${socket.remoteAddress ?? ""}`;
    this.auth = new ConnectionAuth(aclHost(socket.remoteAddress), this.remote);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => {
      this.waitingForSocket = false;
      this.kick();
    });
    socket.on("end", () => {
      if (this.held) return; // answered (or failed) once the held bytes get their reservation
      if (this.decoder.buffered > 0) this.fail("stream ended inside a frame", { bufferedBytes: this.decoder.buffered });
      else if (!this.running && this.pending.length === 0) socket.end();
      // Otherwise: answer what was sent before the half-close, then end (see run()).
    });
    socket.on("error", (error) => {
      this.logger.debug("kafka connection error", { remote: this.remote, error });
    });
    socket.on("close", () => this.cleanup());
  }

  private onData(chunk: Uint8Array): void {
    if (this.closed) return;
    if (this.held) {
      // Reading is paused while bytes wait for a reservation; anything the stream still delivers queues
      // behind them, in order.
      const joined = new Uint8Array(this.held.length + chunk.byteLength);
      joined.set(this.held);
      joined.set(chunk, this.held.length);
      this.held = joined;
      return;
    }
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let i = 0;
    try {
      while (i < bytes.length) {
        if (this.frameLeft > 0) {
          const take = Math.min(this.frameLeft, bytes.length - i);
          this.feed(bytes.subarray(i, i + take));
          this.frameLeft -= take;
          i += take;
          continue;
        }
        // At a frame boundary: learn the size before taking any of the body.
        const need = 4 - this.sizeHave;
        if (bytes.length - i < need) {
          this.sizeBytes.set(bytes.subarray(i), this.sizeHave);
          this.sizeHave += bytes.length - i;
          this.feed(bytes.subarray(i));
          i = bytes.length;
          break;
        }
        this.sizeBytes.set(bytes.subarray(i, i + need), this.sizeHave);
        const size = new DataView(this.sizeBytes.buffer).getInt32(0);
        if (size >= 0 && size <= this.options.maxFrameSize && !this.granted) {
          if (!this.broker.requestMemory.acquire(size + 4, this.onGrant)) {
            this.held = bytes.slice(i); // own copy: the socket's buffer may be reused
            this.waitingFor = size + 4;
            break;
          }
        }
        // A bad size is fed as is: the decoder rejects it and the connection is closed.
        this.granted = false;
        this.waitingFor = 0;
        if (size >= 0 && size <= this.options.maxFrameSize) this.charges.push(size + 4);
        this.feed(bytes.subarray(i, i + need));
        this.sizeHave = 0;
        this.frameLeft = Math.max(0, size);
        i += need;
      }
    } catch (error) {
      this.fail("bad frame size", { error });
      return;
    }
    // Bytes held past a half-close, fed now: the stream may have ended inside a frame.
    if (this.socket.readableEnded && !this.held && this.decoder.buffered > 0) return this.fail("stream ended inside a frame", { bufferedBytes: this.decoder.buffered });
    this.kick();
  }

  private feed(part: Uint8Array): void {
    for (const frame of this.decoder.push(part)) {
      this.pending.push(frame);
      this.pendingBytes += frame.length;
    }
  }

  /** Starts the request loop if it is idle, and sets the socket's read state. */
  private kick(): void {
    this.updateReading();
    if (!this.running && !this.closed && this.pending.length > 0 && !this.blocked()) void this.run();
  }

  private blocked(): boolean {
    return this.waitingForSocket || this.waitingForBroker;
  }

  private updateReading(): void {
    if (this.closed) return;
    const full = this.pending.length >= MAX_PENDING || this.pendingBytes >= MAX_PENDING_BYTES;
    this.readingPaused = full || this.blocked() || this.held !== null;
    if (this.readingPaused) this.socket.pause();
    else this.socket.resume();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (!this.closed && this.pending.length > 0) {
        if (this.socket.writableNeedDrain) this.waitingForSocket = true;
        if (this.broker.needsDrain && !this.waitingForBroker) {
          this.waitingForBroker = true;
          this.options.onBrokerDrain(this.onBrokerDrain);
          // The broker may have drained between the check and the listener: look again.
          if (!this.broker.needsDrain) this.onBrokerDrain();
        }
        if (this.blocked()) break;
        const frame = this.pending.shift()!;
        this.pendingBytes -= frame.length;
        this.handlingCharge = this.charges.shift() ?? 0;
        this.updateReading();
        try {
          await this.handle(frame);
        } finally {
          const charge = this.handlingCharge;
          this.handlingCharge = 0;
          this.broker.requestMemory.release(charge);
        }
      }
    } finally {
      this.running = false;
    }
    if (this.closed) return;
    if (this.socket.readableEnded && this.pending.length === 0) {
      this.socket.end();
      return;
    }
    this.kick();
  }

  private async handle(frame: Uint8Array): Promise<void> {
    this.options.onRequestFrame?.(frame);
    if (this.auth.rawTokens) return this.handleRawToken(frame);
    let decoded: ReturnType<typeof decodeRequestFrame>;
    try {
      decoded = decodeRequestFrame(frame);
    } catch (error) {
      let header: { apiKey: number; apiVersion: number; clientId: string | null } | undefined;
      try {
        header = decodeRequestHeader(frame).header;
      } catch {
        header = undefined;
      }
      const reason =
        error instanceof UnsupportedVersionError ? (error.message.startsWith("unknown API key") ? "unknown API key" : "unsupported version") : "malformed request";
      this.fail(reason, { apiKey: header?.apiKey, apiVersion: header?.apiVersion, clientId: header?.clientId, error });
      return;
    }
    let parts: Uint8Array[] | null;
    try {
      parts = await dispatch(this.ctx, decoded, { header: decoded.header, clientHost: this.clientHost, signal: this.abort.signal, auth: this.auth });
    } catch (error) {
      if (this.closed) return;
      if (error instanceof AuthenticationRequiredError) {
        // A client that leaves a SASL exchange half-way (kafkajs ignores OAUTHBEARER's error challenge and
        // sends its next request) failed to authenticate: counted as such.
        if (this.auth.exchange && this.ctx.security) void this.ctx.security.failed("kafka", this.auth.exchange.mechanism, this.auth.remote, new Error(`exchange abandoned for ${registrationFor(decoded.apiKey)?.name ?? decoded.apiKey}`));
        return this.fail(`authentication required (${error.message})`, { clientId: decoded.header.clientId });
      }
      if (error instanceof ClusterAuthorizationError) return this.fail(`not authorized (${error.message})`, { clientId: decoded.header.clientId, principal: this.auth?.principal });
      this.fail("request failed", { apiKey: decoded.apiKey, apiVersion: decoded.header.apiVersion, clientId: decoded.header.clientId, error }, "error");
      return;
    }
    this.requests++;
    if (parts === null || this.closed || this.socket.destroyed) return;
    this.socket.cork();
    let ok = true;
    for (const part of parts) ok = this.socket.write(part);
    this.socket.uncork();
    if (!ok) this.waitingForSocket = true;
    if (this.auth.closeAfterResponse) this.endAfterWrite();
  }

  /**
   * A bare SASL token after a v0 SaslHandshake (no Kafka header): the reply is the challenge, size-prefixed.
   * A failure closes the connection after the failure delay, with no reply (Kafka's v0 behaviour).
   */
  private async handleRawToken(frame: Uint8Array): Promise<void> {
    const security = this.ctx.security;
    if (!security) return this.fail("SASL token without security", {});
    let challenge: Uint8Array;
    try {
      ({ challenge } = await this.auth.step(security, frame.slice()));
    } catch {
      return this.endAfterWrite();
    }
    if (this.closed || this.socket.destroyed) return;
    if (!this.socket.write(frameEncode(challenge))) this.waitingForSocket = true;
  }

  /** Ends the connection once what was written is flushed (after a failed or illegal SASL step). */
  private endAfterWrite(): void {
    if (this.closed) return;
    this.socket.end();
    this.cleanup();
  }

  /** Closes this connection after a protocol violation: one log line, then the socket is destroyed. */
  private fail(reason: string, fields: Record<string, unknown>, level: "warn" | "error" = "warn"): void {
    if (this.closed) return;
    const error = fields.error;
    if (error instanceof KafkaDecodeError || error instanceof UnsupportedVersionError) fields.error = error.message;
    this.logger[level](`kafka connection closed: ${reason}`, { remote: this.remote, ...fields });
    this.socket.destroy();
    this.cleanup();
  }

  /** Closes the connection (server shutdown); in-flight long polls are aborted. */
  close(): void {
    this.socket.destroy();
    this.cleanup();
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.options.offBrokerDrain(this.onBrokerDrain);
    this.pending.length = 0;
    this.pendingBytes = 0;
    // Give back every reservation: frames being read, pending frames, a waiting one. (The frame being
    // handled, if any, releases its own when its handler returns.)
    const memory = this.broker.requestMemory;
    if (this.held) memory.cancel(this.onGrant);
    this.held = null;
    memory.release(this.charges.reduce((a, b) => a + b, 0));
    this.charges.length = 0;
    this.onClose(this);
  }
}
