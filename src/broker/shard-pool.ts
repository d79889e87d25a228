// A shard on the main thread's side: a piscina pool of exactly one worker thread. The queue is bounded and
// `needsDrain` (every task slot busy) is what the front ends treat as backpressure: they stop reading from
// sockets until 'drain'. Piscina runs with atomics disabled so the worker's own timers (flush, retention,
// compaction) run between tasks; several tasks may be in flight at once (a long fsync for acks=all must
// not stall other partitions), and they still arrive in order over the worker's single port.

import { EventEmitter } from "node:events";
import { join } from "node:path";
import { packageRoot } from "../package-root.js";
import { Piscina } from "piscina";
import type { ShardInit, ShardResults, ShardTask } from "../shard/protocol.js";

// Node 20 cannot run TypeScript in a worker: whether this module runs from src/ (vitest), dist/ or a
// compiled benchmark, the shards run the built worker.
export const workerFile = join(packageRoot(), "dist", "shard", "worker.js");

export interface ShardPoolOptions {
  /** Tasks that may run at once in the worker. */
  concurrency: number;
  /** Tasks that may wait beyond those; more is an error (a caller that ignored needsDrain). */
  maxQueue: number;
}

export class ShardPool extends EventEmitter {
  private readonly pool: Piscina;
  readonly index: number;

  constructor(init: ShardInit, options: ShardPoolOptions) {
    super();
    this.index = init.shard;
    this.pool = new Piscina({
      filename: workerFile,
      minThreads: 1,
      maxThreads: 1,
      concurrentTasksPerWorker: options.concurrency,
      maxQueue: options.maxQueue,
      atomics: "disabled",
      // Per-partition order is task order: without this, piscina puts a task it could not hand to the busy
      // worker back at the tail of its queue, and appends would be reordered under load.
      stricterFIFO: true,
      idleTimeout: Number.MAX_SAFE_INTEGER,
      // No run/wait-time histograms: two records per task on the produce and read paths that nothing reads.
      recordTiming: false,
      workerData: init,
      name: "default",
    });
    this.pool.on("drain", () => this.emit("drain"));
    this.pool.on("needsDrain", () => this.emit("needsDrain"));
    this.pool.on("error", (error: unknown) => this.emit("error", error));
  }

  /** Tasks sent and not yet answered (running or queued). */
  inFlight = 0;

  run<K extends ShardTask["op"]>(task: Extract<ShardTask, { op: K }>, transferList?: ArrayBuffer[]): Promise<ShardResults[K]> {
    this.inFlight++;
    const done = () => void this.inFlight--;
    const promise = this.pool.run(task, transferList?.length ? { transferList } : undefined) as Promise<ShardResults[K]>;
    promise.then(done, done);
    return promise;
  }

  /** True while every task slot is busy: callers should hold new work until 'drain'. */
  get needsDrain(): boolean {
    return this.pool.needsDrain;
  }

  /** Tasks waiting for a slot (beyond those running). */
  get queueSize(): number {
    return this.pool.queueSize;
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}
