// GET/HEAD /healthz (liveness) and /readyz (readiness), for load balancers and orchestrators.
//
// Liveness says whether the process should be left running: the event loop answers (this code runs at all)
// and the broker has not been closed. Readiness says whether it should get traffic, and checks for real:
//   shards     every shard worker answers a ping within the probe timeout (a wedged worker fails), and
//              partitions answer a list-offsets (a worker that died was replaced by the pool with an empty
//              one that hosts nothing: that fails too). Up to PARTITION_SAMPLE partitions are asked, spread
//              over the topics, so a probe stays cheap on a broker with thousands.
//   storage    a probe file can be created, written, fsynced and removed in the data directory (a full,
//              read-only or vanished disk fails)
//   listeners  every configured listener is accepting (the HTTP one is: it is answering)
// The body is a short JSON object naming each check and, for a failed one, why. Checks run at most once at
// a time: concurrent probes share one run.

import { open, unlink } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import type { Broker } from "../../broker/broker.js";

export interface HealthReport {
  status: "ok" | "failing";
  checks: Record<string, { ok: boolean; error?: string }>;
}

export interface ListenerAddress {
  name: string;
  host: string;
  port: number;
}

export interface HealthOptions {
  /** Listeners besides the HTTP one answering the probe (the Kafka listener): each must accept a TCP connection. */
  listeners?: () => ListenerAddress[];
  /** How long a shard or the disk may take to answer a probe. Default 2 s. */
  probeTimeoutMs?: number;
}

export const PROBE_FILE = ".readyz-probe";
/** Most partitions one readiness probe asks for their offsets. */
export const PARTITION_SAMPLE = 256;

export function liveness(broker: Broker): HealthReport {
  const closed = broker.isClosed;
  return { status: closed ? "failing" : "ok", checks: { broker: closed ? { ok: false, error: "broker is shut down" } : { ok: true } } };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function message(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? e);
}

async function probeStorage(dataDir: string): Promise<void> {
  const path = join(dataDir, PROBE_FILE);
  const file = await open(path, "w");
  try {
    await file.writeFile(`readiness probe ${Date.now()}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await unlink(path);
}

/** Partitions to probe: round-robin over topics (partition 0 of each, then 1, ...), at most PARTITION_SAMPLE. */
function partitionSample(broker: Broker): Array<[string, number]> {
  const topics = broker.listTopics();
  const out: Array<[string, number]> = [];
  for (let p = 0; out.length < PARTITION_SAMPLE; p++) {
    let any = false;
    for (const t of topics) {
      if (p >= t.partitions) continue;
      any = true;
      out.push([t.name, p]);
      if (out.length >= PARTITION_SAMPLE) break;
    }
    if (!any) break;
  }
  return out;
}

/** Opens and closes a TCP connection to the listener (a wildcard bind is reached over loopback). */
function probeListener(l: ListenerAddress, timeoutMs: number): Promise<void> {
  const host = l.host === "0.0.0.0" || l.host === "" ? "127.0.0.1" : l.host === "::" ? "::1" : l.host;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: l.port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no connection within ${timeoutMs} ms`)));
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
    socket.once("error", reject);
  });
}

export class Readiness {
  private running: Promise<HealthReport> | undefined;

  constructor(private readonly broker: Broker, private readonly options: HealthOptions = {}) {}

  /** Runs the checks (or joins a run in progress). */
  check(): Promise<HealthReport> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<HealthReport> {
    const broker = this.broker;
    const timeout = this.options.probeTimeoutMs ?? 2000;
    const checks: HealthReport["checks"] = {};
    if (broker.isClosed) {
      checks.broker = { ok: false, error: "broker is shut down" };
      return { status: "failing", checks };
    }
    const shards = await Promise.all(
      Array.from({ length: broker.shardCount }, (_, i) =>
        withTimeout(broker.pingShard(i), timeout, `shard ${i}`).then(
          () => undefined,
          (error: unknown) => `shard ${i}: ${message(error)}`,
        ),
      ),
    );
    const failedShards = shards.filter((s): s is string => s !== undefined);
    if (!failedShards.length) {
      const sample = partitionSample(broker);
      const failed = await Promise.all(
        sample.map(([topic, partition]) =>
          withTimeout(broker.listOffsets(topic, partition, "latest"), timeout, `${topic}-${partition}`).then(
            () => undefined,
            (error: unknown) => (broker.topic(topic) === undefined ? undefined : `${topic}-${partition}: ${message(error)}`),
          ),
        ),
      );
      const bad = failed.filter((f): f is string => f !== undefined);
      if (bad.length) failedShards.push(`${bad.length} of ${sample.length} partitions probed do not answer (${bad.slice(0, 3).join("; ")}${bad.length > 3 ? "; ..." : ""})`);
    }
    checks.shards = failedShards.length ? { ok: false, error: failedShards.join("; ") } : { ok: true };
    try {
      await withTimeout(probeStorage(broker.config.dataDir), timeout, "storage probe");
      checks.storage = { ok: true };
    } catch (error) {
      checks.storage = { ok: false, error: `data directory ${broker.config.dataDir} is not writable (${message(error)})` };
    }
    const listeners = this.options.listeners?.() ?? [];
    const down = await Promise.all(listeners.map((l) => probeListener(l, timeout).then(() => undefined, (error: unknown) => `${l.name} (${l.host}:${l.port}) ${message(error)}`)));
    const failed = down.filter((d): d is string => d !== undefined);
    checks.listeners = failed.length ? { ok: false, error: `not accepting: ${failed.join("; ")}` } : { ok: true };
    const ok = Object.values(checks).every((c) => c.ok);
    return { status: ok ? "ok" : "failing", checks };
  }
}
