// One WebSocket connection's flow control: decodes frames, runs requests through the handler table
// (handlers/dispatch.ts; at most `maxInFlight` at once, the rest queued up to a byte limit), owns the
// connection's subscriptions and pumps them within credit and socket room.
//
// Memory per connection is bounded whatever the client does: socket buffer <= highWaterBytes + one frame
// per in-flight request; queued requests <= maxQueuedBytes (past that the connection is closed); each
// subscription cursor holds an offset, never a queue of records.

import { KafkaProtocolError, RivuletError } from "../../errors/index.js";
import type { Broker } from "../../broker/broker.js";
import { decodeClientFrame } from "../../protocol/ws/client-frames.js";
import { CHUNK_HEADER_SIZE, encodeChunk, encodeChunkInto, encodeServerFrame } from "../../protocol/ws/server-frames.js";
import { CloseCode, FrameType, type ClientFrame, type ServerFrame } from "../../protocol/ws/frames.js";
import { WsProtocolError } from "../../protocol/ws/bytes.js";
import { errorFrameFieldsOf } from "./error-codes.js";
import { readNext, type Cursor, type Subscription } from "./subscription.js";
import { tailFanoutOf, type TailSink } from "./tail-fanout.js";
import type { GroupCoordinator } from "../../groups/index.js";
import type { GroupStream } from "./group-stream.js";
import { dispatch } from "./handlers/dispatch.js";
import type { WsRequestContext } from "./handlers/context.js";
import type { SessionLimits } from "./session-limits.js";
import type { Security } from "../../security/index.js";
import { WsAuthState } from "./auth-state.js";
import { normalizeAddress } from "../../security/network-policy.js";

export type { SessionLimits };
export { SessionError } from "./handlers/session-error.js";

/** What a session needs from its socket: uWS's WebSocket, narrowed (and fakeable in tests). */
export interface SessionSocket {
  send(message: Uint8Array, isBinary: boolean): number;
  getBufferedAmount(): number;
  end(code?: number, reason?: string): void;
  /**
   * Stop and restart reading the client's frames (node transport only: uWS 20.30 cannot). With them, a
   * client whose requests must queue is held in its TCP window instead of queueing up to maxQueuedBytes.
   */
  pauseReads?(): void;
  resumeReads?(): void;
}

/**
 * How the transport treats a sent buffer. "copies": send() has copied or written the bytes before it
 * returns (uWS), so one shared CHUNK frame can be patched and sent to every subscriber in turn; "keeps":
 * the transport may hold the buffer after send() returns (a stream queue), so each send gets its own copy.
 */
export type SendOwnership = "copies" | "keeps";

/**
 * The buffer CHUNK frames are built in for a copying transport: one per thread (sessions send one at a
 * time), grown to the largest frame and shrunk back when a frame is far smaller than it has grown to.
 */
let scratch = new Uint8Array(0);
function chunkScratch(bytes: number): Uint8Array {
  if (bytes > scratch.length || (scratch.length > 4 << 20 && bytes < scratch.length >> 3)) scratch = new Uint8Array(Math.max(bytes, 64 * 1024));
  return scratch;
}

export class Session implements TailSink, WsRequestContext {
  readonly subscriptions = new Map<number, Subscription>();
  readonly groupStreams = new Map<number, GroupStream>();
  closed = false;
  lastActivity = Date.now();
  private inFlight = 0;
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private readsInFlight = 0;
  private pumpScheduled = false;
  private socketPaused = false;
  private rotate = 0;
  framesIn = 0;
  framesOut = 0;
  bytesOut = 0;

  constructor(
    readonly id: number,
    private readonly socket: SessionSocket,
    readonly broker: Broker,
    readonly limits: SessionLimits,
    private readonly groups?: GroupCoordinator,
    readonly clientHost = "",
    readonly security?: Security,
    private readonly sendOwnership: SendOwnership = "keeps",
  ) {
    this.auth = new WsAuthState(normalizeAddress(clientHost), (code, reason) => this.close(code, reason));
  }

  /** Principal and AUTH state (security, issue 13). */
  readonly auth: WsAuthState;

  get coordinator(): GroupCoordinator {
    if (!this.groups) throw new KafkaProtocolError("COORDINATOR_NOT_AVAILABLE", "this server has no group coordinator");
    return this.groups;
  }

