// The leader's side of a follower's fetch over the replication wire: the request's checks (leadership,
// leader epoch, replica set), the follower's position and log start noted (isr-tracker.ts,
// log-start-sync.ts), a long-poll at the log end, the replication throttle (replication-quota.ts), then the
// stored batches from the offset (past the high watermark) with the high watermark, log end and log start.

import type { ReplicaAccess } from "../broker/replica-access.js";
import type { IsrTracker } from "./isr-tracker.js";
import { pkey } from "./layout.js";
import type { LocalPartition } from "./local-partition.js";
import { settleLogStartWaiters, type AwaitedFollower } from "./log-start-sync.js";
import type { ReplicationThrottle } from "./replication-quota.js";
import type { Frame } from "./wire.js";

/** What the replica manager lends to serving a fetch. */
export interface FollowerFetchContext {
  readonly parts: ReadonlyMap<string, LocalPartition>;
  fenced(): boolean;
  readonly replica: ReplicaAccess;
  readonly isrTracker: IsrTracker;
  readonly throttle: ReplicationThrottle;
  readonly awaitedFollower: AwaitedFollower;
}

/** A follower's fetch: its answer header, and the batches as the body. */
export async function serveFollowerFetch(ctx: FollowerFetchContext, h: Frame["header"]): Promise<{ header: Record<string, unknown>; body?: Uint8Array }> {
  const malformed = malformedFetch(h);
  if (malformed) return { header: { error: "INVALID_REQUEST", message: malformed } };
  const lp = ctx.parts.get(pkey(String(h.topic), Number(h.partition)));
  const follower = Number(h.brokerId);
  if (!lp || lp.role !== "leader" || ctx.fenced()) return { header: { error: "NOT_LEADER_OR_FOLLOWER" } };
  const epoch = Number(h.leaderEpoch);
  if (epoch < lp.leaderEpoch) return { header: { error: "FENCED_LEADER_EPOCH" } };
  if (epoch > lp.leaderEpoch) return { header: { error: "UNKNOWN_LEADER_EPOCH" } };
  if (!lp.replicas.includes(follower)) return { header: { error: "NOT_LEADER_OR_FOLLOWER" } };
  const offset = h.offset as bigint;
  // The leader's log start goes with every answer: a follower whose log is empty (or wholly below it)
  // restarts there instead of fetching a range the leader no longer has (replica-fetcher.ts).
  const logStart = async () => (lp.logStart = (await ctx.replica.status(lp.topic, lp.partition)).logStartOffset);
  if (offset > lp.leo) return { header: { error: "OFFSET_OUT_OF_RANGE", leo: lp.leo, logStart: await logStart() } };
  const followerStart = h.logStart === undefined ? -1n : (h.logStart as bigint);
  // An empty follower log past the leader's log start (its copy deleted when the partition moved away,
  // discard()) holds none of the records below: not caught up whatever its offset, so not noted (an ISR
  // member must hold the log). Answered at once with the log start, where its fetcher restarts it.
  if (followerStart === offset && offset > (await logStart())) return { header: { hw: lp.hw, leo: lp.leo, logStart: lp.logStart } };
  ctx.isrTracker.noteFollower(lp, follower, offset, followerStart);
  settleLogStartWaiters(lp, ctx.awaitedFollower);
  // A follower behind the leader's log start is answered at once (with it), not long-polled.
  if (offset === lp.leo && followerStart >= lp.logStart) {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        lp.dataWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Number(h.maxWaitMs ?? 500));
      lp.dataWaiters.add(done);
    });
  }
  if (lp.role !== "leader" || lp.leaderEpoch !== epoch) return { header: { error: "NOT_LEADER_OR_FOLLOWER" } };
  if (offset === lp.leo) return { header: { hw: lp.hw, leo: lp.leo, logStart: await logStart() } };
  // Throttled (a move's copy; in-sync followers never are): what the leader's bucket allows, after a wait
  // within the fetch's maxWait, or nothing this time (the follower asks again).
  const cap = h.maxBytes === undefined ? 1024 * 1024 : Math.min(h.maxBytes as number, 1024 * 1024);
  const allowed = await ctx.throttle.leaderAllowance(lp.topic, lp.partition, lp.isr.includes(follower), cap, Number(h.maxWaitMs ?? 500), () => lp.role === "leader" && lp.leaderEpoch === epoch);
  if (lp.role !== "leader" || lp.leaderEpoch !== epoch) return { header: { error: "NOT_LEADER_OR_FOLLOWER" } };
  if (allowed.maxBytes === 0) return { header: { hw: lp.hw, leo: lp.leo, logStart: lp.logStart } };
  const [result] = await ctx.replica.read([{ topic: lp.topic, partition: lp.partition, offset, maxBytes: allowed.maxBytes }]);
  if (allowed.throttled && !result!.error) ctx.throttle.leader.take(result!.ok.records.byteLength);
  if (result!.error) return { header: { error: result!.error.code, message: result!.error.message, ...(result!.error.code === "OFFSET_OUT_OF_RANGE" ? { logStart: await logStart() } : {}) } };
  lp.logStart = result!.ok.logStartOffset;
  return { header: { hw: lp.hw, leo: lp.leo, logStart: lp.logStart }, body: result!.ok.records };
}

/**
 * Why a fetch header cannot be served, or undefined. Checked before anything is noted of the follower it
 * names: a negative or non-bigint offset or log start taken at face value would move the leader's view of
 * that follower (its ISR standing, the DeleteRecords wait), and a nonsense maxBytes or maxWaitMs would reach
 * the read and the long-poll. Optional fields may be absent, never malformed.
 */
function malformedFetch(h: Frame["header"]): string | undefined {
  if (!Number.isInteger(h.leaderEpoch) || !Number.isInteger(h.brokerId) || !Number.isInteger(h.partition)) return "fetch needs integer partition, brokerId and leaderEpoch";
  if (typeof h.offset !== "bigint" || h.offset < 0n) return "fetch needs a non-negative bigint offset";
  if (h.logStart !== undefined && (typeof h.logStart !== "bigint" || h.logStart < 0n)) return "a fetch's logStart is a non-negative bigint";
  if (h.maxBytes !== undefined && !(Number.isSafeInteger(h.maxBytes) && (h.maxBytes as number) > 0)) return "a fetch's maxBytes is a positive integer";
  if (h.maxWaitMs !== undefined && !(Number.isSafeInteger(h.maxWaitMs) && (h.maxWaitMs as number) >= 0)) return "a fetch's maxWaitMs is a non-negative integer";
  return undefined;
}
