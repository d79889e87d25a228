// One WebSocket connection: decodes frames, runs requests (at most `maxInFlight` at once, the rest queued
// up to a byte limit), owns the connection's subscriptions and pumps them within credit and socket room.
//
// Memory per connection is bounded whatever the client does: socket buffer <= highWaterBytes + one frame
// per in-flight request; queued requests <= maxQueuedBytes (past that the connection is closed); each
// subscription cursor holds an offset, never a queue of records.

import { InvalidArgumentError, KafkaProtocolError, RivuletError, UnknownTopicOrPartitionError } from "../../errors/index.js";
import type { Broker } from "../../broker/broker.js";
import { decodeClientFrame } from "../../protocol/ws/client-frames.js";
import { encodeChunk, encodeServerFrame } from "../../protocol/ws/server-frames.js";
import { CloseCode, FrameType, RivuletErrorCode, StartKind, type ClientFrame, type ServerFrame, type StartPosition, type SubscribeFrame } from "../../protocol/ws/frames.js";
import { WsProtocolError } from "../../protocol/ws/bytes.js";
import { errorCodeOf } from "./error-codes.js";
import { handleDescribeTopic, handleFetch, handleListOffsets, handleMetadata, handleProduce } from "./requests.js";
import { readNext, Subscription, type Cursor, type SubscriptionSink } from "./subscription.js";
import type { GroupCoordinator } from "../../groups/index.js";
import { GroupStream, type GroupStreamHost } from "./group-stream.js";
import { handleCommit, handleDeleteGroup, handleDescribeGroup, handleFetchCommitted, handleListGroups, handleResetOffsets } from "./group-requests.js";

export interface SessionLimits {
  maxSubscriptions: number;
  maxInFlight: number;
  maxQueuedBytes: number;
  highWaterBytes: number;
  maxChunkBytes: number;
  /** Reads a connection may have in flight at once across its subscriptions. */
  maxConcurrentReads: number;
}

/** What a session needs from its socket: uWS's WebSocket, narrowed (and fakeable in tests). */
export interface SessionSocket {
  send(message: Uint8Array, isBinary: boolean): number;
  getBufferedAmount(): number;
  end(code?: number, reason?: string): void;
}

