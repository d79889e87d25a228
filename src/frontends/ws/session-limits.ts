// Per-connection limits of the WebSocket front end (defaults in server.ts; documented in docs/protocol.md).

export interface SessionLimits {
  maxSubscriptions: number;
  maxInFlight: number;
  maxQueuedBytes: number;
  highWaterBytes: number;
  maxChunkBytes: number;
  /** Reads a connection may have in flight at once across its subscriptions. */
  maxConcurrentReads: number;
}
