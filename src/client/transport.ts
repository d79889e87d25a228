// The client's one dependency on the outside world: something that sends and receives binary WebSocket
// messages. Browsers pass their native WebSocket; Node 20 (no global WebSocket) gets the `ws` package,
// loaded lazily so the browser build never touches it. Tests can inject anything with the same shape.

export interface WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The WebSocket constructor to use: the given one, the global one, or (Node) the `ws` package. */
export async function resolveWebSocket(given?: WebSocketConstructor): Promise<WebSocketConstructor> {
  if (given) return given;
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global) return global;
  // A variable specifier keeps bundlers and browsers from resolving `ws` eagerly.
  const specifier = "ws";
  const module = (await import(specifier)) as { default: WebSocketConstructor };
  return module.default;
}

/** Copies a received message into a Uint8Array view, whatever the runtime delivered. */
export function messageBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) {
    // `ws` may deliver fragmented messages as an array of Buffers.
    const total = data.reduce((n: number, b: Uint8Array) => n + b.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const b of data as Uint8Array[]) {
      out.set(b, at);
      at += b.length;
    }
    return out;
  }
  throw new TypeError("text frames are not part of the Rivulet protocol");
}

/**
 * Waiters for a socket's buffer to drain below a threshold, released in arrival order (so batches handed
 * to the socket keep their order). Neither the browser's WebSocket nor the `ws` package's emits a drain
 * event, so this polls bufferedAmount on a short timer, and only while someone waits and the socket is
 * above the threshold: an idle or keeping-up sender never starts the timer. A closed socket reports 0 and
 * so releases everyone (their sends then fail and are retried).
 */
export class DrainGate {
  private readonly waiters: Array<() => void> = [];
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly bufferedAmount: () => number,
    private readonly threshold: number,
    private readonly intervalMs = 2,
  ) {}

  /** Resolves at once while the socket is at or below the threshold and nobody waits before us. */
  wait(): Promise<void> {
    if (this.waiters.length === 0 && this.bufferedAmount() <= this.threshold) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      this.timer ??= setInterval(() => this.release(), this.intervalMs);
    });
  }

  private release(): void {
    // One waiter per check: each sends before the next looks at the buffer again.
    while (this.waiters.length > 0 && this.bufferedAmount() <= this.threshold) {
      this.waiters.shift()!();
      if (this.waiters.length > 0) {
        // The woken sender runs in a microtask; let it send before releasing the next.
        queueMicrotask(() => this.release());
        return;
      }
    }
    if (this.waiters.length === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
