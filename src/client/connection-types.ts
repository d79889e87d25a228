// The shapes of a client connection: its options (reconnect policy, deadlines, authentication), its status
// events, and what streams and requests hand it. The Connection class itself is in connection.ts.

import type { ClientFrame, ServerFrame } from "../protocol/ws/index.js";
import type { AuthOptions } from "./auth.js";
import type { WebSocketConstructor } from "./transport.js";

export interface ReconnectPolicy {
  /** First delay before reconnecting. Default 100 ms (Kafka's reconnect.backoff.ms is 50). */
  initialDelayMs?: number;
  /** The delay doubles up to this cap; each delay is jittered down by up to half. Default 10000. */
  maxDelayMs?: number;
  /** Give up after this many failed attempts in a row. Default: never. */
  maxAttempts?: number;
  /** Give up once the broker has been unreachable for this long (a TimeoutError). Default: never. */
  giveUpAfterMs?: number;
}

export interface ConnectionOptions {
  /** Default ws://127.0.0.1:8080/ws. */
  url?: string;
  /** Injected WebSocket constructor (default: the global one, or the `ws` package on Node). */
  WebSocket?: WebSocketConstructor;
  /** Reconnect after a drop (default: forever, 100 ms doubling to 10 s), or not at all (false). */
  reconnect?: false | ReconnectPolicy;
  /** A request with no answer after this long fails with a TimeoutError (request.timeout.ms). Default 30000. */
  requestTimeoutMs?: number;
  /** One connection attempt (TCP, upgrade and WELCOME) may take this long. Default 10000. */
  connectTimeoutMs?: number;
  /** Authenticate after connecting (and re-authenticate before a token expires): docs/security.md. */
  auth?: AuthOptions;
}

/** The connection's status events, for `client.on(event, listener)`. */
export interface ConnectionEvents {
  /** The socket dropped (once per outage; `error` says how). */
  disconnected: { url: string; error: Error };
  /** An attempt to reconnect starts in `delayMs` (`attempt` counts from 1 within this outage). */
  reconnecting: { url: string; attempt: number; delayMs: number; downForMs: number; error: Error };
  /** The broker answered again after `attempts` attempts and `downForMs` of outage. */
  reconnected: { url: string; attempts: number; downForMs: number };
  /** The connection is gone for good: close() was called, or the reconnect policy gave up. */
  closed: { url: string; error: Error };
}

export interface StreamHandler {
  onFrame(frame: ServerFrame): void;
  /** The connection is back: send SUBSCRIBE again from the consumer's positions. */
  onReconnect(): void;
  /** The connection is gone for good (closed or out of attempts). */
  onClose(error: Error): void;
}

export interface RequestOptions {
  /** This request's deadline instead of requestTimeoutMs. */
  timeoutMs?: number;
}

export type ClientFrameInput = ClientFrame extends infer F ? (F extends { requestId: number } ? Omit<F, "requestId"> : never) : never;

export interface Pending {
  resolve(frame: ServerFrame): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
  /** Runs when the response frame is handled, before any later frame (resolve's continuation runs after). */
  onResponse?: (frame: ServerFrame) => void;
}

export type Listeners = { [E in keyof ConnectionEvents]: Set<(event: ConnectionEvents[E]) => void> };
