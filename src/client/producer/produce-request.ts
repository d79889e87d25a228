// One attempt to deliver a partition's batch: the PRODUCE request (or, with acks 0, a post once the socket
// has room), bounded by the request and delivery timeouts. Split from partition-sender.ts, which decides
// when a batch goes and what an answer means; this file only puts it on the wire.
//
// No frame copy (issue 14): each batch of the partition is built with room for the frame's head in front of
// it (BatchBuilder's `start`), so an uncompressed batch goes out as head + batch straight from the builder's
// buffer (acks 0 too); the socket copies it while it masks it (`ws`) or queues it (browsers). A compressed batch is a new
// buffer without that room and is framed by encodeClientFrame, as every other request.

import { FrameType, produceFrameHeadSize, produceFrameTopic, writeProduceFrameHead, type ServerFrame } from "../../protocol/ws/index.js";
import type { Connection } from "../connection.js";
import { ConnectionError } from "../errors.js";
import type { DrainGate } from "../transport.js";
import type { Batch } from "./batch.js";
import { RequestTimeoutError, withTimeout } from "./errors.js";

export interface RequestSettings {
  acks: -1 | 0 | 1;
  requestTimeoutMs: number;
  deliveryTimeoutMs: number;
}

export class ProduceRequests {
  private readonly topicBytes: Uint8Array;
  /** Bytes kept free in front of each batch of this partition for the frame's head. */
  readonly frameHead: number;

  constructor(
    private readonly connection: Connection,
    private readonly settings: RequestSettings,
    private readonly drain: DrainGate,
    private readonly topic: string,
    private readonly partition: number,
  ) {
    this.topicBytes = produceFrameTopic(topic);
    this.frameHead = produceFrameHeadSize(this.topicBytes);
  }

  /** Sends `batch.encoded`; resolves with the answer (undefined with acks 0, once the socket took it). */
  send(batch: Batch): Promise<ServerFrame | undefined> {
    return this.settings.acks === 0 ? this.post(batch) : this.request(batch);
  }

  private async post(batch: Batch): Promise<undefined> {
    const { connection } = this;
    // acks 0 settles a batch once the socket took it: wait until the socket has room, or memory grows
    // without bound while the socket cannot keep up (issue 12).
    await this.drain.wait();
    if (!connection.isOpen) throw new ConnectionError(`not connected to ${connection.url}`);
    const encoded = batch.encoded!;
    // In place as for a request: the socket copies the bytes before send returns, so the buffer may go
    // back to the pool as soon as this settles.
    if (this.inPlace(batch, encoded)) connection.post(this.frameWriter(batch, encoded));
    else connection.post({ type: FrameType.PRODUCE, requestId: connection.allocateId(), acks: 0, timeoutMs: this.settings.requestTimeoutMs, items: [{ topic: this.topic, partition: this.partition, batch: encoded }] });
    return undefined;
  }

  private request(batch: Batch): Promise<ServerFrame> {
    const { connection, settings } = this;
    const left = batch.createdAt + settings.deliveryTimeoutMs - Date.now();
    const timeoutMs = Math.max(1, Math.min(settings.requestTimeoutMs, left));
    const encoded = batch.encoded!;
    const response = this.inPlace(batch, encoded)
      ? connection.requestFrame(this.frameWriter(batch, encoded))
      : connection.request({ type: FrameType.PRODUCE, acks: settings.acks, timeoutMs: settings.requestTimeoutMs, items: [{ topic: this.topic, partition: this.partition, batch: encoded }] });
    // The connection's own timer may be longer (or not yet running while it reconnects): bound every attempt.
    return withTimeout(response, timeoutMs, () => new RequestTimeoutError(timeoutMs));
  }

  /** The batch sits in its builder's buffer right after room for the frame's head. */
  private inPlace(batch: Batch, encoded: Uint8Array): boolean {
    const { buffer, start } = batch.builder;
    return start === this.frameHead && encoded.buffer === buffer.buffer && encoded.byteOffset === buffer.byteOffset + start;
  }

  /**
   * Writes the frame's head when the connection sends it (after a reconnect, possibly later than now). By
   * then this attempt may be over (timed out and retried, or the buffer recycled): then nothing is sent.
   */
  private frameWriter(batch: Batch, encoded: Uint8Array): (requestId: number) => Uint8Array | undefined {
    const attempt = batch.attempts;
    const { acks, requestTimeoutMs } = this.settings;
    return (requestId) => {
      if (batch.attempts !== attempt || batch.encoded !== encoded) return undefined;
      return writeProduceFrameHead(batch.builder.buffer, requestId, acks, requestTimeoutMs, this.topicBytes, this.partition, encoded.length);
    };
  }
}
