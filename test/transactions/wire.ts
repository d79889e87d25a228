// A bare Kafka connection for the transactions v2 tests: requests encoded by our codecs, sent in order on
// one socket, one reply each (the broker answers a connection's requests in order).

import { createConnection, type Socket } from "node:net";
import { FrameDecoder, concat, decodeResponseFrame, encodeRequestFrame, type ApiKeyValue, type RequestOf, type ResponseOf } from "../../src/protocol/kafka/index.js";

export class Connection {
  private readonly frames = new FrameDecoder();
  private readonly waiting: { resolve: (frame: Uint8Array) => void; reject: (error: Error) => void }[] = [];
  private readonly queued: Uint8Array[] = [];
  private correlationId = 1;
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk) => {
      for (const f of this.frames.push(chunk)) {
        const next = this.waiting.shift();
        if (next) next.resolve(f);
        else this.queued.push(f);
      }
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w.reject(new Error("connection closed"));
    });
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => resolve(new Connection(socket)));
      socket.once("error", reject);
    });
  }

  /** Rejects when the connection closes first (a broker killed mid-request). */
  async call<K extends ApiKeyValue>(key: K, version: number, request: RequestOf<K>): Promise<ResponseOf<K>> {
    if (this.closed) throw new Error("connection closed");
    this.socket.write(concat(encodeRequestFrame(key, version, this.correlationId++, "txn-v2", request)));
    const frame = this.queued.shift() ?? (await new Promise<Uint8Array>((resolve, reject) => this.waiting.push({ resolve, reject })));
    return decodeResponseFrame(key, version, frame).response as ResponseOf<K>;
  }

  close(): void {
    this.socket.destroy();
  }
}
