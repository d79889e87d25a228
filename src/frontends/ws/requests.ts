// Request/response handlers of the WebSocket protocol: each takes a decoded client frame, calls the broker
// and returns the response frame. Kafka errors are data (an errorCode per item); only a request that fails
// as a whole gets an ERROR frame.

import { InvalidArgumentError, toKafkaCode, type RivuletError } from "../../errors/index.js";
import { offsetSpecFromTimestamp } from "../../protocol/offset-spec.js";
import type { Broker } from "../../broker/broker.js";
import { FrameType, type ClientFrame, type ServerFrame } from "../../protocol/ws/frames.js";
import { errorCodeOf } from "./error-codes.js";

type Frame<T extends ClientFrame["type"]> = Extract<ClientFrame, { type: T }>;

/** Fetch responses are capped so one request cannot make the server hold more than this for a client. */
export const MAX_FETCH_RESPONSE_BYTES = 4 * 1024 * 1024;

export async function handleProduce(broker: Broker, frame: Frame<typeof FrameType.PRODUCE>): Promise<ServerFrame> {
  // produceMany copies the batches synchronously (before its first await): the frame's views into the
  // uWS message buffer are not used after this call returns.
  const results = await broker.produceMany(frame.items, { acks: frame.acks, timeoutMs: frame.timeoutMs || 30_000 });
  return {
    type: FrameType.PRODUCE_RESULT,
    requestId: frame.requestId,
    items: results.map((r) =>
      r.ok
        ? { errorCode: 0, errorMessage: "", baseOffset: r.ok.baseOffset, logAppendTime: BigInt(r.ok.logAppendTime), logStartOffset: r.ok.logStartOffset }
        : { errorCode: errorCodeOf(r.error), errorMessage: r.error.message, baseOffset: -1n, logAppendTime: -1n, logStartOffset: -1n },
    ),
  };
}

export async function handleFetch(broker: Broker, frame: Frame<typeof FrameType.FETCH>): Promise<ServerFrame> {
  const maxBytes = Math.min(frame.maxBytes || MAX_FETCH_RESPONSE_BYTES, MAX_FETCH_RESPONSE_BYTES);
  const perItem = Math.max(1, Math.floor(maxBytes / Math.max(1, frame.items.length)));
  const results = await broker.fetchMany(
    frame.items.map((i) => ({ ...i, maxBytes: Math.min(i.maxBytes || perItem, perItem) })),
    { minBytes: frame.minBytes, maxWaitMs: Math.min(frame.maxWaitMs, 60_000), maxBytes: perItem },
  );
  return {
    type: FrameType.FETCH_RESULT,
    requestId: frame.requestId,
    items: results.map((r) =>
      r.ok
        ? { errorCode: 0, highWatermark: r.ok.highWatermark, logStartOffset: r.ok.logStartOffset, records: r.ok.records }
        : { errorCode: errorCodeOf(r.error), highWatermark: -1n, logStartOffset: -1n, records: new Uint8Array(0) },
    ),
  };
}

export async function handleListOffsets(broker: Broker, frame: Frame<typeof FrameType.LIST_OFFSETS>): Promise<ServerFrame> {
  const items = await Promise.all(
    frame.items.map(async (i) => {
      try {
        const spec = offsetSpecFromTimestamp(i.timestamp);
        if (!spec) throw new InvalidArgumentError(`timestamp ${i.timestamp} is neither a time nor -1, -2 or -3`);
        const r = await broker.listOffsets(i.topic, i.partition, spec);
        return { errorCode: 0, offset: r.offset, timestamp: r.timestamp };
      } catch (error) {
        return { errorCode: errorCodeOf(error as RivuletError), offset: -1n, timestamp: -1n };
      }
    }),
  );
  return { type: FrameType.OFFSETS_RESULT, requestId: frame.requestId, items };
}

export async function handleMetadata(broker: Broker, frame: Frame<typeof FrameType.METADATA>): Promise<ServerFrame> {
  const names = frame.topics.length ? frame.topics : broker.listTopics().map((t) => t.name);
  const topics = await Promise.all(
    names.map(async (name) => {
      try {
        const description = await broker.describeTopic(name);
        return {
          name,
          errorCode: 0,
          partitions: description.partitions.map((p) => ({ partition: p.partition, logStartOffset: p.logStartOffset, logEndOffset: p.logEndOffset })),
        };
      } catch (error) {
        return { name, errorCode: toKafkaCode(error), partitions: [] };
      }
    }),
  );
  return { type: FrameType.METADATA_RESULT, requestId: frame.requestId, topics };
}

export async function handleDescribeTopic(broker: Broker, frame: Frame<typeof FrameType.DESCRIBE_TOPIC>): Promise<ServerFrame> {
  const d = await broker.describeTopic(frame.name);
  return {
    type: FrameType.TOPIC_DESCRIPTION,
    requestId: frame.requestId,
    name: d.name,
    id: d.id,
    partitions: d.partitions.map((p) => ({ partition: p.partition, logStartOffset: p.logStartOffset, logEndOffset: p.logEndOffset })),
    configs: d.configs,
  };
}
