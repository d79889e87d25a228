// Fetch sessions (KIP-227, Fetch v7+): a consumer that fetches the same partitions over and over can
// open a session once and then send only what changed; the broker answers only partitions with news.
//
// The request's (session_id, session_epoch) says what to do:
//
//   epoch -1, id 0    sessionless full fetch (what kafkajs and librdkafka send); answered with id 0
//   epoch -1, id N    close session N, then a sessionless full fetch
//   epoch  0, id any  close session id (if any), open a new session with the request's partitions (a full
//                     fetch); answered with the new id, or 0 when the cache has no room (then the client
//                     stays sessionless)
//   epoch  E > 0      incremental fetch in session id: the request's partitions are added or updated,
//                     forgotten_topics_data removed; every session partition is fetched, and the response
//                     carries only partitions with records, a changed high watermark / log start offset, or
//                     an error. Unknown id: FETCH_SESSION_ID_NOT_FOUND; E not the session's next epoch:
//                     INVALID_FETCH_SESSION_EPOCH (the client then starts over with epoch 0). The next
//                     expected epoch is E + 1 (wrapping past INT32_MAX to 1).
//
// The cache is per broker and bounded (Kafka's max.incremental.fetch.session.cache.slots, default 1000).
// When full, a new session evicts the least recently used session idle for at least evictionMs (Kafka's
// min.incremental.fetch.session.eviction.ms, 120 s); failing that, the least recently used session with
// fewer partitions than the new one (bigger sessions save more); failing that, no session is created.
// Sessions live in memory only: after a restart every incremental fetch gets FETCH_SESSION_ID_NOT_FOUND
// and the client re-opens its session, as it would after a Kafka broker restart.

import type { Broker } from "../../../broker/broker.js";

/** One partition a session fetches, with what the client was last told about it. */
export interface SessionPartition {
  topic: string;
  topicId: Uint8Array | undefined;
  partition: number;
  fetchOffset: bigint;
  maxBytes: number;
  /** -2 until the partition has been answered once in this session. */
  lastHighWatermark: bigint;
  lastLogStartOffset: bigint;
}

export interface FetchSession {
  readonly id: number;
  /** The epoch the next incremental request must carry. */
  nextEpoch: number;
  lastUsed: number;
  /** Keyed by topic name and partition, in the order they were added (Kafka keeps insertion order). */
  readonly partitions: Map<string, SessionPartition>;
}

export interface FetchSessionCacheOptions {
  maxSessions?: number;
  evictionMs?: number;
  now?: () => number;
}

export const FINAL_EPOCH = -1;
export const INITIAL_EPOCH = 0;

export const partitionSessionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  private readonly maxSessions: number;
  private readonly evictionMs: number;
  private readonly now: () => number;
  private lastId = 0;
  /** Counters for tests and metrics. */
  evictions = 0;
  refused = 0;

  constructor(options: FetchSessionCacheOptions = {}) {
    this.maxSessions = options.maxSessions ?? 1000;
    this.evictionMs = options.evictionMs ?? 120_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.sessions.size;
  }

  get(id: number): FetchSession | undefined {
    return this.sessions.get(id);
  }

  remove(id: number): void {
    this.sessions.delete(id);
  }

  /** A new session holding `partitions`, or undefined when the cache is full and nothing may be evicted. */
  create(partitions: SessionPartition[]): FetchSession | undefined {
    const now = this.now();
    if (this.sessions.size >= this.maxSessions && !this.evictFor(partitions.length, now)) {
      this.refused++;
      return undefined;
    }
    const session: FetchSession = { id: this.nextId(), nextEpoch: 1, lastUsed: now, partitions: new Map() };
    for (const p of partitions) session.partitions.set(partitionSessionKey(p.topic, p.partition), p);
    this.sessions.set(session.id, session);
    return session;
  }

  /** Marks a session used (moves it to the most recently used end). */
  touch(session: FetchSession): void {
    session.lastUsed = this.now();
    this.sessions.delete(session.id);
    this.sessions.set(session.id, session);
  }

  private evictFor(size: number, now: number): boolean {
    // Map order is least recently used first (touch re-inserts).
    let smaller: FetchSession | undefined;
    for (const s of this.sessions.values()) {
      if (now - s.lastUsed >= this.evictionMs) return this.evict(s);
      if (!smaller && s.partitions.size < size) smaller = s;
    }
    return smaller ? this.evict(smaller) : false;
  }

  private evict(session: FetchSession): true {
    this.sessions.delete(session.id);
    this.evictions++;
    return true;
  }

  private nextId(): number {
    // Ids are positive int32s, never 0 (which means "no session"), not reused while live.
    do {
      this.lastId = this.lastId >= 0x7fffffff ? 1 : this.lastId + 1;
    } while (this.sessions.has(this.lastId));
    return this.lastId;
  }
}

const caches = new WeakMap<Broker, FetchSessionCache>();

/** The broker's session cache (one per broker, shared by every Kafka connection to it). */
export function sessionCacheFor(broker: Broker, options?: FetchSessionCacheOptions): FetchSessionCache {
  let cache = caches.get(broker);
  if (!cache) caches.set(broker, (cache = new FetchSessionCache(options)));
  return cache;
}

export function nextEpoch(epoch: number): number {
  return epoch >= 0x7fffffff ? 1 : epoch + 1;
}
