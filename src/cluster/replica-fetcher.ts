// A follower's copy loop for one partition. On every (re)start under a new leader epoch it first truncates
// by leader epoch (KIP-101/279): it asks the leader where its own latest epoch ends and cuts anything past
// that (never below the high watermark it knew), then fetches from its log end and appends the leader's
// batches verbatim. Errors back off briefly: the metadata watcher restarts or stops the fetcher when the
// leadership moves.

import type { Broker } from "../broker/broker.js";
import type { Logger } from "../log.js";
import type { LocalPartition } from "./local-partition.js";
import type { ReplicaClient } from "./replica-transport.js";
import { awaitBudget, type ReplicationThrottle } from "./replication-quota.js";

export class ReplicaFetcher {
  private stopped = false;
  logEndOffset = 0n;
  /** Epoch starts appended but not yet in the epoch cache (its write failed): recorded before the next fetch. */
  private unrecordedEpochs: Array<{ epoch: number; startOffset: bigint }> = [];
  /** Settles once the copy loop has exited (after stop()): no append of it is in flight any more. */
  done: Promise<void> = Promise.resolve();

  constructor(
    private readonly broker: Broker,
    private readonly lp: LocalPartition,
    private readonly client: ReplicaClient,
    private readonly brokerId: number,
    private readonly logger: Logger,
    private readonly throttle?: ReplicationThrottle,
  ) {}

  /** Where it fetches from, as the leader's registration says: `tls://` when the listener speaks TLS. */
  get endpoint(): string {
    return `${this.client.tls ? "tls://" : ""}${this.client.host}:${this.client.port}`;
  }

  start(): void {
    this.done = this.run().catch((error) => this.logger.warn("replica fetcher stopped", { topic: this.lp.topic, partition: this.lp.partition, error: String(error) }));
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(): Promise<void> {
    const { topic, partition } = this.lp;
    const leaderEpoch = this.lp.leaderEpoch;
    let truncated = false;
    let backoff = 50;
    // Failures are retried quietly, but a streak of them (a full disk, a leader gone) is told once at warn,
    // and its end at info: an operator sees why this replica left the ISR and when it is back.
    let failing = false;
    while (!this.stopped) {
      try {
        const status = await this.broker.replica.status(topic, partition);
        this.logEndOffset = status.logEndOffset;
        this.recordEpochs();
        if (!truncated) {
          await this.truncate(status.logStartOffset);
          truncated = true;
        }
        // The follower's log start goes with every fetch: the leader answers a DeleteRecords once the
        // followers have moved theirs as far (log-start-sync.ts).
        // Throttled (a move's copy, out of the ISR): fetch no more than this broker's follower bucket allows;
        // with nothing left, wait for it (bounded, then look again) rather than fetch.
        const throttled = this.throttle !== undefined && !this.lp.isr.includes(this.brokerId) && this.throttle.followerThrottled(topic, partition);
        let maxBytes: number | undefined;
        if (throttled) {
          const budget = await awaitBudget(this.throttle!.follower, 500, () => !this.stopped);
          if (this.stopped) return;
          if (budget <= 0) continue;
          maxBytes = Math.max(1, Math.floor(budget));
        }
        const reply = await this.client.request({ type: "fetch", topic, partition, brokerId: this.brokerId, leaderEpoch, offset: this.logEndOffset, logStart: status.logStartOffset, maxWaitMs: 500, ...(maxBytes !== undefined ? { maxBytes } : {}) }, 5000);
        if (throttled) this.throttle!.follower.take(reply.body.byteLength);
        if (this.stopped) return;
        const h = reply.header;
        if (await this.restartAtLeaderStart(h, status.logStartOffset)) continue;
        if (h.error === "OFFSET_OUT_OF_RANGE") {
          truncated = false;
          continue;
        }
        if (h.error) throw new Error(`${String(h.error)}${h.message ? `: ${String(h.message)}` : ""}`);
        if (reply.body.byteLength) {
          const [result] = await this.broker.replica.append([{ topic, partition, records: reply.body }]);
          if (result!.error) throw result!.error;
          this.logEndOffset = result!.ok.logEndOffset;
          this.unrecordedEpochs.push(...result!.ok.epochStarts);
          this.recordEpochs();
        }
        await this.followLogStart(h.logStart, status.logStartOffset);
        // The follower's HW: what the leader has committed, as far as this log reaches.
        const hw = h.hw as bigint;
        const known = hw < this.logEndOffset ? hw : this.logEndOffset;
        if (known > this.lp.hw) this.lp.hw = known;
        backoff = 50;
        if (failing) this.logger.info("replica fetch resumed", { topic, partition, logEndOffset: this.logEndOffset });
        failing = false;
      } catch (error) {
        if (this.stopped) return;
        if (!failing) this.logger.warn("replica fetch failed; retrying", { topic, partition, error: String(error) });
        else this.logger.debug("replica fetch failed; retrying", { topic, partition, error: String(error) });
        failing = true;
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 1000);
      }
    }
  }

