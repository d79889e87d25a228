// Fetch (key 1), v4-18.
//
// Behavior:
// - Long poll: Broker.fetchMany reads every partition and, while together they hold fewer than minBytes,
//   waits (woken by appends) up to maxWaitMs; it answers at once when a partition has an error. A closed
//   connection aborts the wait.
// - Sizes: each partition returns at most min(partitionMaxBytes, maxBytes) bytes of whole stored batches,
//   at least one whole batch even if larger (KIP-74). Over the response, partitions are taken in request
//   order until maxBytes is used up; the first partition with data is always included whole, later ones
//   are cut at a batch boundary (or left empty) so the total stays within maxBytes. Batches may start
//   before fetchOffset (clients skip the records below it).
// - Stored batches go out verbatim, compressed or not, referenced (not copied) into the vectored write.
// - isolation_level 1 (read_committed): each partition returns only batches below its last stable offset
//   (the first offset of its earliest open transaction) and lists the aborted transactions overlapping them
//   (from the .txnindex, src/shard/txn-state.ts); read_uncommitted gets every batch and null aborted
//   transactions. last_stable_offset is reported either way.
// - Fetch sessions (v7+, KIP-227): see fetch-sessions.ts for the rules. A full fetch (sessionless or a new
//   session) answers every requested partition in request order; an incremental fetch fetches every
//   partition of the session (request order first, then the rest in the order they joined) and answers
//   only those with records, a changed high watermark or log start offset, or an error. A session error
//   (FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH) is top-level, with no partitions and session
//   id 0. kafkajs and librdkafka never open sessions (id 0, epoch -1); Java clients do.
// - current_leader_epoch (v9+): clients learn no epochs from Metadata <= v6 and send -1; it is not checked.
// - preferred_read_replica (v11): -1. rack_id: ignored.
// - Errors per partition (UNKNOWN_TOPIC_OR_PARTITION, OFFSET_OUT_OF_RANGE when the offset is past the log
//   end or before its start): high watermark, last stable and log start offsets -1, empty records (not
//   null: Kafka sends MemoryRecords.EMPTY, and clients read the field before the error).
// - Topic ids (v13+): topics are named by their UUID (Metadata v10+ hands them out); an unknown id gets
//   UNKNOWN_TOPIC_ID on each of its partitions, and the response echoes ids, not names.
// - v12+ tagged fields (diverging epoch, current leader, snapshot id) are never sent: one node, no
//   leader changes, no KRaft snapshots. last_fetched_epoch is not checked (leader epochs are -1).
// - v18 (Kafka 4.1) adds a tagged high_watermark per partition, which only a follower replica sets
//   (KIP-1166; consumers send 2^63-1, "not supported"). Nothing here replicates over the Kafka Fetch API
//   (cluster followers use their own replication port), so it is read and ignored, as Kafka's partition
//   leader does for a consumer; the response is v17's.

import type { FetchItem } from "../../../broker/broker.js";
import { KafkaErrors, toKafkaCode, type RivuletError } from "../../../errors/index.js";
import type { ApiKey, FetchPartitionResponse, FetchRequest, FetchResponse } from "../../../protocol/kafka/index.js";
import type { Handler, KafkaBrokerContext } from "./context.js";
import { FINAL_EPOCH, INITIAL_EPOCH, nextEpoch, partitionSessionKey, sessionCacheFor, type FetchSession, type SessionPartition } from "./fetch-sessions.js";
import { MoreKafkaCodes, topicById } from "./topic-ids.js";
import { wholeBatchesEnd } from "../../../core/index.js";
import { leaderEpochError } from "./leader-epoch.js";

const EMPTY = new Uint8Array(0);

/** One partition this request fetches; `topic` undefined when a v13+ topic id is unknown. */
interface Wanted {
  topic: string | undefined;
  /** As the client named it: the name (v4-12) or "" (v13+). */
  wireTopic: string;
  topicId: Uint8Array | undefined;
  partition: number;
  fetchOffset: bigint;
  maxBytes: number;
  /** The session's record of it, for incremental answers. */
  session?: SessionPartition;
  /** v9+: the leader epoch the client knows (-1: unknown); checked in cluster mode (leader-epoch.ts). */
  currentLeaderEpoch?: number;
  /** A failed leader-epoch check: answered with this code, not read. */
  epochError?: number;
}

