// Raw Kafka requests over TCP with Rivulet's own codecs, for tests that drive a protocol step by step (a
// KIP-848 heartbeat loop, a classic member) against a broker process that may be restarting.

import { createConnection, type Socket } from "node:net";
import { FrameDecoder, concat, decodeResponseFrame, encodeRequestFrame, type ApiKeyValue, type RequestOf, type ResponseOf } from "../../src/protocol/kafka/index.js";

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
      this.waiting = resolve;
      this.socket.once("close", () => reject(new Error("connection closed")));
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