  /**
   * Kafka's truncateFullyAndStartAt: a log wholly below the leader's log start (the leader's retention or
   * DeleteRecords passed it: OFFSET_OUT_OF_RANGE), or an empty one (this broker's copy was deleted when the
   * partition moved away, replica-manager.ts discard()) at another offset than the leader's log start,
   * restarts empty at the leader's log start. True if it did.
   */
  private async restartAtLeaderStart(h: Record<string, unknown>, localStart: bigint): Promise<boolean> {
    const leaderStart = h.logStart;
    if (typeof leaderStart !== "bigint") return false;
    const leo = this.logEndOffset;
    const below = h.error === "OFFSET_OUT_OF_RANGE" && leo < leaderStart;
    // An empty local log holds nothing to keep: wherever it stands, it restarts where the leader's begins
    // (a copy deleted when the partition moved away stands at its old log end, usually above the leader's
    // start; an epoch cache left by a crash between the two deletions does not matter here).
    const fresh = !h.error && localStart === leo && leaderStart !== leo;
    if (!below && !fresh) return false;
    const { topic, partition } = this.lp;
    const status = await this.broker.replica.empty(topic, partition, leaderStart);
    this.lp.epochs.truncateFromEnd(0n);
    this.logEndOffset = status.logEndOffset;
    this.lp.hw = status.logEndOffset;
    this.logger.info("replica log restarted at the leader's log start", { topic, partition, from: leo, logStartOffset: leaderStart });
    return true;
  }

  /**
   * The epoch starts of appended batches into the epoch cache, in order. One the disk refuses stays queued
   * (the append is already in the log, so the next fetch starts past it): the loop retries it before it
   * fetches again, so the cache never misses an epoch the log holds.
   */
  private recordEpochs(): void {
    while (this.unrecordedEpochs.length) {
      const e = this.unrecordedEpochs[0]!;
      this.lp.epochs.assign(e.epoch, e.startOffset);
      this.unrecordedEpochs.shift();
    }
  }

  /**
   * Kafka's follower rule: the log start follows the leader's (its DeleteRecords and retention), up to this
   * log's end. Without it a follower elected later would serve records deleted on the old leader.
   */
  private async followLogStart(leaderStart: unknown, localStart: bigint): Promise<void> {
    if (typeof leaderStart !== "bigint" || leaderStart <= localStart) return;
    const target = leaderStart < this.logEndOffset ? leaderStart : this.logEndOffset;
    if (target <= localStart) return;
    await this.broker.replica.advanceLogStart(this.lp.topic, this.lp.partition, target);
  }

  /** Truncation by leader epoch before the first fetch under this leader. */
  private async truncate(logStartOffset: bigint): Promise<void> {
    const { topic, partition, epochs } = this.lp;
    const leo = this.logEndOffset;
    if (epochs.latestEpoch === -1 && leo > logStartOffset) epochs.assign(0, logStartOffset); // written before cluster mode
    const mine = epochs.latestEpoch;
    let target: bigint;
    if (mine === -1) {
      target = leo; // nothing written: nothing to cut
    } else {
      const reply = await this.client.request({ type: "epochEnd", topic, partition, epoch: mine }, 5000);
      if (reply.header.error) throw new Error(String(reply.header.error));
      const epoch = Number(reply.header.epoch);
      const end = reply.header.endOffset as bigint;
      if (epoch === -1) target = this.lp.hw; // the leader knows no epoch this old: keep only what was committed
      else {
        const mineEnd = epoch === mine ? leo : epochs.endOffsetFor(epoch, leo).endOffset;
        target = end < mineEnd ? end : mineEnd;
      }
    }
    if (target > leo) target = leo;
    if (target < this.lp.hw) {
      this.logger.warn("truncation point below the high watermark; keeping committed records", { topic, partition, target, highWatermark: this.lp.hw });
      target = this.lp.hw;
    }
    if (target < leo) {
      const [result] = await this.broker.replica.truncate([{ topic, partition, offset: target }]);
      if (result!.error) throw result!.error;
      epochs.truncateFromEnd(result!.ok.logEndOffset);
      this.logEndOffset = result!.ok.logEndOffset;
      this.logger.info("truncated divergent tail", { topic, partition, from: leo, to: this.logEndOffset });
    }
  }
}