export const handleFetch: Handler<typeof ApiKey.Fetch> = async (ctx, request, info) => {
  const maxBytes = Math.max(0, request.maxBytes);
  const version = info.header.apiVersion;
  const requested = resolve(ctx, request, version, maxBytes);

  // Sessions (v7+).
  let session: FetchSession | undefined;
  let incremental = false;
  let wanted = requested;
  if (version >= 7) {
    const cache = sessionCacheFor(ctx.broker);
    const { sessionId, sessionEpoch } = request;
    if (sessionEpoch === FINAL_EPOCH || sessionEpoch === INITIAL_EPOCH) {
      if (sessionId !== 0) cache.remove(sessionId);
      if (sessionEpoch === INITIAL_EPOCH) {
        session = cache.create(requested.filter((w) => w.topic !== undefined).map((w) => toSession(w)));
        if (session) for (const w of requested) w.session = session.partitions.get(partitionSessionKey(w.topic ?? "", w.partition));
      }
    } else {
      const found = cache.get(sessionId);
      if (!found) return sessionError(MoreKafkaCodes.FETCH_SESSION_ID_NOT_FOUND);
      if (found.nextEpoch !== sessionEpoch) return sessionError(MoreKafkaCodes.INVALID_FETCH_SESSION_EPOCH);
      session = found;
      incremental = true;
      cache.touch(session);
      wanted = update(session, request, requested, version, ctx);
    }
    if (session) session.nextEpoch = nextEpoch(incremental ? request.sessionEpoch : INITIAL_EPOCH);
  }

  const items: FetchItem[] = [];
  for (const w of wanted) if (w.topic !== undefined) w.epochError = leaderEpochError(ctx, w.topic, w.partition, w.currentLeaderEpoch) || undefined;
  for (const w of wanted) if (w.topic !== undefined && !w.epochError) items.push({ topic: w.topic, partition: w.partition, offset: w.fetchOffset, maxBytes: w.maxBytes });
  let results: Awaited<ReturnType<typeof ctx.broker.fetchMany>>;
  try {
    results = await ctx.broker.fetchMany(items, {
      minBytes: Math.max(0, request.minBytes),
      maxWaitMs: Math.max(0, request.maxWaitMs),
      signal: info.signal,
      isolation: request.isolationLevel === 1 ? "read_committed" : "read_uncommitted",
    });
  } catch (error) {
    // The whole call failed (broker closing): every partition carries that error.
    results = items.map(() => ({ error: error as RivuletError }));
  }

  let budget = maxBytes;
  let anyData = false;
  let i = 0;
  const answered: { w: Wanted; p: FetchPartitionResponse }[] = [];
  for (const w of wanted) {
    let p: FetchPartitionResponse;
    if (w.topic === undefined) {
      p = failed(w.partition, MoreKafkaCodes.UNKNOWN_TOPIC_ID);
    } else if (w.epochError) {
      p = failed(w.partition, w.epochError);
    } else {
      const result = results[i++]!;
      if (!result.ok) {
        p = failed(w.partition, toKafkaCode(result.error));
      } else {
        let records = result.ok.records;
        if (records.length > 0) {
          if (!anyData) anyData = true;
          else records = wholeBatchesWithin(records, budget);
          budget = Math.max(0, budget - records.length);
        }
        p = {
          partitionIndex: w.partition,
          errorCode: KafkaErrors.NONE.code,
          highWatermark: result.ok.highWatermark,
          lastStableOffset: result.ok.lastStableOffset,
          logStartOffset: result.ok.logStartOffset,
          abortedTransactions: request.isolationLevel === 1 ? (result.ok.abortedTransactions ?? []) : null,
          preferredReadReplica: -1,
          records,
        };
      }
    }
    const s = w.session;
    if (incremental && s && !changed(s, p)) continue;
    if (s) {
      s.lastHighWatermark = p.highWatermark;
      s.lastLogStartOffset = p.logStartOffset ?? -1n;
    }
    answered.push({ w, p });
  }

  // Group consecutive partitions of one topic, as Kafka's response builder does.
  const responses: FetchResponse["responses"] = [];
  for (const { w, p } of answered) {
    const last = responses.at(-1);
    const sameTopic = last && (version >= 13 ? last.topicId === w.topicId : last.topic === w.wireTopic);
    if (sameTopic) last.partitions.push(p);
    else responses.push({ topic: w.wireTopic, topicId: w.topicId, partitions: [p] });
  }
  const response: FetchResponse = { errorCode: KafkaErrors.NONE.code, sessionId: session?.id ?? 0, responses };
  return response;
};

