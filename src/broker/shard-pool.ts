// A shard on the main thread's side: a piscina pool of exactly one worker thread, which owns the shard's
// partitions. Piscina starts, names and reports on that thread; the tasks themselves travel over one
// persistent MessageChannel per shard, set up by the pool's first task (`attach`): per task that is one
// postMessage each way of a two-element array, where piscina.run() allocated a task record, an async
// resource, a wrapper message and its bookkeeping on every call, ~30% of the main thread's time on the
// produce path at 20,000 small batches/s (issue 14). Every task goes over the channel, so tasks still
// reach the worker in the order they were sent (per-partition order is task order) and run concurrently
// there (a long fsync for acks=all must not stall other partitions).
//
// Backpressure is counted here: `needsDrain` (every one of the `concurrency` task slots busy) is what the
// front ends treat as backpressure: they stop reading from sockets until 'drain'; more than `maxQueue`
// tasks beyond the slots is an error (a caller that ignored needsDrain).

import { EventEmitter } from "node:events";
import { join } from "node:path";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { KafkaProtocolError, RivuletError } from "../errors/index.js";
import { packageRoot } from "../package-root.js";
import { Piscina } from "piscina";
import type { ShardInit, ShardNotice, ShardReply, ShardResults, ShardTask } from "../shard/protocol.js";

// Node 20 cannot run TypeScript in a worker: whether this module runs from src/ (vitest), dist/ or a
// compiled benchmark, the shards run the built worker.
export const workerFile = join(packageRoot(), "dist", "shard", "worker.js");

export interface ShardPoolOptions {
  /** Tasks that may run at once in the worker. */
  concurrency: number;
  /** Tasks that may wait beyond those; more is an error (a caller that ignored needsDrain). */
  maxQueue: number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class ShardPool extends EventEmitter {
  private readonly pool: Piscina;
  private port: MessagePort;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private drainNeeded = false;
  /** Attach tasks that failed in a row (a thread that cannot start must not be retried forever). */
  private attachFailures = 0;
  /** Set once the shard is gone for good (pool destroyed): every later task fails at once. */
  private gone: Error | undefined;
  readonly index: number;

  constructor(
    init: ShardInit,
    private readonly options: ShardPoolOptions,
  ) {
    super();
    this.index = init.shard;
    this.pool = new Piscina({
      filename: workerFile,
      minThreads: 1,
      maxThreads: 1,
      // The attach task; the shard's own tasks do not go through piscina.
      concurrentTasksPerWorker: 1,
      atomics: "disabled",
      idleTimeout: Number.MAX_SAFE_INTEGER,
      recordTiming: false,
      workerData: init,
      name: "default",
    });
    this.pool.on("error", (error: unknown) => this.emit("error", error));
    this.port = this.connect();
  }

  /** A channel to the pool's current thread, handed over by the `attach` task. */
  private connect(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    // Tasks sent before the worker has taken its end wait in the channel, in order.
    this.pool.run({ op: "attach", port: port2 }, { transferList: [port2 as never] }).then(
      () => void (this.attachFailures = 0),
      (error: unknown) => this.onAttachFailed(port1, error),
    );
    port1.on("message", (message: ShardReply | ShardNotice) => {
      // A notice answers no task: appends readers may see before their acks=all answer (AppendedNotice).
      if (message[0] === "appended") this.emit("appended", message[1]);
      else this.onReply(message);
    });
    port1.on("close", () => this.onClose(port1));
    // Referenced only while tasks are in flight (as piscina does): an idle broker does not keep the process alive.
    port1.unref();
    return port1;
  }

  /**
   * The worker's end closes when its thread exits (a crash, or terminated): nothing in flight will be
   * answered, so it all fails now. Piscina starts a replacement thread, which gets a channel too; it hosts
   * none of the partitions (their tasks answer UNKNOWN_TOPIC_OR_PARTITION, and /readyz says so), as before
   * the channel.
   */
  private onClose(port: MessagePort): void {
    if (port !== this.port || this.gone) return;
    this.failPending(new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", `shard ${this.index}: worker thread exited`));
    this.port = this.connect();
  }

  /**
   * The attach task did not run: piscina gave it to a thread that was exiting (the port's close can come
   * before piscina sees the exit), or no thread starts. The channel's other end is lost with it, so what
   * was sent on it fails; a new channel is tried a few times, then the shard is given up.
   */
  private onAttachFailed(port: MessagePort, error: unknown): void {
    if (port !== this.port || this.gone) return;
    this.failPending(new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", `shard ${this.index}: worker thread exited`));
    if (++this.attachFailures > 3) {
      this.fail(error);
      return;
    }
    port.close();
    this.port = this.connect();
  }

  /** Tasks sent and not yet answered (running or queued). */
  inFlight = 0;

  run<K extends ShardTask["op"]>(task: Extract<ShardTask, { op: K }>, transferList?: ArrayBuffer[]): Promise<ShardResults[K]> {
    if (this.gone) return Promise.reject(this.gone);
    if (this.inFlight >= this.options.concurrency + this.options.maxQueue) {
      return Promise.reject(new RivuletError("SHARD_QUEUE_FULL", `shard ${this.index}: ${this.inFlight} tasks in flight, the queue is at its limit`, { retriable: true }));
    }
    const id = this.nextId++;
    if (this.inFlight++ === 0) this.port.ref();
    if (this.inFlight >= this.options.concurrency && !this.drainNeeded) {
      this.drainNeeded = true;
      queueMicrotask(() => this.emit("needsDrain"));
    }
    return new Promise<ShardResults[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      try {
        this.port.postMessage([id, task], transferList?.length ? transferList : undefined);
      } catch (error) {
        // Not sent (a value that cannot be cloned, a buffer listed twice): nothing will answer it.
        this.pending.delete(id);
        this.settled();
        reject(error);
      }
    });
  }

  private onReply(reply: ShardReply): void {
    const id = reply[0];
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    this.settled();
    if (reply.length === 3) pending.reject(reply[2]);
    else pending.resolve(reply[1]);
  }

  private settled(): void {
    if (--this.inFlight === 0) this.port.unref();
    if (this.drainNeeded && this.inFlight < this.options.concurrency) {
      this.drainNeeded = false;
      queueMicrotask(() => this.emit("drain"));
    }
  }

  /** The shard is unusable for good (destroyed, or its thread cannot be started): everything fails. */
  private fail(error: unknown): void {
    this.gone ??= error instanceof Error ? error : new Error(String(error));
    this.failPending(this.gone);
  }

  private failPending(error: Error): void {
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      this.settled();
      pending.reject(error);
    }
  }

  /** True while every task slot is busy: callers should hold new work until 'drain'. */
  get needsDrain(): boolean {
    return this.inFlight >= this.options.concurrency;
  }

  /** Tasks waiting for a slot (beyond those running). */
  get queueSize(): number {
    return Math.max(0, this.inFlight - this.options.concurrency);
  }

  async destroy(): Promise<void> {
    this.fail(new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", `shard ${this.index} is shut down`));
    this.port.close();
    await this.pool.destroy();
  }
}
