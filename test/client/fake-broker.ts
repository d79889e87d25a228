// An in-memory stand-in for a broker behind the client's injectable WebSocket constructor: each socket the
// client opens is refused, left silent (a frozen broker), or welcomed and answered by `answer`. Lets the
// connection's deadlines, backoff and status events be tested in milliseconds and deterministically.

import type { WebSocketConstructor, WebSocketLike } from "../../src/client/index.js";
import { decodeClientFrame, encodeServerFrame, FrameType, type ClientFrame, type ServerFrame } from "../../src/protocol/ws/index.js";

export type Mode = "refuse" | "silent" | "welcome";

export class FakeSocket implements WebSocketLike {
  binaryType = "arraybuffer";
  bufferedAmount = 0;
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly received: ClientFrame[] = [];

  constructor(private readonly broker: FakeBroker, readonly url: string) {
    const mode = broker.mode;
    setTimeout(() => {
      if (mode === "refuse") return this.drop(1006, "");
      this.readyState = 1;
      if (mode === "welcome") {
        this.deliver({ type: FrameType.WELCOME, requestId: 0, protocolVersion: 1, serverVersion: "fake", maxFrameBytes: 1 << 20, maxSubscriptions: 64, idleTimeoutMs: broker.idleTimeoutMs });
      }
    }, 1);
  }

  send(data: Uint8Array): void {
    if (this.readyState !== 1) return;
    const frame = decodeClientFrame(data);
    this.received.push(frame);
    if (this.broker.mode === "silent") return;
    for (const reply of this.broker.answer(frame, this)) this.deliver(reply);
  }

  /** Sends a server frame to the client (asynchronously, as a socket would). */
  deliver(frame: ServerFrame): void {
    const bytes = encodeServerFrame(frame);
    setTimeout(() => {
      if (this.readyState === 1) this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
    }, 0);
  }

  /** The connection drops (the broker died): code 1006, no close frame. */
  drop(code = 1006, reason = ""): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  close(code = 1000, reason = ""): void {
    setTimeout(() => this.drop(code, reason), 0);
  }
}

export class FakeBroker {
  mode: Mode = "welcome";
  idleTimeoutMs = 120_000;
  readonly sockets: FakeSocket[] = [];
  /** Replies to a client frame (default: PONG to PING, nothing else). */
  answer: (frame: ClientFrame, socket: FakeSocket) => ServerFrame[] = (frame) =>
    frame.type === FrameType.PING ? [{ type: FrameType.PONG, requestId: frame.requestId, serverTimeMs: 0n }] : [];

  readonly WebSocket: WebSocketConstructor;

  constructor() {
    const broker = this;
    this.WebSocket = class {
      constructor(url: string) {
        const socket = new FakeSocket(broker, url);
        broker.sockets.push(socket);
        return socket;
      }
    } as unknown as WebSocketConstructor;
  }

  get current(): FakeSocket | undefined {
    return this.sockets.at(-1);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 5 ms until it holds, failing after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