export class Session implements SubscriptionSink, GroupStreamHost {
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
  ) {}

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
      return;
    }
    this.dispatch(bytes);
  }

  private dispatch(bytes: Uint8Array): void {
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(bytes);
    } catch (error) {
      return this.close(CloseCode.PROTOCOL_ERROR, error instanceof WsProtocolError ? error.message.slice(0, 120) : "malformed frame");
    }
    // Frames without a response are handled inline.
    if (frame.type === FrameType.CREDIT) return this.onCredit(frame.requestId, frame.bytes);
    this.inFlight++;
    this.run(frame)
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
      this.dispatch(bytes);
    }
  }

  private async run(frame: ClientFrame): Promise<ServerFrame | undefined> {
    const { broker } = this;
    switch (frame.type) {
      case FrameType.PING:
        return { type: FrameType.PONG, requestId: frame.requestId, serverTimeMs: BigInt(Date.now()) };
      case FrameType.PRODUCE: {
        const response = handleProduce(broker, frame);
        return frame.acks === 0 ? (await response, undefined) : response;
      }
      case FrameType.FETCH:
        return handleFetch(broker, frame);
      case FrameType.LIST_OFFSETS:
        return handleListOffsets(broker, frame);
      case FrameType.METADATA:
        return handleMetadata(broker, frame);
      case FrameType.DESCRIBE_TOPIC:
        return handleDescribeTopic(broker, frame);
      case FrameType.CREATE_TOPIC:
        await broker.createTopic(frame.name, { partitions: frame.partitions, configs: frame.configs });
        return { type: FrameType.OK, requestId: frame.requestId };
      case FrameType.DELETE_TOPIC:
        await broker.deleteTopic(frame.name);
        return { type: FrameType.OK, requestId: frame.requestId };
      case FrameType.INIT_PRODUCER_ID: {
        const { producerId, producerEpoch } = broker.initProducerId();
        return { type: FrameType.PRODUCER_ID, requestId: frame.requestId, producerId, producerEpoch };
      }
      case FrameType.SUBSCRIBE:
        return this.subscribe(frame);
      case FrameType.UNSUBSCRIBE: {
        const sub = this.subscriptionOrThrow(frame.subscriptionId);
        sub.close();
        this.subscriptions.delete(sub.id);
        return { type: FrameType.OK, requestId: frame.requestId };
      }
      case FrameType.SEEK: {
        const sub = this.subscriptionOrThrow(frame.subscriptionId);
        const cursor = sub.cursors.find((c) => c.partition === frame.partition);
        if (!cursor) throw new UnknownTopicOrPartitionError(`subscription ${sub.id} does not read partition ${frame.partition}`);
        sub.seek(cursor, await this.resolveStart(sub.topic, frame.partition, frame.start));
        this.wake();
        return { type: FrameType.OK, requestId: frame.requestId };
      }
      case FrameType.JOIN_GROUP: {
        if (this.subscriptions.has(frame.requestId)) throw new SessionError("SUBSCRIPTION_EXISTS", `subscription ${frame.requestId} exists`);
        if (this.subscriptions.size >= this.limits.maxSubscriptions) throw new SessionError("TOO_MANY_SUBSCRIPTIONS", `at most ${this.limits.maxSubscriptions} subscriptions per connection`);
        const stream = new GroupStream(this, frame, Math.min(frame.maxChunkBytes || this.limits.maxChunkBytes, this.limits.maxChunkBytes));
        const response = stream.join();
        this.groupStreams.set(stream.id, stream);
        return response;
      }
      case FrameType.REVOKE_DONE:
        this.groupStreamOrThrow(frame.subscriptionId).revokeDone(frame.generation);
        return { type: FrameType.OK, requestId: frame.requestId };
      case FrameType.LEAVE_GROUP:
        this.groupStreamOrThrow(frame.subscriptionId).close();
        this.groupStreams.delete(frame.subscriptionId);
        return { type: FrameType.OK, requestId: frame.requestId };
      case FrameType.COMMIT:
        return handleCommit(this.coordinator, [...this.groupStreams.values()].filter((g) => g.groupId === frame.groupId), frame);
      case FrameType.FETCH_COMMITTED:
        return handleFetchCommitted(this.coordinator, broker, frame);
      case FrameType.LIST_GROUPS:
        return handleListGroups(this.coordinator, frame);
      case FrameType.DESCRIBE_GROUP:
        return handleDescribeGroup(this.coordinator, frame);
      case FrameType.RESET_OFFSETS:
        return handleResetOffsets(this.coordinator, frame);
      case FrameType.DELETE_GROUP:
        return handleDeleteGroup(this.coordinator, frame);
      default:
        throw new WsProtocolError(`frame type ${(frame as ClientFrame).type} has no handler`);
    }
  }

  // ---- subscriptions ---------------------------------------------------------------------------------

  private async subscribe(frame: SubscribeFrame): Promise<ServerFrame> {
    if (this.subscriptions.has(frame.requestId)) throw new SessionError("SUBSCRIPTION_EXISTS", `subscription ${frame.requestId} exists`);
    if (this.subscriptions.size >= this.limits.maxSubscriptions) {
      throw new SessionError("TOO_MANY_SUBSCRIPTIONS", `at most ${this.limits.maxSubscriptions} subscriptions per connection`);
    }
    const topic = this.broker.topic(frame.topic);
    if (!topic) throw new UnknownTopicOrPartitionError(`unknown topic ${frame.topic}`);
    const wanted = frame.partitions.length
      ? frame.partitions
      : Array.from({ length: topic.partitions }, (_, partition) => ({ partition, start: frame.start }));
    const maxChunk = Math.min(frame.maxChunkBytes || this.limits.maxChunkBytes, this.limits.maxChunkBytes);
    const sub = new Subscription(frame.requestId, frame.topic, frame.credit, maxChunk);
    const partitions = [];
    for (const { partition, start } of wanted) {
      try {
        const offset = await this.resolveStart(frame.topic, partition, start);
        const [earliest, latest] = await Promise.all([
          this.broker.listOffsets(frame.topic, partition, "earliest"),
          this.broker.listOffsets(frame.topic, partition, "latest"),
        ]);
        sub.addCursor(partition, offset);
        partitions.push({ partition, errorCode: 0, startOffset: offset, logStartOffset: earliest.offset, logEndOffset: latest.offset });
      } catch (error) {
        partitions.push({ partition, errorCode: errorCodeOf(error), startOffset: -1n, logStartOffset: -1n, logEndOffset: -1n });
      }
    }
    if (this.closed) return { type: FrameType.SUBSCRIBED, requestId: frame.requestId, partitions };
    this.subscriptions.set(sub.id, sub);
    // SUBSCRIBED goes out before any CHUNK: the pump runs after this response is sent.
    setImmediate(() => this.wake());
    return { type: FrameType.SUBSCRIBED, requestId: frame.requestId, partitions };
  }

  private async resolveStart(topic: string, partition: number, start: StartPosition): Promise<bigint> {
    switch (start.kind) {
      case StartKind.EARLIEST:
        return (await this.broker.listOffsets(topic, partition, "earliest")).offset;
      case StartKind.LATEST:
        return (await this.broker.listOffsets(topic, partition, "latest")).offset;
      case StartKind.OFFSET: {
        if (start.value < 0n) throw new InvalidArgumentError(`offset ${start.value} is negative`);
        const latest = (await this.broker.listOffsets(topic, partition, "latest")).offset;
        // Past the end is clamped to the end (the subscriber waits there); below the start is a GAP later.
        return start.value > latest ? latest : start.value;
      }
      case StartKind.TIMESTAMP: {
        const found = await this.broker.listOffsets(topic, partition, { timestamp: Number(start.value) });
        return found.offset >= 0n ? found.offset : (await this.broker.listOffsets(topic, partition, "latest")).offset;
      }
    }
  }

  private subscriptionOrThrow(id: number): Subscription {
    const sub = this.subscriptions.get(id);
    if (!sub) throw new SessionError("UNKNOWN_SUBSCRIPTION", `no subscription ${id}`);
    return sub;
  }

  private groupStreamOrThrow(id: number): GroupStream {
    const stream = this.groupStreams.get(id);
    if (!stream) throw new SessionError("UNKNOWN_SUBSCRIPTION", `no group membership ${id}`);
    return stream;
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
      for (const cursor of sub.cursors) {
        if (this.readsInFlight >= this.limits.maxConcurrentReads || sub.credit <= 0) break;
        if (cursor.state !== "idle") continue;
        this.readsInFlight++;
        readNext(this.broker, sub, cursor, this, () => this.readsInFlight--);
      }
    }
    this.rotate++;
  }

  // SubscriptionSink
  chunk(sub: Subscription, cursor: Cursor, fromOffset: bigint, records: Uint8Array, nextOffset: bigint, highWatermark: bigint): boolean {
    return this.send(encodeChunk({ requestId: sub.id, partition: cursor.partition, fromOffset, nextOffset, highWatermark, records }));
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
      const e = error instanceof RivuletError ? error : new RivuletError("UNKNOWN_SERVER_ERROR", String((error as Error)?.message ?? error));
      this.send(encodeServerFrame({ type: FrameType.ERROR, requestId, errorCode: errorCodeOf(e), code: e.code, message: e.message.slice(0, 1000) }));
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
    // Leave groups first: their partitions move to other members now, not after a session timeout.
    for (const stream of this.groupStreams.values()) stream.close();
    this.groupStreams.clear();
    for (const sub of this.subscriptions.values()) sub.close();
    this.queue.length = 0;
    this.queuedBytes = 0;
  }
}

/** Errors with Rivulet's own codes (frames.ts RivuletErrorCode). */
export class SessionError extends RivuletError {
  constructor(code: keyof typeof RivuletErrorCode, message: string) {
    super(code, message);
  }
}
