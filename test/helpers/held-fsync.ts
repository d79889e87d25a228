// Fault files for the acks=all visibility tests through the front ends: a server started with
// `shardFaults: heldFsync.faults` holds every asynchronous fdatasync of its partitions while `hold` exists
// and fails them with EIO while `fail` exists (src/shard/fault-injection.ts). Kept outside the data dir so
// nothing the broker scans at start-up sees them; both are removed after each test, the directory after the
// file's tests.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach } from "vitest";
import type { ShardFaults } from "../../src/shard/fault-injection.js";

export interface HeldFsync {
  /** For ServerConfig.shardFaults (plain strings: also passes through a child's JSON config). */
  readonly faults: Required<ShardFaults>;
  /** fdatasyncs started from now on wait (and those running keep waiting) until release(). */
  hold(): void;
  /** Lets held fdatasyncs go on (they succeed, unless fail() was called). */
  release(): void;
  /** fdatasyncs fail with EIO until heal(), the held ones included once released. */
  fail(): void;
  heal(): void;
}

export function heldFsync(prefix: string): HeldFsync {
  const dir = mkdtempSync(join(tmpdir(), `rivulet-${prefix}-faults-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const faults = { holdSyncWhileExists: join(dir, "hold-fsync"), failSyncWhileExists: join(dir, "fail-fsync") };
  const create = (path: string) => writeFileSync(path, "");
  const remove = (path: string) => existsSync(path) && rmSync(path);
  // A test that failed half-way must not leave the next one (or the servers' close) waiting on its hold.
  afterEach(() => {
    remove(faults.holdSyncWhileExists);
    remove(faults.failSyncWhileExists);
  });
  return {
    faults,
    hold: () => create(faults.holdSyncWhileExists),
    release: () => remove(faults.holdSyncWhileExists),
    fail: () => create(faults.failSyncWhileExists),
    heal: () => remove(faults.failSyncWhileExists),
  };
}

/** Whether a promise settled within `ms` (it keeps running either way; a rejection is not left unhandled). */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setTimeout(resolve, ms));
  return settled;
}

/** A promise's outcome once it settles, as a value (so a rejection can be awaited later without going unhandled). */
export function outcomeOf<T>(promise: Promise<T>): Promise<{ ok: T } | { error: unknown }> {
  return promise.then(
    (ok) => ({ ok }),
    (error: unknown) => ({ error }),
  );
}