  // ---- inbound -------------------------------------------------------------------------------------------

  /** A binary message from the client. The bytes are only valid during this call (uWS reuses them). */
  onMessage(bytes: Uint8Array): void {
    this.lastActivity = Date.now();
    this.framesIn++;
    if (this.queue.length || this.inFlight >= this.limits.maxInFlight || this.socketPaused) {
      if (this.queuedBytes + bytes.length > this.limits.maxQueuedBytes) {
        return this.close(CloseCode.PROTOCOL_ERROR, "request queue overflow: the client sends faster than it reads responses");
      }
      this.queue.push(bytes.slice());
      this.queuedBytes += bytes.length;
      this.socket.pauseReads?.();
      return;
    }
    this.handle(bytes);
  }

  private handle(bytes: Uint8Array): void {
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(bytes);
    } catch (error) {
      return this.close(CloseCode.PROTOCOL_ERROR, error instanceof WsProtocolError ? error.message.slice(0, 120) : "malformed frame");
    }
    // Frames without a response are handled inline.
    if (frame.type === FrameType.CREDIT) return this.onCredit(frame.requestId, frame.bytes);
    // With authentication required, nothing but AUTH and PING before it succeeds (docs/security.md).
    if (this.security?.requireAuthentication && !this.auth.authenticated && frame.type !== FrameType.AUTH && frame.type !== FrameType.PING) {
      return this.close(CloseCode.AUTHENTICATION_REQUIRED, "authenticate first: send AUTH");
    }
    this.inFlight++;
    dispatch(this, frame)
      .then((response) => {
        if (response) this.send(encodeServerFrame(response));
      })
      .catch((error) => this.sendError(frame.requestId, error))
      .finally(() => {
        this.inFlight--;
        this.drainQueue();
      });
  }

  private drainQueue(): void {
    while (this.queue.length && this.inFlight < this.limits.maxInFlight && !this.socketPaused && !this.closed) {
      const bytes = this.queue.shift()!;
      this.queuedBytes -= bytes.length;
      this.handle(bytes);
    }
    if (this.queue.length === 0) this.socket.resumeReads?.();
  }

  // GroupStreamHost
  sendFrame(frame: ServerFrame): void {
    this.send(encodeServerFrame(frame));
  }
  addSubscription(sub: Subscription): void {
    this.subscriptions.set(sub.id, sub);
  }
  removeSubscription(id: number): void {
    this.subscriptions.delete(id);
  }

  private onCredit(subscriptionId: number, bytes: number): void {
    const sub = this.subscriptions.get(subscriptionId);
    if (!sub) return; // credit for a subscription just closed: harmless
    sub.grant(bytes);
    this.wake();
  }

  /** Schedules one pump run (many wake-ups in a tick coalesce). */
  wake(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.closed) return;
    const subs = [...this.subscriptions.values()];
    const now = Date.now();
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[(i + this.rotate) % subs.length]!;
      const blocked = this.socketPaused || sub.credit <= 0;
      if (blocked && sub.pausedSince === undefined) sub.pausedSince = now;
      if (!blocked && sub.pausedSince !== undefined) {
        sub.pausedMs += now - sub.pausedSince;
        sub.pausedSince = undefined;
      }
      if (blocked) continue;
      // Round robin over the cursors, from the one after the last that got a read: with more partitions
      // than read slots, a partition with a long backlog must not take every freed slot while others wait.
      const cursors = sub.cursors;
      const n = cursors.length;
      for (let k = 0; k < n; k++) {
        if (this.readsInFlight >= this.limits.maxConcurrentReads || sub.credit <= 0) break;
        const at = (sub.nextCursor + k) % n;
        const cursor = cursors[at]!;
        if (cursor.state !== "idle") continue;
        sub.nextCursor = (at + 1) % n;
        this.readsInFlight++;
        readNext(this.broker, sub, cursor, this, this.readDone);
      }
    }
    this.rotate++;
  }

  /**
   * A read landed: its slot is free, so the pump must run again whatever the read found. A read that parks
   * at the log end (or fails) wakes nothing else, and idle cursors skipped for want of a slot would wait
   * for ever (issue 14: a 12-partition subscription stopped short with 8 slots).
   */
  private readonly readDone = (): void => {
    this.readsInFlight--;
    this.wake();
  };

  // SubscriptionSink / TailSink
  park(sub: Subscription, cursor: Cursor): void {
    tailFanoutOf(this.broker).park(sub, cursor, this);
  }
  canSendNow(): boolean {
    return !this.closed && !this.socketPaused;
  }
  sendSharedChunk(frame: Uint8Array, subscriptionId: number): boolean {
    // The subscription id: bytes 1-4 of every server frame (big-endian, as FrameWriter.u32 writes it).
    frame[1] = subscriptionId >>> 24;
    frame[2] = (subscriptionId >>> 16) & 0xff;
    frame[3] = (subscriptionId >>> 8) & 0xff;
    frame[4] = subscriptionId & 0xff;
    return this.send(this.sendOwnership === "copies" ? frame : frame.slice());
  }
  chunk(sub: Subscription, cursor: Cursor, fromOffset: bigint, records: Uint8Array, nextOffset: bigint, highWatermark: bigint): boolean {
    const chunk = { requestId: sub.id, partition: cursor.partition, fromOffset, nextOffset, highWatermark, records };
    // A transport that copies on send (uWS) gets every frame built in one reused buffer: a fresh frame per
    // chunk (hundreds of KiB, off the JS heap) made the broker's main thread collect garbage for a third
    // of its time while streaming from the start (docs/benchmarks.md, issue 14).
    return this.send(this.sendOwnership === "copies" ? encodeChunkInto(chunkScratch(CHUNK_HEADER_SIZE + records.length), chunk) : encodeChunk(chunk));
  }
  gap(sub: Subscription, cursor: Cursor, fromOffset: bigint, toOffset: bigint): void {
    this.send(encodeServerFrame({ type: FrameType.GAP, requestId: sub.id, partition: cursor.partition, fromOffset, toOffset }));
  }
  stalled(sub: Subscription, cursor: Cursor, neededBytes: number): void {
    this.send(encodeServerFrame({ type: FrameType.STALLED, requestId: sub.id, partition: cursor.partition, neededBytes }));
  }
  failed(sub: Subscription, error: RivuletError): void {
    sub.close();
    this.subscriptions.delete(sub.id);
    this.sendError(sub.id, error);
  }

  // ---- outbound ------------------------------------------------------------------------------------------

  private send(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    const status = this.socket.send(bytes, true);
    this.framesOut++;
    this.bytesOut += bytes.length;
    if (status === 2) {
      // Dropped by uWS: never expected (our high-water mark is far below maxBackpressure), and a silently
      // missing frame would corrupt the stream, so end the connection; the client resumes by offset.
      this.close(1011, "send buffer overflow");
      return false;
    }
    if (this.socket.getBufferedAmount() > this.limits.highWaterBytes) this.socketPaused = true;
    return true;
  }

  /** Never throws: a failure to report an error ends the connection instead (other clients carry on). */
  private sendError(requestId: number, error: unknown): void {
    try {
      if (error instanceof WsProtocolError) return this.close(CloseCode.PROTOCOL_ERROR, error.message.slice(0, 120));
      this.send(encodeServerFrame({ type: FrameType.ERROR, requestId, ...errorFrameFieldsOf(error) }));
    } catch {
      this.close(1011, "internal error");
    }
  }

  /** uWS 'drain': the socket buffer went down. */
  onDrain(): void {
    if (this.socketPaused && this.socket.getBufferedAmount() <= this.limits.highWaterBytes / 2) {
      this.socketPaused = false;
      this.drainQueue();
      this.wake();
    }
  }

  get isSocketPaused(): boolean {
    return this.socketPaused;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.onClosed();
    try {
      this.socket.end(code, reason);
    } catch {
      // Already closed by the peer.
    }
  }

  /** The socket is gone (either side closed it). */
  onClosed(): void {
    this.closed = true;
    this.auth.dispose();
    // Leave groups first: their partitions move to other members now, not after a session timeout.
    for (const stream of this.groupStreams.values()) stream.close();
    this.groupStreams.clear();
    for (const sub of this.subscriptions.values()) sub.close();
    this.queue.length = 0;
    this.queuedBytes = 0;
  }
}