/** The request's partitions with topic names resolved (v13+ names topics by id). */
function resolve(ctx: KafkaBrokerContext, request: FetchRequest, version: number, maxBytes: number): Wanted[] {
  const out: Wanted[] = [];
  for (const t of request.topics) {
    const topic = version >= 13 ? (t.topicId && topicById(ctx, t.topicId)?.name) : t.topic;
    for (const p of t.partitions) {
      out.push({
        topic,
        wireTopic: t.topic,
        topicId: t.topicId,
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        maxBytes: Math.max(0, Math.min(p.partitionMaxBytes, maxBytes)),
        currentLeaderEpoch: p.currentLeaderEpoch,
      });
    }
  }
  return out;
}

function toSession(w: Wanted): SessionPartition {
  return { topic: w.topic!, topicId: w.topicId, partition: w.partition, fetchOffset: w.fetchOffset, maxBytes: w.maxBytes, lastHighWatermark: -2n, lastLogStartOffset: -2n };
}

/** Applies an incremental request to its session; returns every session partition to fetch. */
function update(session: FetchSession, request: FetchRequest, requested: Wanted[], version: number, ctx: KafkaBrokerContext): Wanted[] {
  for (const f of request.forgottenTopicsData) {
    const topic = version >= 13 ? (f.topicId && topicById(ctx, f.topicId)?.name) : f.topic;
    if (topic !== undefined) for (const partition of f.partitions) session.partitions.delete(partitionSessionKey(topic, partition));
  }
  const out: Wanted[] = [];
  const seen = new Set<string>();
  for (const w of requested) {
    if (w.topic === undefined) {
      out.push(w); // unknown topic id: answered with its error, not kept in the session
      continue;
    }
    const key = partitionSessionKey(w.topic, w.partition);
    let s = session.partitions.get(key);
    if (s) {
      s.fetchOffset = w.fetchOffset;
      s.maxBytes = w.maxBytes;
    } else {
      session.partitions.set(key, (s = toSession(w)));
    }
    seen.add(key);
    out.push({ ...w, session: s });
  }
  for (const [key, s] of session.partitions) {
    if (seen.has(key)) continue;
    out.push({ topic: s.topic, wireTopic: version >= 13 ? "" : s.topic, topicId: s.topicId, partition: s.partition, fetchOffset: s.fetchOffset, maxBytes: s.maxBytes, session: s });
  }
  return out;
}

/** Whether an incremental response must carry this partition. */
function changed(s: SessionPartition, p: FetchPartitionResponse): boolean {
  if (p.errorCode !== KafkaErrors.NONE.code) return true;
  if (p.records !== null && (p.records instanceof Uint8Array ? p.records.length > 0 : p.records.length > 0)) return true;
  return p.highWatermark !== s.lastHighWatermark || (p.logStartOffset ?? -1n) !== s.lastLogStartOffset;
}

function sessionError(errorCode: number): FetchResponse {
  return { errorCode, sessionId: 0, responses: [] };
}

function failed(partitionIndex: number, errorCode: number): FetchPartitionResponse {
  return { partitionIndex, errorCode, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, abortedTransactions: null, records: EMPTY };
}

/** The longest prefix of whole batches within `limit` bytes. */
export function wholeBatchesWithin(records: Uint8Array, limit: number): Uint8Array {
  if (records.length <= limit) return records;
  return records.subarray(0, wholeBatchesEnd(records, 0, limit));
}
