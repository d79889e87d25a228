// Raw Kafka requests over TCP with Rivulet's own codecs, for tests that drive a protocol step by step (a
// KIP-848 heartbeat loop, a classic member) against a broker process that may be restarting.

import { createConnection, type Socket } from "node:net";
import { batchSizeAt, decodeRecordBatch, viewOf } from "../../src/core/index.js";
import { ApiKey, FrameDecoder, concat, decodeResponseFrame, encodeRequestFrame, type ApiKeyValue, type FetchPartitionResponse, type RequestOf, type ResponseOf } from "../../src/protocol/kafka/index.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One Kafka connection, one request at a time (what a heartbeat thread does). */
export class Wire {
  private readonly frames = new FrameDecoder();
  private waiting: ((frame: Uint8Array) => void) | undefined;
  private correlation = 0;
  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk) => {
      for (const frame of this.frames.push(chunk)) this.waiting?.(frame);
    });
  }

  static open(bootstrap: string): Promise<Wire> {
    const [host, port] = bootstrap.split(":");
    const socket = createConnection({ host, port: Number(port) });
    return new Promise((resolve, reject) => {
      socket.once("connect", () => resolve(new Wire(socket)));
      socket.once("error", reject);
    });
  }

  request<K extends ApiKeyValue>(apiKey: K, version: number, body: RequestOf<K>): Promise<ResponseOf<K>> {
    const reply = new Promise<Uint8Array>((resolve, reject) => {
      const onClose = () => reject(new Error("connection closed"));
      // One listener per request in flight, removed with its answer (not one more per request on the socket).
      this.waiting = (frame) => {
        this.socket.off("close", onClose);
        resolve(frame);
      };
      this.socket.once("close", onClose);
    });
    this.socket.write(concat(encodeRequestFrame(apiKey, version, ++this.correlation, "wire-848", body)));
    return reply.then((frame) => decodeResponseFrame(apiKey, version, frame).response);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Retries a request on fresh connections until the broker answers (it may be starting, or loading). */
export async function ask<K extends ApiKeyValue>(bootstrap: string, apiKey: K, version: number, body: RequestOf<K>, ok: (r: ResponseOf<K>) => boolean = () => true): Promise<ResponseOf<K>> {
  let last: unknown;
  for (let i = 0; i < 100; i++) {
    try {
      const wire = await Wire.open(bootstrap);
      try {
        const response = await wire.request(apiKey, version, body);
        if (ok(response)) return response;
        last = response;
      } finally {
        wire.close();
      }
    } catch (error) {
      last = error;
    }
    await sleep(100);
  }
  throw new Error(`no answer: ${JSON.stringify(last, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`);
}


/** One partition's answer to a consumer's Fetch (v11, minBytes 1): a long poll of up to `maxWaitMs`. */
export async function fetchPartition(wire: Wire, topic: string, partition: number, offset: bigint, options: { maxWaitMs: number; isolationLevel?: 0 | 1 }): Promise<FetchPartitionResponse> {
  const response = await wire.request(ApiKey.Fetch, 11, {
    replicaId: -1,
    maxWaitMs: options.maxWaitMs,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: options.isolationLevel ?? 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: "",
  });
  return response.responses[0]!.partitions[0]!;
}

/** [offset, value as text] of every record a fetched partition holds at or past `from` (batches may start before it). */
export function fetchedRecords(p: FetchPartitionResponse, from = 0n): [bigint, string][] {
  const bytes = p.records as Uint8Array | null;
  const out: [bigint, string][] = [];
  if (!bytes) return out;
  const view = viewOf(bytes);
  for (let at = 0; at < bytes.byteLength; ) {
    const size = batchSizeAt(view, at);
    for (const r of decodeRecordBatch(bytes.subarray(at, at + size)).records) if (r.offset >= from) out.push([r.offset, Buffer.from(r.value!).toString()]);
    at += size;
  }
  return out;
}
